package dev.faissshard.shard;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real vector index kept in Java arrays, with a serialization of its own: what shard writing is
 * tested against when FAISS itself is not the subject. Its size is exactly linear in the vector
 * count (a header, then 8 bytes of id and 4 per float per vector), so shard capacities are
 * predictable.
 */
public final class InMemoryVectorIndexes implements VectorIndexes {

    private static final int MAGIC = 0x4D454D56; // "MEMV"

    private final AtomicInteger open = new AtomicInteger();

    @Override
    public VectorIndex create(int dimension, String factory, Metric metric) {
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be positive, was " + dimension);
        }
        return new Index(dimension, factory, metric);
    }

    @Override
    public VectorIndex fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not an in-memory index");
            }
            Index index = new Index(in.readInt(), in.readUTF(), Metric.valueOf(in.readUTF()));
            int count = in.readInt();
            long[] ids = new long[count];
            float[] vectors = new float[count * index.dimension];
            for (int i = 0; i < count; i++) {
                ids[i] = in.readLong();
            }
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = in.readFloat();
            }
            index.addWithIds(vectors, ids);
            return index;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Indexes created or read and not yet closed: a writer must close every one it let go of. */
    public int openIndexes() {
        return open.get();
    }

    private final class Index implements VectorIndex {

        private final int dimension;
        private final String factory;
        private final Metric metric;
        private float[] vectors = new float[0];
        private long[] ids = new long[0];
        private int count;
        private boolean closed;

        Index(int dimension, String factory, Metric metric) {
            this.dimension = dimension;
            this.factory = factory;
            this.metric = metric;
            open.incrementAndGet();
        }

        @Override
        public int dimension() {
            return dimension;
        }

        @Override
        public long count() {
            live();
            return count;
        }

        @Override
        public boolean isTrained() {
            return true;
        }

        @Override
        public void addWithIds(float[] rows, long[] rowIds) {
            live();
            if (rows.length != rowIds.length * dimension) {
                throw new IllegalArgumentException(
                        rows.length + " floats for " + rowIds.length + " ids");
            }
            ids = Arrays.copyOf(ids, count + rowIds.length);
            System.arraycopy(rowIds, 0, ids, count, rowIds.length);
            vectors = Arrays.copyOf(vectors, (count + rowIds.length) * dimension);
            System.arraycopy(rows, 0, vectors, count * dimension, rows.length);
            count += rowIds.length;
        }

        @Override
        public boolean reserve(long room) {
            live();
            return false;
        }

        @Override
        public Exported export() {
            live();
            float[] v = Arrays.copyOf(vectors, count * dimension);
            long[] i = Arrays.copyOf(ids, count);
            return new Exported() {
                @Override
                public int dimension() {
                    return dimension;
                }

                @Override
                public float[] vectors() {
                    return v;
                }

                @Override
                public long[] ids() {
                    return i;
                }
            };
        }

        @Override
        public byte[] toBytes() {
            live();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(MAGIC);
                out.writeInt(dimension);
                out.writeUTF(factory);
                out.writeUTF(metric.name());
                out.writeInt(count);
                for (int i = 0; i < count; i++) {
                    out.writeLong(ids[i]);
                }
                for (int i = 0; i < count * dimension; i++) {
                    out.writeFloat(vectors[i]);
                }
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return bytes.toByteArray();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                open.decrementAndGet();
            }
        }

        private void live() {
            if (closed) {
                throw new IllegalStateException("index already closed");
            }
        }
    }
}
