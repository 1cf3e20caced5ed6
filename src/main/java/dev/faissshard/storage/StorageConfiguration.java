package dev.faissshard.storage;

import dev.faissshard.storage.supabase.SupabaseStorageClient;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chooses the {@link StorageClient} named by {@code fsb.storage.type}. */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    StorageClient storageClient(
            StorageProperties properties,
            SupabaseProperties supabase,
            ObjectProvider<SupabaseStorageApi> supabaseStorage) {
        return switch (properties.type()) {
            case LOCAL -> new LocalStorageClient(properties.local().root());
            case SUPABASE -> {
                SupabaseStorageApi api = supabaseStorage.getIfAvailable();
                if (api == null) {
                    supabase.requireConfigured("Supabase Storage");
                }
                SupabaseStorageClient client =
                        new SupabaseStorageClient(api, properties.supabase());
                client.initialize();
                yield client;
            }
        };
    }
}
