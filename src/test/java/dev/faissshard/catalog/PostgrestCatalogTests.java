package dev.faissshard.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseRestApi;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/** {@link PostgrestCatalog} against the PostgREST emulator on loopback. */
class PostgrestCatalogTests {

    private SupabaseEmulator emulator;
    private SupabaseRestApi rest;

    @BeforeEach
    void start() throws Exception {
        emulator = new SupabaseEmulator();
        SupabaseProperties properties =
                new SupabaseProperties(
                        URI.create(emulator.url()),
                        SupabaseEmulator.SERVICE_KEY,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(2),
                        new SupabaseProperties.Retry(
                                3, Duration.ofMillis(10), Duration.ofMillis(100), 2.0));
        rest = SupabaseRestApi.create(WebClient.builder(), properties);
    }

    @AfterEach
    void stop() {
        rest.close();
        emulator.close();
    }

    @Test
    void readsEveryRowInIdOrderByKeysetPagesPastTheServersRowCap() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (long id = 2500; id >= 1; id--) {
            rows.add(
                    row(
                            "id",
                            id,
                            "image_url",
                            "https://cdn.example/" + id + ".jpg",
                            "processed",
                            id % 10 == 0));
        }
        emulator.table("images", rows);
        // Asks for 5,000 a page; the server caps at 1,000, so a short page must not end the read.
        PostgrestCatalog catalog =
                catalog("images", new SupabaseCatalogProperties("id", "image_url", "", 5000));
        try (Stream<CatalogEntry> entries = catalog.verified().entries()) {
            List<String> ids = entries.map(CatalogEntry::id).toList();
            assertThat(ids)
                    .hasSize(2500)
                    .doesNotHaveDuplicates()
                    .startsWith("1", "2", "3")
                    .endsWith("2500");
        }
        assertThat(catalog.size()).hasValue(2500);
    }

    @Test
    void findLooksUpOneIdWithAnEqFilter() {
        emulator.table(
                "images",
                List.of(
                        row("id", 1L, "image_url", "https://cdn.example/1.jpg"),
                        row("id", 2L, "image_url", "https://cdn.example/2.jpg")));
        PostgrestCatalog catalog =
                catalog("images", new SupabaseCatalogProperties("id", "image_url", "", 1000));
        assertThat(catalog.find("2").orElseThrow().imageUrl().toString())
                .isEqualTo("https://cdn.example/2.jpg");
        assertThat(catalog.find("3")).isEmpty();
        emulator.table(
                "skus",
                List.of(
                        row("id", "a", "image_url", "https://cdn.example/a.jpg"),
                        row("id", "b", "image_url", "https://cdn.example/b.jpg")));
        PostgrestCatalog skus =
                catalog("skus", new SupabaseCatalogProperties("id", "image_url", "", 1000));
        assertThat(skus.find("b").orElseThrow().id()).isEqualTo("b");
        assertThat(skus.find("a&id=eq.b")).as("an id is one value, never more filters").isEmpty();
    }

    @Test
    void appliesTheConfiguredFilterAndReadsUuidIds() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            rows.add(
                    row(
                            "uid",
                            UUID.nameUUIDFromBytes(new byte[] {(byte) i}).toString(),
                            "url",
                            "supabase://products/" + i + ".jpg",
                            "processed",
                            i % 3 == 0,
                            "shelf",
                            i % 2 == 0 ? "top shelf" : "floor"));
        }
        emulator.table("product_images", rows);
        PostgrestCatalog catalog =
                catalog(
                        "product_images",
                        new SupabaseCatalogProperties(
                                "uid", "url", "processed=is.false&shelf=eq.top shelf", 7));
        try (Stream<CatalogEntry> entries = catalog.entries()) {
            List<CatalogEntry> read = entries.toList();
            assertThat(read).hasSize(10);
            assertThat(read).extracting(CatalogEntry::id).isSorted().doesNotHaveDuplicates();
            assertThat(read.get(0).imageUrl().getScheme()).isEqualTo("supabase");
        }
    }

    @Test
    void missingTableOrColumnIsRefusedByPostgrestsErrorCodeWithoutItsMessage() {
        emulator.table("images", List.of(row("id", 1L, "image_url", "https://cdn.example/1.jpg")));
        assertThatThrownBy(
                        () ->
                                catalog(
                                                "imagez",
                                                new SupabaseCatalogProperties(
                                                        "id", "image_url", "", 1000))
                                        .verified())
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("imagez")
                .hasMessageContaining("the table does not exist")
                .hasMessageContaining("PGRST205")
                .hasMessageNotContaining("Could not find");
        assertThatThrownBy(
                        () ->
                                catalog(
                                                "images",
                                                new SupabaseCatalogProperties(
                                                        "id", "photo", "", 1000))
                                        .verified())
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("column 'id' or 'photo' does not exist")
                .hasMessageContaining("42703")
                .hasMessageNotContaining("images.photo");
        assertThatThrownBy(
                        () ->
                                catalog(
                                        "images; drop table x",
                                        new SupabaseCatalogProperties("id", "image_url", "", 1000)))
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("Table name");
    }

    private PostgrestCatalog catalog(String table, SupabaseCatalogProperties properties) {
        return new PostgrestCatalog(rest, JsonMapper.builder().build(), properties, table);
    }

    private static Map<String, Object> row(Object... pairs) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            row.put((String) pairs[i], pairs[i + 1]);
        }
        return row;
    }
}
