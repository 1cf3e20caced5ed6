package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.index.FaissIds;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The independent expectation of a search: every stored vector of every partition, read back
 * through the manifests (checksums checked), scored by a brute-force inner product in double
 * precision.
 */
final class ExhaustiveSearch {

    /** One stored vector. */
    record Row(String catalogId, float[] vector) {}

    /** One expected hit. */
    record Expected(String id, double score) {}

    private final List<Row> rows;

    private ExhaustiveSearch(List<Row> rows) {
        this.rows = rows;
    }

    /** The union of one type's vectors over the given index roots (partitions). */
    static ExhaustiveSearch of(String type, Path... roots) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Path root : roots) {
            StoredIndex.Vectors vectors = StoredIndex.vectors(root, type);
            for (int i = 0; i < vectors.catalogIds().size(); i++) {
                rows.add(new Row(vectors.catalogIds().get(i), vectors.row(i)));
            }
        }
        return new ExhaustiveSearch(rows);
    }

    int size() {
        return rows.size();
    }

    List<Row> rows() {
        return rows;
    }

    float[] vectorOf(String catalogId) {
        return rows.stream()
                .filter(row -> row.catalogId().equals(catalogId))
                .findFirst()
                .orElseThrow()
                .vector();
    }

    /** The k highest inner products, ties broken by FAISS id as the service does. */
    List<Expected> top(float[] query, int k, String excluded) {
        List<Expected> all = new ArrayList<>();
        for (Row row : rows) {
            if (row.catalogId().equals(excluded)) {
                continue;
            }
            double score = 0;
            for (int i = 0; i < query.length; i++) {
                score += (double) query[i] * row.vector()[i];
            }
            all.add(new Expected(row.catalogId(), score));
        }
        all.sort(
                Comparator.comparingDouble(Expected::score)
                        .reversed()
                        .thenComparingLong(expected -> FaissIds.of(expected.id())));
        return all.subList(0, Math.min(k, all.size()));
    }

    /**
     * Ids equal rank by rank and scores within 1e-5; where expected scores lie within 1e-6 of each
     * other (a tie that float and double arithmetic may order differently), the ids of the tie as a
     * set.
     */
    static void assertSameHits(List<String> ids, List<Double> scores, List<Expected> expected) {
        assertThat(ids).as("hit count").hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(scores.get(i))
                    .as("score at rank %d (hits %s %s, expected %s)", i, ids, scores, expected)
                    .isCloseTo(expected.get(i).score(), org.assertj.core.data.Offset.offset(1e-5));
        }
        int start = 0;
        while (start < expected.size()) {
            int end = start + 1;
            while (end < expected.size()
                    && Math.abs(expected.get(end).score() - expected.get(end - 1).score()) < 1e-6) {
                end++;
            }
            List<String> want = expected.subList(start, end).stream().map(Expected::id).toList();
            if (end - start == 1) {
                assertThat(ids.get(start)).as("id at rank %d", start).isEqualTo(want.get(0));
            } else {
                assertThat(ids.subList(start, end))
                        .as("tied ids at ranks %d-%d", start, end - 1)
                        .containsExactlyInAnyOrderElementsOf(want);
            }
            start = end;
        }
    }
}
