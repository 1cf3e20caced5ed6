package dev.faissshard.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.index.FaissIds;
import dev.faissshard.supabase.SupabaseRestApi;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/** The embedded catalogues (CSV, JSONL, folder) read from real files. */
class LocalCatalogTests {

    @TempDir Path dir;

    private CatalogFactory factory;

    @BeforeEach
    void factoryConfinedToTheTemporaryFolder() {
        factory =
                factory(
                        new CatalogProperties(
                                CatalogType.AUTO,
                                dir.resolve("default.csv").toString(),
                                "id",
                                List.of("image_url", "url"),
                                List.of(dir.toString()),
                                DataSize.ofKilobytes(64),
                                DataSize.ofGigabytes(1)));
    }

    static CatalogFactory factory(CatalogProperties properties) {
        return new CatalogFactory(
                properties,
                JsonMapper.builder().build(),
                // Unconfigured database catalogues: the factory must not need them for files and
                // folders.
                new TableCatalogs(
                        new SupabaseCatalogProperties("id", "image_url", "", 1000),
                        new PostgresCatalogProperties("", "", "", "id", "image_url", "", 1000),
                        new StaticListableBeanFactory().getBeanProvider(SupabaseRestApi.class),
                        JsonMapper.builder().build()));
    }

    @Test
    void csvWithBomCrlfQuotesAndRelativePathsIsReadInOrder() throws Exception {
        Path csv =
                write(
                        "catalog.csv",
                        "\uFEFFsku,ID,Image_URL\r\n"
                                + "a-1,17,http://127.0.0.1/a.jpg\r\n"
                                + "\r\n"
                                + "\"b,2\",\"550e8400-e29b-41d4-a716-446655440000\",\"images/b \"\"quoted\"\".jpg\"\r\n"
                                + "c,\"multi\nline\",file:///srv/c.png\r\n");
        List<CatalogEntry> entries = read(new CatalogSpec(CatalogType.AUTO, csv.toString()));
        assertThat(entries)
                .extracting(CatalogEntry::id)
                .containsExactly("17", "550e8400-e29b-41d4-a716-446655440000", "multi\nline");
        assertThat(entries.get(0).imageUrl()).isEqualTo(URI.create("http://127.0.0.1/a.jpg"));
        assertThat(entries.get(1).imageUrl())
                .isEqualTo(dir.resolve("images/b \"quoted\".jpg").toUri());
        assertThat(entries.get(2).imageUrl()).isEqualTo(URI.create("file:///srv/c.png"));
        assertThat(
                        factory.openRequested(new CatalogSpec(CatalogType.CSV, csv.toString()))
                                .description())
                .startsWith("csv:");
    }

    @Test
    void csvFallsBackToTheSecondUrlColumnName() throws Exception {
        Path csv = write("catalog.csv", "id,url\n1,http://127.0.0.1/1.jpg\n");
        assertThat(read(new CatalogSpec(CatalogType.CSV, csv.toString())))
                .extracting(CatalogEntry::id)
                .containsExactly("1");
    }

    @Test
    void csvSizeCountsRowsWithoutTheHeader() throws Exception {
        Path csv = write("catalog.csv", "id,image_url\n1,a.jpg\n2,b.jpg\n\n3,c.jpg\n");
        assertThat(factory.openRequested(new CatalogSpec(CatalogType.CSV, csv.toString())).size())
                .hasValue(3);
    }

    @Test
    void csvErrorsNameTheFileAndLine() throws Exception {
        Path noUrl = write("no-url.csv", "id,name\n1,shoe\n");
        assertThatThrownBy(() -> read(new CatalogSpec(CatalogType.CSV, noUrl.toString())))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("image_url");
        Path shortRow = write("short.csv", "id,image_url\n1,a.jpg\n2\n");
        assertThatThrownBy(() -> read(new CatalogSpec(CatalogType.CSV, shortRow.toString())))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("line 3");
        Path emptyId = write("empty-id.csv", "id,image_url\n ,a.jpg\n");
        assertThatThrownBy(() -> read(new CatalogSpec(CatalogType.CSV, emptyId.toString())))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("empty id");
        Path unterminated = write("open-quote.csv", "id,image_url\n1,\"a.jpg\n");
        assertThatThrownBy(() -> read(new CatalogSpec(CatalogType.CSV, unterminated.toString())))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("unterminated");
    }

    @Test
    void jsonlTakesIntegerAndStringIdsAndIsDetectedByExtension() throws Exception {
        Path jsonl =
                write(
                        "catalog.jsonl",
                        "{\"id\": 42, \"image_url\": \"http://127.0.0.1/42.jpg\"}\n"
                                + "\n"
                                + "{\"id\": \"sku-7\", \"url\": \"pics/7.webp\", \"title\": \"ignored\"}\n"
                                + "{\"id\": 123456789012345678901234567890, \"image_url\": \"http://127.0.0.1/big.jpg\"}\n");
        List<CatalogEntry> entries = read(new CatalogSpec(CatalogType.AUTO, jsonl.toString()));
        assertThat(entries)
                .extracting(CatalogEntry::id)
                .containsExactly("42", "sku-7", "123456789012345678901234567890");
        assertThat(entries.get(1).imageUrl()).isEqualTo(dir.resolve("pics/7.webp").toUri());
        assertThat(
                        factory.openRequested(new CatalogSpec(CatalogType.AUTO, jsonl.toString()))
                                .size())
                .hasValue(3);
    }

