package dev.faissshard.supabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.catalog.PostgresCatalogProperties;
import dev.faissshard.catalog.SupabaseCatalogProperties;
import dev.faissshard.storage.StorageProperties;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;

/**
 * The shipped application.yml binds to the Supabase settings, environment variables fill them in,
 * bad values are refused.
 */
class SupabasePropertiesBindingTests {

    @Test
    void shippedDefaultsBindWithoutAProjectConfigured() throws IOException {
        Binder binder = binder(Map.of());
        SupabaseProperties supabase = binder.bind("fsb.supabase", SupabaseProperties.class).get();
        assertThat(supabase.configured()).isFalse();
        assertThat(supabase.retry().maxAttempts()).isEqualTo(6);
        StorageProperties storage = binder.bind("fsb.storage", StorageProperties.class).get();
        assertThat(storage.type()).isEqualTo(StorageProperties.Type.LOCAL);
        assertThat(storage.supabase().bucket()).isEqualTo("faiss-shards");
        assertThat(storage.supabase().resumableThreshold().toMegabytes()).isEqualTo(6);
        SupabaseCatalogProperties catalog =
                binder.bind("fsb.catalog.supabase", SupabaseCatalogProperties.class).get();
        assertThat(catalog.idColumn()).isEqualTo("id");
        assertThat(catalog.pageSize()).isEqualTo(1000);
    }

    @Test
    void environmentVariablesNameTheProjectBucketAndColumnsAndTheKeyStaysOutOfToString()
            throws IOException {
        Binder binder =
                binder(
                        Map.of(
                                "SUPABASE_URL",
                                "https://abcd.supabase.co",
                                "SUPABASE_KEY",
                                "secret-service-key",
                                "SUPABASE_BUCKET",
                                "shards",
                                "SUPABASE_ID_COLUMN",
                                "uuid",
                                "SUPABASE_FILTER",
                                "processed=is.false",
                                "DATABASE_URL",
                                "postgresql://postgres:pw@db.abcd.supabase.co:5432/postgres"));
        SupabaseProperties supabase = binder.bind("fsb.supabase", SupabaseProperties.class).get();
        assertThat(supabase.configured()).isTrue();
        assertThat(supabase.baseUrl()).isEqualTo("https://abcd.supabase.co");
        assertThat(supabase.toString()).doesNotContain("secret-service-key");
        assertThat(binder.bind("fsb.storage", StorageProperties.class).get().supabase().bucket())
                .isEqualTo("shards");
        SupabaseCatalogProperties catalog =
                binder.bind("fsb.catalog.supabase", SupabaseCatalogProperties.class).get();
        assertThat(catalog.idColumn()).isEqualTo("uuid");
        assertThat(catalog.filter()).isEqualTo("processed=is.false");
        PostgresCatalogProperties postgres =
                binder.bind("fsb.catalog.postgres", PostgresCatalogProperties.class).get();
        assertThat(postgres.url()).startsWith("postgresql://");
        assertThat(postgres.toString()).doesNotContain("pw@");
    }

    @Test
    void invalidValuesAreRefusedNamingTheKey() throws IOException {
        assertThatThrownBy(
                        () ->
                                binder(Map.of("SUPABASE_URL", "abcd.supabase.co"))
                                        .bind("fsb.supabase", SupabaseProperties.class))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("fsb.supabase.url");
        assertThatThrownBy(
                        () ->
                                binder(Map.of("SUPABASE_BUCKET", "bad/name"))
                                        .bind("fsb.storage", StorageProperties.class))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("fsb.storage.supabase.bucket");
        assertThatThrownBy(
                        () ->
                                binder(Map.of("SUPABASE_ID_COLUMN", "id; drop"))
                                        .bind(
                                                "fsb.catalog.supabase",
                                                SupabaseCatalogProperties.class))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("fsb.catalog.supabase.id-column");
    }

    private static Binder binder(Map<String, Object> environment) throws IOException {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test-env", environment));
        List<PropertySource<?>> yaml =
                new YamlPropertySourceLoader()
                        .load("application.yml", new FileSystemResource("application.yml"));
        yaml.forEach(env.getPropertySources()::addLast);
        return Binder.get(env);
    }
}
