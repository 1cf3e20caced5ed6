// Thin C++ shims over the FAISS calls the service needs. Keeping the JNI surface to plain pointers,
// integers and float/long arrays means the Java side never depends on FAISS's class layout, which has
// changed between releases (idx_t moved namespaces after 1.7.3, for one).
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>
#include <omp.h>

#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexFlatCodes.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexPQ.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/IVFlib.h>
#include <faiss/AutoTune.h>
#include <faiss/VectorTransform.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/impl/io.h>

#include "fsb_scan.h"

namespace fsb {

typedef faiss::Index Index;

inline Index* index_create(int d, const char* description, int metric) {
    return faiss::index_factory(d, description, (faiss::MetricType)metric);
}

inline void index_free(Index* index) { delete index; }

inline int64_t index_ntotal(const Index* index) { return index->ntotal; }
inline int index_dimension(const Index* index) { return (int)index->d; }
inline int index_metric(const Index* index) { return (int)index->metric_type; }
inline bool index_is_trained(const Index* index) { return index->is_trained; }

inline void index_train(Index* index, int64_t n, const float* x) { index->train(n, x); }

inline void index_add_with_ids(Index* index, int64_t n, const float* x, const int64_t* ids) {
    index->add_with_ids(n, x, reinterpret_cast<const faiss::Index::idx_t*>(ids));
}

inline void index_search(const Index* index, int64_t n, const float* x, int64_t k, float* distances,
                         int64_t* labels) {
    index->search(n, x, k, distances, reinterpret_cast<faiss::Index::idx_t*>(labels));
}

// Copies every stored vector and its id out of an "IDMap,…" index whose inner index can reconstruct
// (Flat, for instance). Returns false when the index is not of that shape.
inline bool index_export(const Index* index, float* vectors, int64_t* ids) {
    const faiss::IndexIDMap* map = dynamic_cast<const faiss::IndexIDMap*>(index);
    if (map == nullptr) {
        return false;
    }
    if (map->ntotal > 0) {
        map->index->reconstruct_n(0, map->ntotal, vectors);
        std::memcpy(ids, map->id_map.data(), sizeof(int64_t) * map->ntotal);
    }
    return true;
}

// Copies the stored vector of FAISS id `id` out of an "IDMap,…" index whose inner index can reconstruct
// (Flat): the stored vector of a catalogue id is the query of a search by id. IndexIDMap keeps no reverse
// map (IDMap2 does, at 16+ bytes per vector), and one linear scan of the ids is cheap next to a search.
// Returns 1 when found, 0 when the index holds no such id, -1 when the index is not of that shape.
inline int index_reconstruct_id(const Index* index, int64_t id, float* out) {
    const faiss::IndexIDMap* map = dynamic_cast<const faiss::IndexIDMap*>(index);
    if (map == nullptr) {
        // A trained IVF index reconstructs (its decoded code) through the id map that
        // index_enable_reconstruct made; an OPQ or PCA wrapper turns it back into the input space.
        const faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(index);
        if (ivf == nullptr || ivf->direct_map.type != faiss::DirectMap::Hashtable) {
            return -1;
        }
        try {
            index->reconstruct((faiss::Index::idx_t)id, out);
            return 1;
        } catch (const faiss::FaissException&) {
            return 0;
        }
    }
    const int64_t* ids = reinterpret_cast<const int64_t*>(map->id_map.data());
    for (size_t i = 0; i < map->id_map.size(); i++) {
        if (ids[i] == id) {
            map->index->reconstruct((faiss::Index::idx_t)i, out);
            return 1;
        }
    }
    return 0;
}

// Lets a trained IVF index reconstruct vectors by id (a search by id needs the stored vector): FAISS keeps
// no id-to-list map unless asked, and a hash map costs far less than the IDMap2 a flat shard would need.
// Returns whether the index is of that kind.
inline bool index_enable_reconstruct(Index* index) {
    faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(index);
    if (ivf == nullptr) {
        return false;
    }
    if (ivf->direct_map.type == faiss::DirectMap::NoMap) {
        ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
    }
    return true;
}

// The ids an index holds: an IDMap's in index order, an IVF's list after list. False for other kinds.
inline bool index_ids(const Index* index, int64_t* out) {
    const faiss::IndexIDMap* map = dynamic_cast<const faiss::IndexIDMap*>(index);
    if (map != nullptr) {
        std::memcpy(out, map->id_map.data(), sizeof(int64_t) * map->id_map.size());
        return true;
    }
    const faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(index);
    if (ivf == nullptr) {
        return false;
    }
    size_t at = 0;
    for (size_t list = 0; list < ivf->nlist; list++) {
        size_t n = ivf->invlists->list_size(list);
        if (n > 0) {
            const faiss::Index::idx_t* ids = ivf->invlists->get_ids(list);
            std::memcpy(out + at, ids, sizeof(int64_t) * n);
            ivf->invlists->release_ids(list, ids);
            at += n;
        }
    }
    return true;
}

// Counts what write_index would write.
struct CountingIOWriter : faiss::IOWriter {
    size_t bytes = 0;
    size_t operator()(const void*, size_t size, size_t nitems) override {
        bytes += size * nitems;
        return nitems;
    }
};

// Keeps only the bytes [offset, offset + capacity) of what write_index writes, and skips the rest.
struct WindowIOWriter : faiss::IOWriter {
    size_t offset;
    size_t capacity;
    uint8_t* out;
    size_t position = 0;
    size_t copied = 0;

