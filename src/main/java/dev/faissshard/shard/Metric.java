package dev.faissshard.shard;

/** Distance between vectors of an index. */
public enum Metric {
    INNER_PRODUCT,
    L2
}
