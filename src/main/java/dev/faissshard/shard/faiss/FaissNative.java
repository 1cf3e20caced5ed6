package dev.faissshard.shard.faiss;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP declarations for the shims in {@code fsb_faiss.h}. Package-private on purpose: the rest
 * of the service goes through {@link FaissIndex}, which owns the native memory.
 */
@Platform(include = "fsb_faiss.h", library = "jniFaissNative")
@Namespace("fsb")
class FaissNative {

    /** Opaque {@code faiss::Index*}. */
    @Opaque
    @Name("Index")
    static class NativeIndex extends Pointer {
        NativeIndex() {
            super((Pointer) null);
        }
    }

    static native NativeIndex index_create(int d, String description, int metric);

    static native void index_free(NativeIndex index);

    static native long index_ntotal(@Const NativeIndex index);

    static native int index_dimension(@Const NativeIndex index);

    static native int index_metric(@Const NativeIndex index);

    static native @Cast("bool") boolean index_is_trained(@Const NativeIndex index);

    static native void index_train(NativeIndex index, long n, @Const FloatPointer x);

    static native void index_add_with_ids(
            NativeIndex index,
            long n,
            @Const FloatPointer x,
            @Cast("const int64_t*") LongPointer ids);

    static native void index_search(
            @Const NativeIndex index,
            long n,
            @Const FloatPointer x,
            long k,
            FloatPointer distances,
            @Cast("int64_t*") LongPointer labels);

    static native @Cast("bool") boolean index_export(
            @Const NativeIndex index, FloatPointer vectors, @Cast("int64_t*") LongPointer ids);

    static native int index_reconstruct_id(@Const NativeIndex index, long id, FloatPointer out);

    static native long index_serialized_size(@Const NativeIndex index);

    static native long index_serialize_window(
            @Const NativeIndex index,
            long offset,
            @Cast("uint8_t*") BytePointer out,
            long capacity);

    static native @Cast("bool") boolean index_reserve(NativeIndex index, long n);

    static native NativeIndex index_deserialize(
            @Cast("const uint8_t*") BytePointer data, long size);

    static native NativeIndex index_read_memory(
            @Cast("const uint8_t*") BytePointer data, long size);

    static native void index_write_file(@Const NativeIndex index, String path);

    static native NativeIndex index_read_file(String path);

    static native @Cast("bool") boolean index_scans_rows(@Const NativeIndex index);

    static native @Cast("bool") boolean index_search_rows(
            @Const NativeIndex index,
            long n,
            @Const FloatPointer x,
            long k,
            long from,
            long to,
            FloatPointer distances,
            @Cast("int64_t*") LongPointer labels,
            int kernel);

    static native @Cast("bool") boolean scan_kernel_supported(int kernel);

    static native long index_bytes_per_vector(@Const NativeIndex index);

    static native long index_nlist(@Const NativeIndex index);

    static native long index_min_training_points(@Const NativeIndex index);

    static native @Cast("bool") boolean index_set_search_parameter(
            NativeIndex index, String name, double value);

    static native void index_merge_into(NativeIndex into, NativeIndex from);

    static native @Cast("bool") boolean index_merges_codes(@Const NativeIndex index);

    static native long index_remove_ids(
            NativeIndex index, @Cast("const int64_t*") LongPointer ids, long n);

    static native @Cast("bool") boolean index_train_from(
            NativeIndex index, @Const NativeIndex buffer, long n);

    static native @Cast("bool") boolean index_train_zero_mean_pca(
            NativeIndex index, @Const NativeIndex buffer, long n);

    static native @Cast("bool") boolean index_add_range_from(
            NativeIndex index, @Const NativeIndex buffer, long from, long to);

    static native @Cast("bool") boolean index_enable_reconstruct(NativeIndex index);

    static native @Cast("bool") boolean index_ids(
            @Const NativeIndex index, @Cast("int64_t*") LongPointer out);

    static native void set_threads(int n);

    static native int max_threads();

    private FaissNative() {}
}
