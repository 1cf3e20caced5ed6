package dev.faissshard.api;

import dev.faissshard.fetch.FetchProperties;
import dev.faissshard.job.JobRequest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Request bodies of the API are read strictly: an unknown field (a typo) is an error, not ignored,
 * and a value is never coerced into another JSON type ({@code 1.5} or {@code "16"} for an integer,
 * {@code 1} for a boolean, {@code 123} for a string, a number for an enum). Only the request types
 * get this mapper; the application's own mapper stays lenient, since it also reads Supabase's
 * answers, which may grow fields.
 */
@Configuration(proxyBeanMethods = false)
public class StrictJsonBinding implements WebMvcConfigurer {

    private final JsonMapper strict;

    StrictJsonBinding(JsonMapper json) {
        this.strict = strict(json);
    }

    /** The strict variant of the application's mapper, for request types of other packages. */
    public static JsonMapper strict(JsonMapper json) {
        return json.rebuild()
                .enable(
                        DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                                DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                        DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
                                DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(
                        DeserializationFeature.ACCEPT_FLOAT_AS_INT,
                        DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY,
                        DeserializationFeature.UNWRAP_SINGLE_VALUE_ARRAYS,
                        DeserializationFeature.ACCEPT_EMPTY_STRING_AS_NULL_OBJECT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .withCoercionConfig(
                        LogicalType.Textual,
                        textual ->
                                textual.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                        .setCoercion(
                                                CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
    }

    @Override
    public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
        builder.configureMessageConverters(
                converter -> {
                    if (converter instanceof JacksonJsonHttpMessageConverter jackson) {
                        jackson.registerMappersForType(
                                JobRequest.class,
                                mappers -> {
                                    mappers.put(MediaType.APPLICATION_JSON, strict);
                                    mappers.put(new MediaType("application", "*+json"), strict);
                                });
                    }
                });
    }

    @Bean
    FilterRegistrationBean<RequestBodyLimit> requestBodyLimit(
            ApiProperties properties, FetchProperties fetch) {
        // Query images may be as large as fetched ones, plus the multipart envelope.
        FilterRegistrationBean<RequestBodyLimit> registration =
                new FilterRegistrationBean<>(
                        new RequestBodyLimit(properties, fetch.maxBytes().toBytes() + 64 * 1024));
        // After Spring Security's filter chain (-100): an unauthenticated caller learns nothing
        // from a 413.
        registration.setOrder(0);
        return registration;
    }
}