    WindowIOWriter(size_t offset, size_t capacity, uint8_t* out) : offset(offset), capacity(capacity), out(out) {}

    size_t operator()(const void* ptr, size_t size, size_t nitems) override {
        size_t bytes = size * nitems;
        size_t begin = std::max(position, offset);
        size_t end = std::min(position + bytes, offset + capacity);
        if (begin < end) {
            std::memcpy(out + (begin - offset), static_cast<const uint8_t*>(ptr) + (begin - position), end - begin);
            copied += end - begin;
        }
        position += bytes;
        return nitems;
    }
};

inline int64_t index_serialized_size(const Index* index) {
    CountingIOWriter counter;
    faiss::write_index(index, &counter);
    return (int64_t)counter.bytes;
}

// Serializes one window of the index at a time, so that a 45 MB shard moves to the Java heap through a
// few MB of native memory instead of a second native copy of the whole shard. Walking write_index again
// per window is cheap: it copies nothing outside the window, and a flat index is a handful of calls.
inline int64_t index_serialize_window(const Index* index, int64_t offset, uint8_t* out, int64_t capacity) {
    WindowIOWriter writer((size_t)offset, (size_t)capacity, out);
    faiss::write_index(index, &writer);
    return (int64_t)writer.copied;
}

// Reserves room for n vectors in an "IDMap,…" index over a flat-codes index (Flat, SQ, PQ codes kept in
// one vector), so that adding batch after batch never reallocates: each reallocation copies the whole
// shard and briefly needs twice its memory. Reserved pages that are never written cost no resident
// memory. Returns false for other shapes, which keep FAISS's own growth.
inline bool index_reserve(Index* index, int64_t n) {
    faiss::IndexIDMap* map = dynamic_cast<faiss::IndexIDMap*>(index);
    if (map == nullptr) {
        return false;
    }
    faiss::IndexFlatCodes* codes = dynamic_cast<faiss::IndexFlatCodes*>(map->index);
    if (codes == nullptr) {
        return false;
    }
    codes->codes.reserve((size_t)n * codes->code_size);
    map->id_map.reserve((size_t)n);
    return true;
}

inline Index* index_deserialize(const uint8_t* data, int64_t size) {
    faiss::VectorIOReader reader;
    reader.data.assign(data, data + size);
    return faiss::read_index(&reader);
}

// Reads an index from bytes where they are (no copy of them): a shard streamed into native memory by the
// query side reaches FAISS without a second copy of its size.
struct MemoryIOReader : faiss::IOReader {
    const uint8_t* data;
    size_t size;
    size_t position = 0;

    MemoryIOReader(const uint8_t* data, size_t size) : data(data), size(size) {}

