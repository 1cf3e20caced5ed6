package dev.faissshard.search;

import dev.faissshard.api.StrictJsonBinding;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The search package's request bodies are read as strictly as the job API's ({@link
 * StrictJsonBinding}).
 */
@Configuration(proxyBeanMethods = false)
class SearchJson implements WebMvcConfigurer {

    private final JsonMapper strict;

    SearchJson(JsonMapper json) {
        this.strict = StrictJsonBinding.strict(json);
    }

    JsonMapper strict() {
        return strict;
    }

    @Override
    public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
        builder.configureMessageConverters(
                converter -> {
                    if (converter instanceof JacksonJsonHttpMessageConverter jackson) {
                        for (Class<?> type :
                                new Class<?>[] {
                                    SearchRequest.class, EmbedController.EmbedRequest.class
                                }) {
                            jackson.registerMappersForType(
                                    type,
                                    mappers -> {
                                        mappers.put(MediaType.APPLICATION_JSON, strict);
                                        mappers.put(new MediaType("application", "*+json"), strict);
                                    });
                        }
                    }
                });
    }
}
