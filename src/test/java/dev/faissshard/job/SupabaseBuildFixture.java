package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testsupabase.BucketIndex;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The whole service on the Supabase emulator, as the Supabase build tests set it up: a catalogue of
 * product pictures in the {@code images} table and the {@code products} bucket, the index in the
 * {@code faiss-shards} bucket, and the check that two builds of it hold the same vectors.
 */
final class SupabaseBuildFixture {

    /** Every index type a default job builds. */
    static final List<String> TYPES = List.of("color", "structure", "combined");

    /** Catalogue ids whose rows name objects that do not exist: lasting failures of every build. */
    static final List<Integer> MISSING = List.of(7, 99);

    /** The bucket the service writes its indexes to. */
    static final String BUCKET = "faiss-shards";

    private SupabaseBuildFixture() {}

    /**
     * An emulator holding a catalogue of ids 1..{@code images}, the {@link #MISSING} ones absent.
     */
    static SupabaseEmulator startEmulator(int images) {
        try {
            SupabaseEmulator emulator = new SupabaseEmulator();
            emulator.createBucket("products", false, null);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 1; i <= images; i++) {
                if (!MISSING.contains(i)) {
                    byte[] jpeg =
                            ProductImageGenerator.jpeg(
                                    ProductImageGenerator.render(
                                            ProductImageGenerator.catalogueSpec(i), 96),
                                    0.85f);
                    emulator.putObject("products", "catalogue/" + i + ".jpg", jpeg, "image/jpeg");
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", (long) i);
                row.put("image_url", "supabase://products/catalogue/" + i + ".jpg");
                rows.add(row);
            }
            emulator.table("images", rows);
            return emulator;
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The settings every such test shares: Supabase at the emulator for both the catalogue and the
     * index, and batches and shards small enough that a few hundred pictures make several of each.
     * The retry and outage settings are each test's own.
     */
    static void register(DynamicPropertyRegistry registry, SupabaseEmulator emulator) {
        registry.add("fsb.supabase.url", emulator::url);
        registry.add("fsb.supabase.key", () -> SupabaseEmulator.SERVICE_KEY);
        registry.add("fsb.supabase.read-timeout", () -> "1s");
        registry.add("fsb.storage.type", () -> "supabase");
        registry.add("fsb.storage.supabase.bucket", () -> BUCKET);
        registry.add("fsb.storage.supabase.create-bucket", () -> "true");
        registry.add("fsb.catalog.type", () -> "supabase");
        registry.add("fsb.catalog.location", () -> "images");
        registry.add("fsb.catalog.supabase.page-size", () -> "50");
        registry.add("fsb.shard.max-vectors", () -> "40");
        registry.add("fsb.job.batch-size", () -> "16");
    }

    /**
     * Every index type under {@code actualPrefix} holds exactly the {@code vectors} vectors of the
     * same types under {@code expectedPrefix}, id for id and bit for bit, each id once, in as many
     * shards.
     */
    static void assertSameIndex(
            Map<String, byte[]> bucket, String expectedPrefix, String actualPrefix, int vectors) {
        for (String type : TYPES) {
            BucketIndex.Contents expected = BucketIndex.read(bucket, expectedPrefix, type);
            BucketIndex.Contents actual = BucketIndex.read(bucket, actualPrefix, type);
            assertThat(expected.vectors()).as("%s %s", expectedPrefix, type).hasSize(vectors);
            assertThat(actual.catalogIds()).as("%s %s", actualPrefix, type).hasSize(vectors);
            assertSameVectors(expected, actual, type);
            assertThat(actual.shards()).isEqualTo(expected.shards()).isPositive();
        }
    }

    /** {@code actual} holds exactly {@code expected}'s vectors, id for id, each id once. */
    static void assertSameVectors(
            BucketIndex.Contents expected, BucketIndex.Contents actual, String type) {
        assertThat(actual.catalogIds()).as(type).doesNotHaveDuplicates();
        assertThat(actual.vectors().keySet())
                .containsExactlyElementsOf(expected.vectors().keySet());
        expected.vectors()
                .forEach(
                        (id, vector) ->
                                assertThat(actual.vectors().get(id))
                                        .as("%s vector of %s", type, id)
                                        .containsExactly(vector));
    }
}
