package dev.faissshard.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.fetch.ImageUrl;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * A catalogue row's URL text never fails the catalogue: IRIs are escaped, non-URLs become per-row
 * failures.
 */
class CatalogRowUrlTests {

    @TempDir Path dir;

    @Test
    void everyRowBecomesAnEntryAndBadUrlsAreMarkedForTheirRowOnly() throws Exception {
        Path csv =
                Files.writeString(
                        dir.resolve("catalog.csv"),
                        "id,image_url\n"
                                + "1,http://127.0.0.1:8080/a b.jpg\n"
                                + "2,http://exa mple.com/x.jpg\n"
                                + "3,http://127.0.0.1:8080/caf\u00e9/\u65e5\u672c.jpg?q=\u00fc#f\n"
                                + "4,https://b\u00fccher.example/x.jpg\n"
                                + "5,http://[::1/x.jpg\n"
                                + "6,http://host:99999/x.jpg\n"
                                + "7,\n"
                                + "8,images/relative one.jpg\n"
                                + "9,../../../../etc/hostname\n"
                                + "10,http://127.0.0.1/already%20escaped%2F.jpg\n",
                        StandardCharsets.UTF_8);
        List<CatalogEntry> entries;
        try (Stream<CatalogEntry> stream =
                new CsvCatalog(new CatalogFile(csv, 1 << 20), "id", List.of("image_url"), 64 * 1024)
                        .entries()) {
            entries = stream.toList();
        }
        assertThat(entries)
                .extracting(CatalogEntry::id)
                .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
        assertThat(entries.get(0).imageUrl().toString())
                .isEqualTo("http://127.0.0.1:8080/a%20b.jpg");
        assertThat(entries.get(2).imageUrl().toString())
                .isEqualTo("http://127.0.0.1:8080/caf%C3%A9/%E6%97%A5%E6%9C%AC.jpg?q=%C3%BC#f");
        assertThat(entries.get(3).imageUrl().getHost()).isEqualTo("xn--bcher-kva.example");
        assertThat(entries.get(7).imageUrl())
                .isEqualTo(dir.resolve("images/relative one.jpg").toUri());
        assertThat(entries.get(8).imageUrl())
                .as("resolved, then refused by the fetcher's confinement")
                .isEqualTo(Path.of("/etc/hostname").toUri());
        assertThat(entries.get(9).imageUrl().toString())
                .isEqualTo("http://127.0.0.1/already%20escaped%2F.jpg");
        for (int invalid : new int[] {1, 4, 5, 6}) {
            assertThat(entries.get(invalid).imageUrl().getScheme())
                    .as("row " + entries.get(invalid).id())
                    .isEqualTo("invalid-url");
        }
        assertThat(entries)
                .allSatisfy(entry -> assertThat(entry.folder()).isEqualTo(dir.toAbsolutePath()));
    }

    @Test
    void jsonlRowsGetTheSameTreatment() throws Exception {
        Path jsonl =
                Files.writeString(
                        dir.resolve("catalog.jsonl"),
                        "{\"id\": 1, \"url\": \"http://127.0.0.1/a b.jpg\"}\n"
                                + "{\"id\": 2, \"url\": \"http://a b/\"}\n",
                        StandardCharsets.UTF_8);
        List<CatalogEntry> entries;
        try (Stream<CatalogEntry> stream =
                new JsonlCatalog(
                                new CatalogFile(jsonl, 1 << 20),
                                "id",
                                List.of("url"),
                                JsonMapper.builder().build(),
                                64 * 1024)
                        .entries()) {
            entries = stream.toList();
        }
        assertThat(entries.get(0).imageUrl()).isEqualTo(URI.create("http://127.0.0.1/a%20b.jpg"));
        assertThat(entries.get(1).imageUrl().getScheme()).isEqualTo("invalid-url");
    }

    @Test
    void tableRowsAreParsedAsAbsoluteUrls() {
        assertThat(ImageUrls.absolute("https://cdn.example/a b.jpg"))
                .isEqualTo(URI.create("https://cdn.example/a%20b.jpg"));
        assertThat(ImageUrls.absolute("a.jpg").getScheme())
                .as("no scheme in a table row")
                .isEqualTo("invalid-url");
        assertThat(ImageUrl.invalid("empty image URL").getSchemeSpecificPart())
                .isEqualTo("empty image URL");
    }
}
