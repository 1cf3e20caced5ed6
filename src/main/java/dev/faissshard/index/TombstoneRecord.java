package dev.faissshard.index;

import java.time.Instant;

/**
 * A deleted vector as {@code progress.json} records it: the vector of {@code faissId} stored in
 * {@code file} is dead. Readers skip it, a resumed open shard leaves it out, and the seal of that
 * open shard or a compaction of that shard drops it physically, and with it this record.
 *
 * <p>It names the file, not only the id, because a re-embedded row keeps its FAISS id: the old
 * vector is dead in its file while the new one lives in another.
 *
 * @param type index type key
 * @param file the shard or segment holding the dead vector, relative to the index prefix
 * @param faissId the vector's FAISS id
 * @param catalogId the catalogue id it stood for
 * @param at when it was recorded
 * @param readded whether a later job stored a new vector for the same id (a re-embedding, or a
 *     deleted row that came back to the catalogue): then the id is indexed again
 */
public record TombstoneRecord(
        String type, String file, long faissId, String catalogId, Instant at, boolean readded) {}
