package dev.faissshard.storage;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chooses the {@link StorageClient} named by {@code fsb.storage.type}. */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    StorageClient storageClient(StorageProperties properties) {
        return switch (properties.type()) {
            case LOCAL -> new LocalStorageClient(properties.local().root());
        };
    }
}
