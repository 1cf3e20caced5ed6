package dev.faissshard.search;

import java.util.List;
import java.util.Map;

/**
 * The answer of {@code POST /search}.
 *
 * @param index the index's prefix
 * @param manifest which manifest(s) the answer was served from
 * @param results per type, the hits best first
 */
record SearchResponse(String index, ManifestView manifest, Map<String, List<Hit>> results) {

    /**
     * @param publishedAt the newest manifest's time
     * @param complete whether every partition's build finished
     * @param partitions partitions searched (1 for an unpartitioned index)
     */
    record ManifestView(String publishedAt, boolean complete, int partitions) {}

    /**
     * @param id the catalogue id, as the catalogue spells it
     * @param score the FAISS distance: inner product (higher is closer) or squared L2 (lower is
     *     closer)
     * @param shard the shard's key relative to the index prefix
     */
    record Hit(String id, float score, String shard) {}
}