    size_t operator()(void* ptr, size_t item, size_t nitems) override {
        if (item == 0 || nitems == 0) {
            return nitems;
        }
        size_t n = std::min(nitems, (size - position) / item);
        std::memcpy(ptr, data + position, n * item);
        position += n * item;
        return n;
    }
};

inline Index* index_read_memory(const uint8_t* data, int64_t size) {
    MemoryIOReader reader(data, (size_t)size);
    return faiss::read_index(&reader);
}

inline void index_write_file(const Index* index, const char* path) { faiss::write_index(index, path); }
inline Index* index_read_file(const char* path) { return faiss::read_index(path); }

// The flat storage of an "IDMap,Flat" or "Flat" index (inner product or L2), as the query side's batched
// scan reads it: null when the index is of another shape, which is then searched through FAISS itself.
inline const faiss::IndexFlat* flat_of(const Index* index, const int64_t** ids) {
    const faiss::IndexIDMap* map = dynamic_cast<const faiss::IndexIDMap*>(index);
    const faiss::Index* inner = map != nullptr ? map->index : index;
    const faiss::IndexFlat* flat = dynamic_cast<const faiss::IndexFlat*>(inner);
    if (flat == nullptr || (flat->metric_type != faiss::METRIC_INNER_PRODUCT && flat->metric_type != faiss::METRIC_L2)) {
        return nullptr;
    }
    if (map != nullptr && map->id_map.size() != (size_t)flat->ntotal) {
        return nullptr;
    }
    *ids = map != nullptr ? reinterpret_cast<const int64_t*>(map->id_map.data()) : nullptr;
    return flat;
}

inline bool index_scans_rows(const Index* index) {
    const int64_t* ids;
    return flat_of(index, &ids) != nullptr;
}

// The k best of rows [from, to) for each of n queries, exactly, through fsb_scan.h with the given kernel
// (scan::Kernel); only for indexes that index_scans_rows accepts and kernels scan_kernel_supported accepts
// (returns false otherwise, writing nothing). Runs on the calling thread only.
inline bool index_search_rows(const Index* index, int64_t n, const float* x, int64_t k, int64_t from, int64_t to,
                              float* distances, int64_t* labels, int kernel) {
    const int64_t* ids;
    const faiss::IndexFlat* flat = flat_of(index, &ids);
    if (flat == nullptr || from < 0 || to > flat->ntotal || from > to || k <= 0 || !scan::kernel_supported(kernel)) {
        return false;
    }
    const float* xb = reinterpret_cast<const float*>(flat->codes.data());
    if (flat->metric_type == faiss::METRIC_INNER_PRODUCT) {
        scan::search_rows<true>(xb, ids, (int)flat->d, x, n, k, from, to, distances, labels, kernel);
    } else {
        scan::search_rows<false>(xb, ids, (int)flat->d, x, n, k, from, to, distances, labels, kernel);
    }
    return true;
}

inline bool scan_kernel_supported(int kernel) { return scan::kernel_supported(kernel); }

// Trained kinds (IVF, PQ, OPQ, ...). The structure under the wrappers the factory puts around them: an
// IndexPreTransform (OPQ, PCA) and an IDMap hold the quantizing index as their `index`.
inline const faiss::Index* core_of(const Index* index) {
    for (;;) {
        if (const faiss::IndexPreTransform* pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
            index = pre->index;
        } else if (const faiss::IndexIDMap* map = dynamic_cast<const faiss::IndexIDMap*>(index)) {
            index = map->index;
        } else {
            return index;
        }
    }
}

// Bytes one more vector adds to the serialized index: its code plus its 8-byte id (an IVF's inverted
// lists or an IDMap hold one id per vector). -1 for kinds whose size per vector is not fixed (HNSW graphs),
// which the size model calibrates by sampling instead; -2 for codes without ids.
inline int64_t index_bytes_per_vector(const Index* index) {
    const faiss::Index* core = core_of(index);
    bool has_ids = dynamic_cast<const faiss::IndexIDMap*>(index) != nullptr;
    if (const faiss::IndexPreTransform* pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
        has_ids = dynamic_cast<const faiss::IndexIDMap*>(pre->index) != nullptr;
    }
    if (const faiss::IndexIVF* ivf = dynamic_cast<const faiss::IndexIVF*>(core)) {
        return (int64_t)ivf->code_size + 8;
    }
    if (const faiss::IndexFlatCodes* codes = dynamic_cast<const faiss::IndexFlatCodes*>(core)) {
        // An index of codes without an IDMap cannot store ids (-2): it must be wrapped.
        return has_ids ? (int64_t)codes->code_size + 8 : -2;
    }
    return -1;
}

// Inverted lists of an IVF index (0 for other kinds): write_index writes one 8-byte size per list once
// half of them hold anything, which the size model adds to the empty trained index's bytes.
inline int64_t index_nlist(const Index* index) {
    const faiss::IndexIVF* ivf = dynamic_cast<const faiss::IndexIVF*>(core_of(index));
    return ivf == nullptr ? 0 : (int64_t)ivf->nlist;
}

// FAISS's guidance for k-means (it warns below 39 points per centroid): the training points the index
// needs, the most of its coarse quantizer's (39 per list), its product quantizer's (39 per code of one
// sub-quantizer) and an OPQ rotation's (trained through a PQ of its own).
inline int64_t index_min_training_points(const Index* index) {
    int64_t points = 0;
    if (const faiss::IndexPreTransform* pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
        for (const faiss::VectorTransform* transform : pre->chain) {
            if (const faiss::OPQMatrix* opq = dynamic_cast<const faiss::OPQMatrix*>(transform)) {
                (void)opq;
                points = std::max(points, (int64_t)39 * 256);
            }
        }
    }
    const faiss::Index* core = core_of(index);
    if (const faiss::IndexIVF* ivf = dynamic_cast<const faiss::IndexIVF*>(core)) {
        points = std::max(points, (int64_t)39 * (int64_t)ivf->nlist);
    }
    if (const faiss::IndexIVFPQ* ivfpq = dynamic_cast<const faiss::IndexIVFPQ*>(core)) {
        points = std::max(points, (int64_t)39 * (int64_t)ivfpq->pq.ksub);
    }
    if (const faiss::IndexPQ* pq = dynamic_cast<const faiss::IndexPQ*>(core)) {
        points = std::max(points, (int64_t)39 * (int64_t)pq->pq.ksub);
    }
    return points;
}

// Sets a search-time parameter ("nprobe", "efSearch", "quantizer_efSearch") through FAISS's own
// ParameterSpace, which finds the right index under IDMap and pre-transform wrappers. Returns false when
// the index has no such parameter.
inline bool index_set_search_parameter(Index* index, const char* name, double value) {
    try {
        faiss::ParameterSpace().set_index_parameter(index, name, value);
        return true;
    } catch (const faiss::FaissException&) {
        return false;
    }
}

// Moves every vector of `from` into `into`: both IVF indexes trained alike (same quantizer and codes, as
// all shards of one type are, copies of one trained index). Ids are kept. Throws when they differ.
inline void index_merge_into(Index* into, Index* from) { faiss::ivflib::merge_into(into, from, false); }

// Whether index_merge_into merges this index's codes exactly: an IVF index, possibly under a pre-transform
// (OPQ, PCA), whose inverted lists hold the ids. Not through an IDMap, whose own id map merge_into would
// leave behind.
inline bool index_merges_codes(const Index* index) {
    while (const faiss::IndexPreTransform* pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
        index = pre->index;
    }
    return dynamic_cast<const faiss::IndexIVF*>(index) != nullptr;
}

// Removes the vectors of the n given ids (a hash set with a Bloom filter in front, so the cost is one pass
// over the index whatever n is) and returns how many were removed; -1 when this kind of index cannot remove
// (HNSW graphs). An IVF's lists and an IDMap's rows keep the rest in their order.
inline int64_t index_remove_ids(Index* index, const int64_t* ids, int64_t n) {
    faiss::IDSelectorBatch selector((size_t)n, reinterpret_cast<const faiss::Index::idx_t*>(ids));
    try {
        return (int64_t)index->remove_ids(selector);
    } catch (const faiss::FaissException&) {
        return -1;
    }
}

// Trains `index` on the first n vectors of a flat buffer ("IDMap,Flat"), where they are: a training sample
// of 100,000 vectors of 712 floats is 285 MB, which should not pass through the Java heap.
inline bool index_train_from(Index* index, const Index* buffer, int64_t n) {
    const int64_t* ids;
    const faiss::IndexFlat* flat = flat_of(buffer, &ids);
    if (flat == nullptr || n < 0 || n > flat->ntotal || flat->d != index->d) {
        return false;
    }
    index->train(n, reinterpret_cast<const float*>(flat->codes.data()));
    return true;
}

// Trains a PCA-first index (a pre-transform, perhaps under an IDMap, whose first step is FAISS's PCA) so
// that it keeps inner products, on the first n vectors of a flat buffer. FAISS's PCA subtracts the training
// mean, which keeps L2 distances but ranks stored vectors by their inner product with (query - mean).
// Trained on the sample and its negation, the mean is zero and the PCA learns the uncentred directions.
// Everything after the PCA (further transforms, the coarse quantizer, the codes) is trained on the rotated
// sample alone: trained on both halves, half the inverted lists would be spent on negated vectors that are
// never added and the codes' ranges would cover both signs of every direction. Scalar-quantizer ranges come
// from each dimension's 0.1% and 99.9% quantiles, not its extremes, so a few outliers do not spread
// the 256 levels over values no vector holds. The PCA's d_in x d_in training matrix is dropped once the
// applied rows are made from it: applying needs only those, and every shard serializes the trained parts
// (5.4 MB of matrix per shard at 1,164 dimensions). Returns false when the index is not PCA-first.
inline bool index_train_zero_mean_pca(Index* index, const Index* buffer, int64_t n) {
    const int64_t* ids;
    const faiss::IndexFlat* flat = flat_of(buffer, &ids);
    if (flat == nullptr || n < 1 || n > flat->ntotal || flat->d != index->d) {
        return false;
    }
    Index* inner = index;
    if (faiss::IndexIDMap* map = dynamic_cast<faiss::IndexIDMap*>(index)) {
        inner = map->index;
    }
    faiss::IndexPreTransform* pre = dynamic_cast<faiss::IndexPreTransform*>(inner);
    if (pre == nullptr || pre->chain.empty()) {
        return false;
    }
    faiss::PCAMatrix* pca = dynamic_cast<faiss::PCAMatrix*>(pre->chain[0]);
    if (pca == nullptr) {
        return false;
    }
    const float* x = reinterpret_cast<const float*>(flat->codes.data());
    const size_t values = (size_t)n * (size_t)flat->d;
    {
        std::vector<float> both(2 * values);
        std::memcpy(both.data(), x, values * sizeof(float));
        for (size_t i = 0; i < values; i++) {
            both[values + i] = -x[i];
        }
        pca->train(2 * n, both.data());
    }
    std::vector<float>().swap(pca->PCAMat);
    std::unique_ptr<float[]> rotated(pca->apply(n, x));
    for (size_t step = 1; step < pre->chain.size(); step++) {
        pre->chain[step]->train(n, rotated.get());
        rotated.reset(pre->chain[step]->apply(n, rotated.get()));
    }
    faiss::ScalarQuantizer* sq = nullptr;
    if (faiss::IndexIVFScalarQuantizer* ivf = dynamic_cast<faiss::IndexIVFScalarQuantizer*>(pre->index)) {
        sq = &ivf->sq;
    } else if (faiss::IndexScalarQuantizer* flat_sq = dynamic_cast<faiss::IndexScalarQuantizer*>(pre->index)) {
        sq = &flat_sq->sq;
    }
    if (sq != nullptr) {
        sq->rangestat = faiss::ScalarQuantizer::RS_quantiles;
        sq->rangestat_arg = 0.001f;
    }
    pre->index->train(n, rotated.get());
    pre->is_trained = pre->index->is_trained;
    index->is_trained = pre->is_trained;
    return index->is_trained;
}

// Adds rows [from, to) of a flat buffer ("IDMap,Flat") to `index`, with their ids.
inline bool index_add_range_from(Index* index, const Index* buffer, int64_t from, int64_t to) {
    const int64_t* ids;
    const faiss::IndexFlat* flat = flat_of(buffer, &ids);
    if (flat == nullptr || ids == nullptr || from < 0 || from > to || to > flat->ntotal || flat->d != index->d) {
        return false;
    }
    if (to > from) {
        const float* xb = reinterpret_cast<const float*>(flat->codes.data());
        index->add_with_ids(to - from, xb + from * flat->d,
                            reinterpret_cast<const faiss::Index::idx_t*>(ids + from));
    }
    return true;
}

inline void set_threads(int n) { omp_set_num_threads(n); }
inline int max_threads() { return omp_get_max_threads(); }

}  // namespace fsb
