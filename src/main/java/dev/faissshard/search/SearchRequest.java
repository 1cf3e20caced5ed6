package dev.faissshard.search;

import java.util.List;
import java.util.Map;

/**
 * The JSON body of {@code POST /search} (or its multipart {@code request} part). Every field is
 * checked by {@link SearchCommand#of}; nothing here is trusted.
 *
 * @param query exactly one of {@code id}, {@code url}, {@code vector}; absent with an uploaded
 *     image
 * @param index storage prefix of the index; default {@code fsb.job.prefix}
 * @param types index types to search; default {@code ["combined"]} (the vector's types for a vector
 *     query)
 * @param k hits per type; default 10, at most {@code fsb.search.max-k}
 * @param excludeSelf for a query by id: leave the queried id out of its own results
 */
record SearchRequest(
        Query query, String index, List<String> types, Integer k, Boolean excludeSelf) {

    /**
     * What to search for.
     *
     * @param id a catalogue id: its stored vector
     * @param url an http(s) image URL, fetched through the egress policy
     * @param vector a raw vector per index type
     */
    record Query(String id, String url, Map<String, float[]> vector) {}
}
