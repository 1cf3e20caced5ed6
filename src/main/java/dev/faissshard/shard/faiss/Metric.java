package dev.faissshard.shard.faiss;

/** Distance used by an index; the codes are FAISS's own {@code MetricType} values. */
public enum Metric {
    INNER_PRODUCT(0),
    L2(1);

    private final int code;

    Metric(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    static Metric ofCode(int code) {
        for (Metric metric : values()) {
            if (metric.code == code) {
                return metric;
            }
        }
        throw new IllegalArgumentException("Unsupported FAISS metric type " + code);
    }
}
