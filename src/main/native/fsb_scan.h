// Exact flat scan of a batch of queries over a row range of a flat index, for the query side.
//
// Why not faiss::Index::search: Debian's libfaiss 1.7.3 is a GENERIC build (get_compile_options() says
// "OPTIMIZE GENERIC"), so a search of fewer than 20 queries runs a scalar, one-accumulator inner product
// per stored vector, and 20 or more go through the reference (netlib) sgemm. Either way one query costs a
// full pass over the shard's memory at scalar speed. This scan keeps FAISS's storage and format and only
// replaces the distance loop: a batch of queries meets each block of stored vectors while it is in cache,
// with AVX2/FMA chosen at run time when the CPU has it (a portable loop otherwise), and keeps a top-k heap
// per query. Exact: every stored vector of the range is compared with every query; only the summation
// order differs from FAISS's (differences of the order of 1e-7 for unit vectors).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace fsb {
namespace scan {

// Rows of one block: with d = 1164 floats, 64 rows are 298 KB, which stays in L2 while every query of
// the batch passes over it.
#ifndef FSB_SCAN_BLOCK_ROWS
#define FSB_SCAN_BLOCK_ROWS 48
#endif
constexpr int64_t BLOCK_ROWS = FSB_SCAN_BLOCK_ROWS;

// Inner products (ip) or squared L2 distances of queries q[0..nq) with rows x[0..nr), row-major, both of
// dimension d, into out[qi * nr + r].
template <bool IP>
inline void block_portable(const float* q, int nq, const float* x, int nr, int d, float* out) {
    for (int qi = 0; qi < nq; qi++) {
        const float* qv = q + (int64_t)qi * d;
        for (int r = 0; r < nr; r++) {
            const float* xv = x + (int64_t)r * d;
            float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int j = 0;
            for (; j + 8 <= d; j += 8) {
                for (int l = 0; l < 8; l++) {
                    if (IP) {
                        acc[l] += qv[j + l] * xv[j + l];
                    } else {
                        float diff = qv[j + l] - xv[j + l];
                        acc[l] += diff * diff;
                    }
                }
            }
            float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            for (; j < d; j++) {
                if (IP) {
                    sum += qv[j] * xv[j];
                } else {
                    float diff = qv[j] - xv[j];
                    sum += diff * diff;
                }
            }
            out[(int64_t)qi * nr + r] = sum;
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) inline float hsum_avx2(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v);
    __m128 hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    __m128 shuf = _mm_movehdup_ps(lo);
    __m128 sums = _mm_add_ps(lo, shuf);
    shuf = _mm_movehl_ps(shuf, sums);
    sums = _mm_add_ss(sums, shuf);
    return _mm_cvtss_f32(sums);
}

template <bool IP>
__attribute__((target("avx2,fma"))) inline __m256 step_avx2(__m256 acc, __m256 qv, __m256 xv) {
    if (IP) {
        return _mm256_fmadd_ps(qv, xv, acc);
    }
    __m256 diff = _mm256_sub_ps(qv, xv);
    return _mm256_fmadd_ps(diff, diff, acc);
}

template <bool IP>
inline float tail(const float* qv, const float* xv, int from, int d) {
    float sum = 0;
    for (int j = from; j < d; j++) {
        if (IP) {
            sum += qv[j] * xv[j];
        } else {
            float diff = qv[j] - xv[j];
            sum += diff * diff;
        }
    }
    return sum;
}

// Tiles of 4 rows x 3 queries: 12 accumulators, 3 query registers and one row register fill the 16 ymm
// registers, and each row load feeds 3 FMAs.
template <bool IP>
__attribute__((target("avx2,fma"))) inline void block_avx2(const float* q, int nq, const float* x, int nr, int d,
                                                           float* out) {
    const int d8 = d & ~7;
    int qi = 0;
    for (; qi + 3 <= nq; qi += 3) {
        const float* q0 = q + (int64_t)qi * d;
        const float* q1 = q0 + d;
        const float* q2 = q1 + d;
        int r = 0;
        for (; r + 4 <= nr; r += 4) {
            const float* x0 = x + (int64_t)r * d;
            const float* x1 = x0 + d;
            const float* x2 = x1 + d;
            const float* x3 = x2 + d;
            __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a02 = _mm256_setzero_ps();
            __m256 a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps(), a12 = _mm256_setzero_ps();
            __m256 a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps(), a22 = _mm256_setzero_ps();
            __m256 a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps(), a32 = _mm256_setzero_ps();
            for (int j = 0; j < d8; j += 8) {
                __m256 v0 = _mm256_loadu_ps(q0 + j);
                __m256 v1 = _mm256_loadu_ps(q1 + j);
                __m256 v2 = _mm256_loadu_ps(q2 + j);
                __m256 xv = _mm256_loadu_ps(x0 + j);
                a00 = step_avx2<IP>(a00, v0, xv);
                a01 = step_avx2<IP>(a01, v1, xv);
                a02 = step_avx2<IP>(a02, v2, xv);
                xv = _mm256_loadu_ps(x1 + j);
                a10 = step_avx2<IP>(a10, v0, xv);
                a11 = step_avx2<IP>(a11, v1, xv);
                a12 = step_avx2<IP>(a12, v2, xv);
                xv = _mm256_loadu_ps(x2 + j);
                a20 = step_avx2<IP>(a20, v0, xv);
                a21 = step_avx2<IP>(a21, v1, xv);
                a22 = step_avx2<IP>(a22, v2, xv);
                xv = _mm256_loadu_ps(x3 + j);
                a30 = step_avx2<IP>(a30, v0, xv);
                a31 = step_avx2<IP>(a31, v1, xv);
                a32 = step_avx2<IP>(a32, v2, xv);
            }
            float* o0 = out + (int64_t)qi * nr + r;
            float* o1 = o0 + nr;
            float* o2 = o1 + nr;
            o0[0] = hsum_avx2(a00) + tail<IP>(q0, x0, d8, d);
            o1[0] = hsum_avx2(a01) + tail<IP>(q1, x0, d8, d);
            o2[0] = hsum_avx2(a02) + tail<IP>(q2, x0, d8, d);
            o0[1] = hsum_avx2(a10) + tail<IP>(q0, x1, d8, d);
            o1[1] = hsum_avx2(a11) + tail<IP>(q1, x1, d8, d);
            o2[1] = hsum_avx2(a12) + tail<IP>(q2, x1, d8, d);
            o0[2] = hsum_avx2(a20) + tail<IP>(q0, x2, d8, d);
            o1[2] = hsum_avx2(a21) + tail<IP>(q1, x2, d8, d);
            o2[2] = hsum_avx2(a22) + tail<IP>(q2, x2, d8, d);
            o0[3] = hsum_avx2(a30) + tail<IP>(q0, x3, d8, d);
            o1[3] = hsum_avx2(a31) + tail<IP>(q1, x3, d8, d);
            o2[3] = hsum_avx2(a32) + tail<IP>(q2, x3, d8, d);
        }
        for (; r < nr; r++) {
            const float* x0 = x + (int64_t)r * d;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps();
            for (int j = 0; j < d8; j += 8) {
                __m256 xv = _mm256_loadu_ps(x0 + j);
                a0 = step_avx2<IP>(a0, _mm256_loadu_ps(q0 + j), xv);
                a1 = step_avx2<IP>(a1, _mm256_loadu_ps(q1 + j), xv);
                a2 = step_avx2<IP>(a2, _mm256_loadu_ps(q2 + j), xv);
            }
            out[(int64_t)qi * nr + r] = hsum_avx2(a0) + tail<IP>(q0, x0, d8, d);
            out[(int64_t)(qi + 1) * nr + r] = hsum_avx2(a1) + tail<IP>(q1, x0, d8, d);
            out[(int64_t)(qi + 2) * nr + r] = hsum_avx2(a2) + tail<IP>(q2, x0, d8, d);
        }
    }
    for (; qi < nq; qi++) {
        const float* q0 = q + (int64_t)qi * d;
        int r = 0;
        for (; r + 4 <= nr; r += 4) {
            const float* x0 = x + (int64_t)r * d;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
                   a3 = _mm256_setzero_ps();
            for (int j = 0; j < d8; j += 8) {
                __m256 qv = _mm256_loadu_ps(q0 + j);
                a0 = step_avx2<IP>(a0, qv, _mm256_loadu_ps(x0 + j));
                a1 = step_avx2<IP>(a1, qv, _mm256_loadu_ps(x0 + d + j));
                a2 = step_avx2<IP>(a2, qv, _mm256_loadu_ps(x0 + 2 * d + j));
                a3 = step_avx2<IP>(a3, qv, _mm256_loadu_ps(x0 + 3 * d + j));
            }
            float* o = out + (int64_t)qi * nr + r;
            o[0] = hsum_avx2(a0) + tail<IP>(q0, x0, d8, d);
            o[1] = hsum_avx2(a1) + tail<IP>(q0, x0 + d, d8, d);
            o[2] = hsum_avx2(a2) + tail<IP>(q0, x0 + 2 * d, d8, d);
            o[3] = hsum_avx2(a3) + tail<IP>(q0, x0 + 3 * d, d8, d);
        }
        for (; r < nr; r++) {
            const float* x0 = x + (int64_t)r * d;
            __m256 a0 = _mm256_setzero_ps();
            for (int j = 0; j < d8; j += 8) {
                a0 = step_avx2<IP>(a0, _mm256_loadu_ps(q0 + j), _mm256_loadu_ps(x0 + j));
            }
            out[(int64_t)qi * nr + r] = hsum_avx2(a0) + tail<IP>(q0, x0, d8, d);
        }
    }
}

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_ps(), which -Wall reports as uninitialized
// in every function they are inlined into; the values are fully written before use.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// AVX-512 (Zen 4/5, Xeon since Skylake-SP): 32 registers allow tiles of 4 queries x 6 rows, 24
// accumulators fed by 4 query and 1 row register, so each 64-byte row load feeds 4 FMAs and each query
// load 6; the last d % 16 floats go through masked loads (zeros beyond d, which add nothing), so no
// scalar tail is left.
template <bool IP, int NQ, int NR>
__attribute__((target("avx512f"))) inline void tile_avx512(const float* q, const float* x, int d, float* out,
                                                         int64_t out_stride) {
    __m512 acc[NQ][NR];
#pragma GCC unroll 8
    for (int a = 0; a < NQ; a++) {
#pragma GCC unroll 8
        for (int r = 0; r < NR; r++) {
            acc[a][r] = _mm512_setzero_ps();
        }
    }
    int j = 0;
    for (; j + 16 <= d; j += 16) {
        __m512 qv[NQ];
#pragma GCC unroll 8
        for (int a = 0; a < NQ; a++) {
            qv[a] = _mm512_loadu_ps(q + (int64_t)a * d + j);
        }
#pragma GCC unroll 8
        for (int r = 0; r < NR; r++) {
            __m512 xv = _mm512_loadu_ps(x + (int64_t)r * d + j);
#pragma GCC unroll 8
            for (int a = 0; a < NQ; a++) {
                if (IP) {
                    acc[a][r] = _mm512_fmadd_ps(qv[a], xv, acc[a][r]);
                } else {
                    __m512 diff = _mm512_sub_ps(qv[a], xv);
                    acc[a][r] = _mm512_fmadd_ps(diff, diff, acc[a][r]);
                }
            }
        }
    }
    if (j < d) {
        const __mmask16 mask = (__mmask16)((1u << (d - j)) - 1);
        __m512 qv[NQ];
#pragma GCC unroll 8
        for (int a = 0; a < NQ; a++) {
            qv[a] = _mm512_maskz_loadu_ps(mask, q + (int64_t)a * d + j);
        }
#pragma GCC unroll 8
        for (int r = 0; r < NR; r++) {
            __m512 xv = _mm512_maskz_loadu_ps(mask, x + (int64_t)r * d + j);
#pragma GCC unroll 8
            for (int a = 0; a < NQ; a++) {
                if (IP) {
                    acc[a][r] = _mm512_fmadd_ps(qv[a], xv, acc[a][r]);
                } else {
                    __m512 diff = _mm512_sub_ps(qv[a], xv);
                    acc[a][r] = _mm512_fmadd_ps(diff, diff, acc[a][r]);
                }
            }
        }
    }
#pragma GCC unroll 8
    for (int a = 0; a < NQ; a++) {
#pragma GCC unroll 8
        for (int r = 0; r < NR; r++) {
            out[a * out_stride + r] = _mm512_reduce_add_ps(acc[a][r]);
        }
    }
}

template <bool IP, int NQ>
__attribute__((target("avx512f"))) inline void rows_avx512(const float* q, const float* x, int nr, int d,
                                                         float* out, int64_t out_stride) {
    constexpr int NR = 6;
    int r = 0;
    for (; r + NR <= nr; r += NR) {
        tile_avx512<IP, NQ, NR>(q, x + (int64_t)r * d, d, out + r, out_stride);
    }
    const float* xr = x + (int64_t)r * d;
    switch (nr - r) {
        case 5: tile_avx512<IP, NQ, 5>(q, xr, d, out + r, out_stride); break;
        case 4: tile_avx512<IP, NQ, 4>(q, xr, d, out + r, out_stride); break;
        case 3: tile_avx512<IP, NQ, 3>(q, xr, d, out + r, out_stride); break;
        case 2: tile_avx512<IP, NQ, 2>(q, xr, d, out + r, out_stride); break;
        case 1: tile_avx512<IP, NQ, 1>(q, xr, d, out + r, out_stride); break;
        default: break;
    }
}

// One block of rows for every query, into out[qi * nr + r]: the block stays in L2 while the batch's
// query tiles pass over it, each tile in L1.
template <bool IP>
__attribute__((target("avx512f"))) inline void block_avx512(const float* q, int nq, const float* x, int nr, int d,
                                                          float* out) {
    constexpr int NQ = 4;
    for (int qi = 0; qi < nq; qi += NQ) {
        const float* qt = q + (int64_t)qi * d;
        float* o = out + (int64_t)qi * nr;
        switch (std::min(NQ, nq - qi)) {
            case 4: rows_avx512<IP, 4>(qt, x, nr, d, o, nr); break;
            case 3: rows_avx512<IP, 3>(qt, x, nr, d, o, nr); break;
            case 2: rows_avx512<IP, 2>(qt, x, nr, d, o, nr); break;
            default: rows_avx512<IP, 1>(qt, x, nr, d, o, nr); break;
        }
    }
}

#pragma GCC diagnostic pop

inline bool has_avx512() {
    static const bool supported = __builtin_cpu_supports("avx512f");
    return supported;
}

inline bool has_avx2() {
    static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return supported;
}
#endif

// A bounded heap of the k best (distance, label) pairs of one query; the worst kept is at the top.
template <bool IP>
struct TopK {
    std::vector<float> dist;
    std::vector<int64_t> label;
    int64_t k;
    int64_t size = 0;

    explicit TopK(int64_t k) : dist(k), label(k), k(k) {}

    static bool worse(float a, float b) { return IP ? a < b : a > b; }

    // Whether (da, la) ranks after (db, lb): a worse distance, or the same distance and a larger label.
    static bool after(float da, int64_t la, float db, int64_t lb) {
        return worse(da, db) || (da == db && la > lb);
    }

    float threshold() const {
        return size < k ? (IP ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity())
                        : dist[0];
    }

    void push(float d, int64_t l) {
        int64_t i;
        if (size < k) {
            i = size++;
            while (i > 0) {
                int64_t parent = (i - 1) / 2;
                if (!after(d, l, dist[parent], label[parent])) {
                    break;
                }
                dist[i] = dist[parent];
                label[i] = label[parent];
                i = parent;
            }
        } else {
            // Replaces the top (the worst kept) and sifts it down.
            i = 0;
            for (;;) {
                int64_t w = 2 * i + 1;
                if (w >= k) {
                    break;
                }
                if (w + 1 < k && after(dist[w + 1], label[w + 1], dist[w], label[w])) {
                    w++;
                }
                if (!after(dist[w], label[w], d, l)) {
                    break;
                }
                dist[i] = dist[w];
                label[i] = label[w];
                i = w;
            }
        }
        dist[i] = d;
        label[i] = l;
    }

    // Writes the kept pairs best first; empty slots get label -1.
    void write(float* out_dist, int64_t* out_label) {
        std::vector<std::pair<float, int64_t>> kept;
        kept.reserve(size);
        for (int64_t i = 0; i < size; i++) {
            kept.emplace_back(dist[i], label[i]);
        }
        std::sort(kept.begin(), kept.end(), [](const std::pair<float, int64_t>& a, const std::pair<float, int64_t>& b) {
            return after(b.first, b.second, a.first, a.second);
        });
        for (int64_t i = 0; i < k; i++) {
            if (i < (int64_t)kept.size()) {
                out_dist[i] = kept[i].first;
                out_label[i] = kept[i].second;
            } else {
                out_dist[i] = IP ? -std::numeric_limits<float>::max() : std::numeric_limits<float>::max();
                out_label[i] = -1;
            }
        }
    }
};

// The distance loops search_rows can use: the best this CPU has, or one named (tests and benchmarks check
// and time each on the same machine). The values are FaissIndex.ScanKernel's ordinals.
enum Kernel { KERNEL_BEST = 0, KERNEL_AVX512 = 1, KERNEL_AVX2 = 2, KERNEL_PORTABLE = 3 };

inline bool kernel_supported(int kernel) {
    switch (kernel) {
        case KERNEL_BEST:
        case KERNEL_PORTABLE:
            return true;
#if defined(__x86_64__)
        case KERNEL_AVX512:
            return has_avx512();
        case KERNEL_AVX2:
            return has_avx2();
#endif
        default:
            return false;
    }
}

inline int resolve_kernel(int kernel) {
    if (kernel != KERNEL_BEST) {
        return kernel;
    }
#if defined(__x86_64__)
    if (has_avx512()) {
        return KERNEL_AVX512;
    }
    if (has_avx2()) {
        return KERNEL_AVX2;
    }
#endif
    return KERNEL_PORTABLE;
}

// The k best rows of [from, to) of xb for each of the nq queries; labels are ids[row] (or the row when ids
// is null). Results are written best first to distances/labels[qi * k ...]. The kernel must be one that
// kernel_supported accepts.
template <bool IP>
inline void search_rows(const float* xb, const int64_t* ids, int d, const float* q, int64_t nq, int64_t k,
                        int64_t from, int64_t to, float* distances, int64_t* labels, int kernel = KERNEL_BEST) {
    const int chosen = resolve_kernel(kernel);
    std::vector<TopK<IP>> heaps;
    heaps.reserve(nq);
    for (int64_t i = 0; i < nq; i++) {
        heaps.emplace_back(k);
    }
    std::vector<float> block((size_t)nq * BLOCK_ROWS);
    for (int64_t start = from; start < to; start += BLOCK_ROWS) {
        int nr = (int)std::min<int64_t>(BLOCK_ROWS, to - start);
        const float* x = xb + start * (int64_t)d;
#if defined(__x86_64__)
        if (chosen == KERNEL_AVX512) {
            block_avx512<IP>(q, (int)nq, x, nr, d, block.data());
        } else if (chosen == KERNEL_AVX2) {
            block_avx2<IP>(q, (int)nq, x, nr, d, block.data());
        } else {
            block_portable<IP>(q, (int)nq, x, nr, d, block.data());
        }
#else
        block_portable<IP>(q, (int)nq, x, nr, d, block.data());
#endif
        for (int64_t qi = 0; qi < nq; qi++) {
            TopK<IP>& heap = heaps[qi];
            const float* row = block.data() + qi * nr;
            float threshold = heap.threshold();
            for (int r = 0; r < nr; r++) {
                if (TopK<IP>::worse(threshold, row[r]) || heap.size < heap.k) {
                    int64_t l = ids == nullptr ? start + r : ids[start + r];
                    heap.push(row[r], l);
                    threshold = heap.threshold();
                }
            }
        }
    }
    for (int64_t qi = 0; qi < nq; qi++) {
        heaps[qi].write(distances + qi * k, labels + qi * k);
    }
}

}  // namespace scan
}  // namespace fsb
