package dev.faissshard.supabase;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * One client per Supabase API, made only when the project is configured ({@code fsb.supabase.url}
 * and {@code key}). Users take them through an {@code ObjectProvider} and say themselves what a
 * missing configuration means for their feature.
 */
@Configuration(proxyBeanMethods = false)
class SupabaseConfiguration {

    @Bean(destroyMethod = "close")
    @Conditional(Configured.class)
    SupabaseStorageApi supabaseStorageApi(
            WebClient.Builder webClient, SupabaseProperties properties, JsonMapper json) {
        return SupabaseStorageApi.create(webClient, properties, json);
    }

    @Bean(destroyMethod = "close")
    @Conditional(Configured.class)
    SupabaseRestApi supabaseRestApi(WebClient.Builder webClient, SupabaseProperties properties) {
        return SupabaseRestApi.create(webClient, properties);
    }

    /**
     * Whether {@code fsb.supabase} binds to a URL and a key, as {@link
     * SupabaseProperties#configured()} decides.
     */
    static final class Configured implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return Binder.get(context.getEnvironment())
                    .bind("fsb.supabase", SupabaseProperties.class)
                    .map(SupabaseProperties::configured)
                    .orElse(false);
        }
    }
}
