package dev.faissshard.index;

/**
 * One immutable object naming {@value ChunkTree#FANOUT} chunk references ({@code level} 1) or
 * {@value ChunkTree#FANOUT} lists of the level below, so that {@code progress.json}, rewritten
 * after every batch, names a few lists per level instead of one reference per chunk: the references
 * of chunks grew with the index (~190 bytes per 32 sealed shards or 32 settled failure-log objects,
 * about 28 KB of every batch's write at 10 million ids).
 *
 * @param level 1 for a list of chunk references, n for a list of lists of level n - 1
 * @param file the object, relative to the index prefix
 * @param first the first shard (shard chunks) or log sequence number (failure chunks) it covers
 * @param last the last one it covers
 * @param entries references in it ({@value ChunkTree#FANOUT})
 * @param bytes object size
 * @param sha256 hex sha256 of the object, checked when it is read
 */
public record ChunkListRecord(
        int level, String file, long first, long last, int entries, long bytes, String sha256) {}