    @Test
    void jsonlErrorsNameTheLine() throws Exception {
        Path broken =
                write("broken.jsonl", "{\"id\": 1, \"url\": \"a.jpg\"}\n{\"id\": 2, \"url\": \n");
        assertThatThrownBy(() -> read(new CatalogSpec(CatalogType.JSONL, broken.toString())))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("invalid JSON");
        Path noId = write("no-id.jsonl", "{\"url\": \"a.jpg\"}\n");
        assertThatThrownBy(() -> read(new CatalogSpec(CatalogType.JSONL, noId.toString())))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("missing 'id'");
        Path noUrl = write("no-url.jsonl", "{\"id\": 3}\n");
        assertThatThrownBy(() -> read(new CatalogSpec(CatalogType.JSONL, noUrl.toString())))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("image URL");
    }

    @Test
    void findLooksUpOneIdInCsvJsonlAndFolderCatalogues() throws Exception {
        Path csv = write("lookup.csv", "id,image_url\n1,https://cdn.example/1.jpg\nb,b.png\n");
        Catalog fromCsv = factory.openRequested(new CatalogSpec(CatalogType.AUTO, csv.toString()));
        assertThat(fromCsv.find("b").orElseThrow().imageUrl())
                .isEqualTo(dir.resolve("b.png").toUri());
        assertThat(fromCsv.find("1").orElseThrow().imageUrl())
                .isEqualTo(URI.create("https://cdn.example/1.jpg"));
        assertThat(fromCsv.find("2")).isEmpty();
        assertThat(fromCsv.find("B")).as("ids are compared exactly").isEmpty();
        Path jsonl = write("lookup.jsonl", "{\"id\":7,\"url\":\"https://cdn.example/7.jpg\"}\n");
        Catalog fromJsonl =
                factory.openRequested(new CatalogSpec(CatalogType.AUTO, jsonl.toString()));
        assertThat(fromJsonl.find("7").orElseThrow().imageUrl())
                .isEqualTo(URI.create("https://cdn.example/7.jpg"));
        assertThat(fromJsonl.find("8")).isEmpty();
        Files.createDirectories(dir.resolve("pics/shoes"));
        Files.write(dir.resolve("pics/shoes/42.jpg"), new byte[] {1});
        Catalog folder =
                factory.openRequested(
                        new CatalogSpec(CatalogType.FOLDER, dir.resolve("pics").toString()));
        assertThat(folder.find("shoes/42").orElseThrow().imageUrl())
                .isEqualTo(dir.resolve("pics/shoes/42.jpg").toUri());
        assertThat(folder.find("../lookup")).isEmpty();
    }

    @Test
    void folderGivesEveryImageFileWithItsRelativePathAsId() throws Exception {
        Files.createDirectories(dir.resolve("shoes/red"));
        Files.write(dir.resolve("shoes/red/42.JPG"), new byte[] {1});
        Files.write(dir.resolve("shoes/blue.png"), new byte[] {1});
        Files.write(dir.resolve("hat.webp"), new byte[] {1});
        Files.write(dir.resolve("notes.txt"), new byte[] {1});
        Files.write(dir.resolve("README"), new byte[] {1});
        List<CatalogEntry> entries = read(new CatalogSpec(CatalogType.AUTO, dir.toString()));
        assertThat(entries)
                .extracting(CatalogEntry::id)
                .containsExactly("hat", "shoes/blue", "shoes/red/42");
        assertThat(entries.get(2).imageUrl()).isEqualTo(dir.resolve("shoes/red/42.JPG").toUri());
        assertThat(
                        factory.openRequested(new CatalogSpec(CatalogType.FOLDER, dir.toString()))
                                .size())
                .hasValue(3);
    }

    @Test
    void missingOrMistypedLocationsFailAtOnce() throws Exception {
        assertThatThrownBy(
                        () ->
                                factory.openRequested(
                                        new CatalogSpec(
                                                CatalogType.AUTO,
                                                dir.resolve("nope.csv").toString())))
                .isInstanceOf(CatalogLocationRefusedException.class)
                .hasMessageContaining("existing regular file");
        assertThatThrownBy(
                        () ->
                                factory.openRequested(
                                        new CatalogSpec(CatalogType.CSV, dir.toString())))
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("a folder but was declared csv");
        Path csv = write("c.csv", "id,url\n");
        assertThatThrownBy(
                        () ->
                                factory.openRequested(
                                        new CatalogSpec(CatalogType.FOLDER, csv.toString())))
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("a file but was declared folder");
    }

    @Test
    void faissIdsKeepIntegersAndHashEverythingElseStably() {
        assertThat(FaissIds.of("0")).isZero();
        assertThat(FaissIds.of("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(FaissIds.isNative("123")).isTrue();
        // Not plain integers: hashed, so "007" and "7" never collide, nor does an id past int64.
        assertThat(FaissIds.isNative("007")).isFalse();
        assertThat(FaissIds.of("007")).isNotEqualTo(7L);
        assertThat(FaissIds.isNative("9223372036854775808")).isFalse();
        assertThat(FaissIds.isNative("-5")).isFalse();
        String uuid = "550e8400-e29b-41d4-a716-446655440000";
        // A fixed value (first 63 bits of SHA-256): indexes built by earlier releases hold these
        // ids, so
        // the mapping must never change.
        assertThat(FaissIds.of(uuid)).isEqualTo(2569833472951765682L);
        assertThat(FaissIds.of("sku-1")).isNotEqualTo(FaissIds.of("sku-2"));
    }

    private List<CatalogEntry> read(CatalogSpec spec) {
        try (Stream<CatalogEntry> entries = factory.openRequested(spec).entries()) {
            return entries.toList();
        }
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }
}
