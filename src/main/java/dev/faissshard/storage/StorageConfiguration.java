package dev.faissshard.storage;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import dev.faissshard.storage.supabase.SupabaseStorageClient;
import dev.faissshard.supabase.SupabaseHttp;
import dev.faissshard.supabase.SupabaseProperties;
import tools.jackson.databind.json.JsonMapper;

/** Chooses the {@link StorageClient} named by {@code fsb.storage.type}. */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    StorageClient storageClient(StorageProperties properties, SupabaseProperties supabase, WebClient.Builder webClient,
            JsonMapper json) {
        return switch (properties.type()) {
            case LOCAL -> new LocalStorageClient(properties.local().root());
            case SUPABASE -> {
                SupabaseStorageClient client = new SupabaseStorageClient(
                        new SupabaseHttp(webClient, supabase, "/storage/v1"), properties.supabase(), json);
                client.initialize();
                yield client;
            }
        };
    }
}
