// Thin shims over libspng for decoding PNGs straight into a subsampled raster: rows stream through
// one row buffer, and only every step-th pixel of every step-th row is kept, as the JDK reader's
// source subsampling keeps them. Memory stays at one row plus libspng's own scanline buffers, whatever
// the image size; the JDK reader builds its full-resolution rows the same way but costs ~3x the CPU.
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include <spng.h>
#include <vector>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace fsbpng {

// Ancillary chunks (text, ICC profiles…) libspng may hold while decoding: a file cannot make it
// allocate more than this for data the service never uses.
static const size_t CHUNK_CACHE_LIMIT = 8u << 20;

inline spng_ctx* open(const unsigned char* data, long size) {
    spng_ctx* ctx = spng_ctx_new(0);
    if (ctx == nullptr) {
        return nullptr;
    }
    spng_set_chunk_limits(ctx, (size_t)size, CHUNK_CACHE_LIMIT);
    if (spng_set_png_buffer(ctx, data, (size_t)size) != 0) {
        spng_ctx_free(ctx);
        return nullptr;
    }
    return ctx;
}

// info: width, height, bit depth, colour type, interlace method. Returns 0 or a libspng error.
inline int read_header(const unsigned char* data, long size, int* info) {
    spng_ctx* ctx = open(data, size);
    if (ctx == nullptr) {
        return SPNG_EMEM;
    }
    struct spng_ihdr ihdr;
    int err = spng_get_ihdr(ctx, &ihdr);
    if (err == 0) {
        info[0] = (int)ihdr.width;
        info[1] = (int)ihdr.height;
        info[2] = ihdr.bit_depth;
        info[3] = ihdr.color_type;
        info[4] = ihdr.interlace_method;
    }
    spng_ctx_free(ctx);
    return err;
}

// The whole-image path, for the PNGs catalogues mostly hold (8-bit grey, grey+alpha, RGB, RGBA,
// palette of 1-8 bits; not interlaced): the concatenated IDAT data is inflated in one call by
// libdeflate (about twice as fast as zlib's streaming inflate, which was half of libspng's time) into a
// per-thread buffer, rows are unfiltered in place (SSE2 for 3- and 4-byte pixels, where libspng's
// Paeth loop was a third of its time), and only the kept pixels of the kept rows are converted.
// It returns DECLINED for anything it does not take or finds amiss (interlacing, 16 bits, a bad CRC,
// a short or overlong stream, a palette index out of range, a missing IEND...): the libspng path
// below then decides exactly as before, so that both paths refuse the same files and produce the
// same pixels.
static const int DECLINED = -1;
// Above this much inflated data (a 2,900 px square RGBA image) the streaming path keeps memory at a row.
static const uint64_t WHOLE_IMAGE_LIMIT = 32u << 20;
// Kept between calls so that a decode thread neither allocates nor faults in pages per image; a
// buffer grown past this is released after its image.
static const size_t KEPT_BUFFER_BYTES = 8u << 20;

struct ThreadState {
    libdeflate_decompressor* inflater = nullptr;
    // Not a vector: growing one would zero the bytes the inflater overwrites anyway.
    uint8_t* raw = nullptr;
    size_t raw_capacity = 0;
    std::vector<uint8_t> idat;

    uint8_t* raw_buffer(size_t bytes) {
        if (bytes > raw_capacity) {
            free(raw);
            raw = (uint8_t*)malloc(bytes);
            raw_capacity = raw == nullptr ? 0 : bytes;
        }
        return raw;
    }

    void release_large() {
        if (raw_capacity > KEPT_BUFFER_BYTES) {
            free(raw);
            raw = nullptr;
            raw_capacity = 0;
        }
        if (idat.capacity() > KEPT_BUFFER_BYTES) {
            std::vector<uint8_t>().swap(idat);
        }
    }

    ~ThreadState() {
        free(raw);
        if (inflater != nullptr) {
            libdeflate_free_decompressor(inflater);
        }
    }
};

inline ThreadState& thread_state() {
    static thread_local ThreadState state;
    return state;
}

inline uint32_t be32(const unsigned char* p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

inline int paeth(int a, int b, int c) {
    int pa = abs(b - c);
    int pb = abs(a - c);
    int pc = abs(a + b - 2 * c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

#ifdef __SSE2__
template <int bpp>
inline __m128i load_pixel(const uint8_t* p) {
    uint32_t v = 0;
    memcpy(&v, p, bpp);
    return _mm_cvtsi32_si128((int)v);
}
template <int bpp>
inline void store_pixel(uint8_t* p, __m128i v) {
    uint32_t x = (uint32_t)_mm_cvtsi128_si32(v);
    memcpy(p, &x, bpp);
}
inline __m128i abs16(__m128i x) {
    __m128i negative = _mm_cmplt_epi16(x, _mm_setzero_si128());
    return _mm_add_epi16(_mm_xor_si128(x, negative), _mm_srli_epi16(negative, 15));
}
inline __m128i select(__m128i mask, __m128i a, __m128i b) {
    return _mm_or_si128(_mm_and_si128(mask, a), _mm_andnot_si128(mask, b));
}

// The filters of 3- and 4-byte pixels, one pixel at a time across its bytes (as libpng's SSE2 code):
// the bytes of a pixel are independent, each pixel depends on the one before.
template <int bpp>
inline void unfilter_pixels(int filter, uint8_t* row, const uint8_t* prev, size_t bytes) {
    const __m128i zero = _mm_setzero_si128();
    if (filter == 1) {
        __m128i a = zero;
        for (size_t i = 0; i < bytes; i += (size_t)bpp) {
            a = _mm_add_epi8(a, load_pixel<bpp>(row + i));
            store_pixel<bpp>(row + i, a);
        }
    } else if (filter == 3) {
        __m128i a = zero;
        const __m128i one = _mm_set1_epi8(1);
        for (size_t i = 0; i < bytes; i += (size_t)bpp) {
            __m128i b = load_pixel<bpp>(prev + i);
            __m128i avg = _mm_avg_epu8(a, b);
            // PNG's average truncates where _mm_avg_epu8 rounds up.
            avg = _mm_sub_epi8(avg, _mm_and_si128(_mm_xor_si128(a, b), one));
            a = _mm_add_epi8(load_pixel<bpp>(row + i), avg);
            store_pixel<bpp>(row + i, a);
        }
    } else {
        __m128i a = zero;
        __m128i b = zero;
        for (size_t i = 0; i < bytes; i += (size_t)bpp) {
            __m128i c = b;
            b = _mm_unpacklo_epi8(load_pixel<bpp>(prev + i), zero);
            __m128i d = _mm_unpacklo_epi8(load_pixel<bpp>(row + i), zero);
            __m128i pa = _mm_sub_epi16(b, c);
            __m128i pb = _mm_sub_epi16(a, c);
            __m128i pc = _mm_add_epi16(pa, pb);
            pa = abs16(pa);
            pb = abs16(pb);
            pc = abs16(pc);
            __m128i smallest = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
            __m128i nearest = select(_mm_cmpeq_epi16(smallest, pa), a, select(_mm_cmpeq_epi16(smallest, pb), b, c));
            a = _mm_add_epi8(d, nearest);
            store_pixel<bpp>(row + i, _mm_packus_epi16(a, a));
        }
    }
}
#endif

// Reverses one row's filter in place; prev is the unfiltered row above (zeros above the first).
inline bool unfilter(int filter, uint8_t* row, const uint8_t* prev, size_t bytes, int bpp) {
    switch (filter) {
        case 0:
            return true;
        case 2:
            for (size_t i = 0; i < bytes; i++) {
                row[i] = (uint8_t)(row[i] + prev[i]);
            }
            return true;
        case 1:
        case 3:
        case 4:
            break;
        default:
            return false;
    }
#ifdef __SSE2__
    if (bpp == 3) {
        unfilter_pixels<3>(filter, row, prev, bytes);
        return true;
    }
    if (bpp == 4) {
        unfilter_pixels<4>(filter, row, prev, bytes);
        return true;
    }
#endif
    for (size_t i = 0; i < bytes; i++) {
        int a = i >= (size_t)bpp ? row[i - bpp] : 0;
        int c = i >= (size_t)bpp ? prev[i - bpp] : 0;
        int b = prev[i];
        int predictor = filter == 1 ? a : filter == 3 ? (a + b) >> 1 : paeth(a, b, c);
        row[i] = (uint8_t)(row[i] + predictor);
    }
    return true;
}

inline uint32_t on_white(uint32_t r, uint32_t g, uint32_t b, uint32_t a) {
    if (a != 255) {
        uint32_t white = 255 - a;
        r = (r * a + 127) / 255 + white;
        g = (g * a + 127) / 255 + white;
        b = (b * a + 127) / 255 + white;
    }
    return (r << 16) | (g << 8) | b;
}

inline int decode_whole(const unsigned char* data, long size, int step, int width, int height, int* pixels) {
    static const unsigned char signature[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
    if (size < 8 + 25 || memcmp(data, signature, 8) != 0) {
        return DECLINED;
    }
    uint32_t w = 0, h = 0;
    int depth = 0, type = -1;
    const unsigned char* palette = nullptr;
    uint32_t palette_entries = 0;
    const unsigned char* trns = nullptr;
    uint32_t trns_length = 0;
    ThreadState& state = thread_state();
    std::vector<uint8_t>& idat = state.idat;
    idat.clear();
    const unsigned char* single_idat = nullptr;
    size_t single_idat_length = 0;
    int idat_chunks = 0;
    bool idat_ended = false;
    bool ended = false;
    size_t pos = 8;
    for (int chunk = 0; !ended; chunk++) {
        if (pos + 12 > (size_t)size) {
            return DECLINED;
        }
        uint32_t length = be32(data + pos);
        if (length > 0x7FFFFFFFu || (size_t)length > (size_t)size - pos - 12) {
            return DECLINED;
        }
        const unsigned char* kind = data + pos + 4;
        const unsigned char* body = data + pos + 8;
        if ((uint32_t)libdeflate_crc32(0, kind, (size_t)length + 4) != be32(body + length)) {
            return DECLINED;
        }
        bool is_idat = memcmp(kind, "IDAT", 4) == 0;
        if (idat_chunks > 0 && !is_idat) {
            idat_ended = true;
        }
        if (chunk == 0) {
            if (memcmp(kind, "IHDR", 4) != 0 || length != 13) {
                return DECLINED;
            }
            w = be32(body);
            h = be32(body + 4);
            depth = body[8];
            type = body[9];
            // Compression, filter and interlace method: only 0, 0 and 0 here.
            if (body[10] != 0 || body[11] != 0 || body[12] != 0) {
                return DECLINED;
            }
            bool supported = depth == 8 ? (type == 0 || type == 2 || type == 3 || type == 4 || type == 6)
                                        : (type == 3 && (depth == 1 || depth == 2 || depth == 4));
            if (!supported || w == 0 || h == 0 || w > 0x7FFFFFFFu || h > 0x7FFFFFFFu) {
                return DECLINED;
            }
        } else if (is_idat) {
            if (idat_ended || (type == 3 && palette == nullptr)) {
                return DECLINED;
            }
            if (idat_chunks == 0) {
                single_idat = body;
                single_idat_length = length;
            } else {
                if (idat_chunks == 1) {
                    idat.assign(single_idat, single_idat + single_idat_length);
                }
                idat.insert(idat.end(), body, body + length);
            }
            idat_chunks++;
        } else if (memcmp(kind, "PLTE", 4) == 0) {
            if (palette != nullptr || idat_chunks > 0 || length == 0 || length % 3 != 0 || length > 768) {
                return DECLINED;
            }
            palette = body;
            palette_entries = length / 3;
        } else if (memcmp(kind, "tRNS", 4) == 0) {
            if (trns != nullptr || idat_chunks > 0) {
                return DECLINED;
            }
            bool valid = type == 3 ? palette != nullptr && length <= palette_entries
                                   : (type == 0 && length == 2) || (type == 2 && length == 6);
            if (!valid) {
                return DECLINED;
            }
            trns = body;
            trns_length = length;
        } else if (memcmp(kind, "IEND", 4) == 0) {
            ended = true;
        } else if (memcmp(kind, "IHDR", 4) == 0 || (kind[0] & 0x20) == 0) {
            // A second header, or a critical chunk this path does not know.
            return DECLINED;
        }
        pos += 12 + (size_t)length;
    }
    if (idat_chunks == 0) {
        return DECLINED;
    }
    int channels = type == 2 ? 3 : type == 4 ? 2 : type == 6 ? 4 : 1;
    uint64_t row_bytes = ((uint64_t)w * (uint64_t)(channels * depth) + 7) / 8;
    uint64_t raw_size = (uint64_t)h * (row_bytes + 1);
    if (raw_size > WHOLE_IMAGE_LIMIT || (uint64_t)width * (uint64_t)step < w || (uint64_t)height * (uint64_t)step < h
        || (uint64_t)(width - 1) * (uint64_t)step >= w || (uint64_t)(height - 1) * (uint64_t)step >= h) {
        return DECLINED;
    }
    if (state.inflater == nullptr) {
        state.inflater = libdeflate_alloc_decompressor();
        if (state.inflater == nullptr) {
            return DECLINED;
        }
    }
    // One row of zeros first: the row "above" the first one.
    size_t stride = (size_t)row_bytes + 1;
    uint8_t* raw = state.raw_buffer(stride + (size_t)raw_size);
    if (raw == nullptr) {
        return DECLINED;
    }
    memset(raw, 0, stride);
    const unsigned char* compressed = idat_chunks == 1 ? single_idat : idat.data();
    size_t compressed_length = idat_chunks == 1 ? single_idat_length : idat.size();
    size_t consumed = 0;
    size_t produced = 0;
    enum libdeflate_result result = libdeflate_zlib_decompress_ex(
        state.inflater, compressed, compressed_length, raw + stride, (size_t)raw_size, &consumed, &produced);
    bool clean = result == LIBDEFLATE_SUCCESS && consumed == compressed_length && produced == (size_t)raw_size;
    int outcome = clean ? 0 : DECLINED;
    int bpp = (channels * depth + 7) / 8;
    uint32_t* out = (uint32_t*)pixels;
    uint8_t trns_alpha[256];
    if (type == 3) {
        for (int i = 0; i < 256; i++) {
            trns_alpha[i] = (uint32_t)i < trns_length ? trns[i] : 255;
        }
    }
    // The tRNS colour key holds 16-bit samples: an 8-bit one matches only a key below 256.
    uint32_t key_r = trns != nullptr && type != 3 ? (uint32_t)(trns[0] << 8 | trns[1]) : 0;
    uint32_t key_g = trns != nullptr && type == 2 ? (uint32_t)(trns[2] << 8 | trns[3]) : 0;
    uint32_t key_b = trns != nullptr && type == 2 ? (uint32_t)(trns[4] << 8 | trns[5]) : 0;
    for (uint32_t y = 0; outcome == 0 && y < h; y++) {
        uint8_t* line = raw + stride * (y + 1);
        if (!unfilter(line[0], line + 1, line + 1 - stride, (size_t)row_bytes, bpp)) {
            outcome = DECLINED;
            break;
        }
        if (y % (uint32_t)step != 0) {
            continue;
        }
        const uint8_t* p = line + 1;
        uint32_t* dst = out + (size_t)(y / (uint32_t)step) * (size_t)width;
        for (int ox = 0; outcome == 0 && ox < width; ox++) {
            size_t x = (size_t)ox * (size_t)step;
            switch (type) {
                case 6: {
                    const uint8_t* q = p + x * 4;
                    dst[ox] = on_white(q[0], q[1], q[2], q[3]);
                    break;
                }
                case 2: {
                    const uint8_t* q = p + x * 3;
                    bool key = trns != nullptr && key_r == q[0] && key_g == q[1] && key_b == q[2];
                    dst[ox] = on_white(q[0], q[1], q[2], key ? 0 : 255);
                    break;
                }
                case 4: {
                    const uint8_t* q = p + x * 2;
                    dst[ox] = on_white(q[0], q[0], q[0], q[1]);
                    break;
                }
                case 0: {
                    uint32_t v = p[x];
                    bool key = trns != nullptr && key_r == v;
                    dst[ox] = on_white(v, v, v, key ? 0 : 255);
                    break;
                }
                default: {
                    uint32_t index;
                    if (depth == 8) {
                        index = p[x];
                    } else {
                        size_t bit = x * (size_t)depth;
                        index = (uint32_t)(p[bit / 8] >> (8 - depth - (int)(bit % 8))) & ((1u << depth) - 1);
                    }
                    if (index >= palette_entries) {
                        outcome = DECLINED;
                        break;
                    }
                    const unsigned char* rgb = palette + index * 3;
                    dst[ox] = on_white(rgb[0], rgb[1], rgb[2], trns_alpha[index]);
                    break;
                }
            }
        }
    }
    state.release_large();
    return outcome;
}

// Writes pixel (x*step, y*step) of the PNG to pixels[y*width + x] as 0x00RRGGBB, with transparency
// (alpha, palette alpha, tRNS colour key) composited on white, rounding as Java2D's SrcOver does.
// 16-bit samples keep their high byte. Returns 0 or a libspng error (SPNG_EOI is success).
inline int decode_streaming(const unsigned char* data, long size, int step, int width, int height, int* pixels) {
    static const int pass_x0[7] = { 0, 4, 0, 2, 0, 1, 0 };
    static const int pass_dx[7] = { 8, 8, 4, 4, 2, 2, 1 };
    spng_ctx* ctx = open(data, size);
    if (ctx == nullptr) {
        return SPNG_EMEM;
    }
    struct spng_ihdr ihdr;
    size_t image_size = 0;
    int err = spng_get_ihdr(ctx, &ihdr);
    if (err == 0) {
        err = spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &image_size);
    }
    if (err == 0) {
        err = spng_decode_image(ctx, nullptr, 0, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS | SPNG_DECODE_PROGRESSIVE);
    }
    if (err != 0) {
        spng_ctx_free(ctx);
        return err;
    }
    size_t row_size = image_size / ihdr.height;
    uint8_t* row = (uint8_t*)malloc(row_size);
    if (row == nullptr) {
        spng_ctx_free(ctx);
        return SPNG_EMEM;
    }
    bool interlaced = ihdr.interlace_method != 0;
    uint32_t* out = (uint32_t*)pixels;
    do {
        struct spng_row_info info;
        err = spng_get_row_info(ctx, &info);
        if (err != 0) {
            break;
        }
        err = spng_decode_row(ctx, row, row_size);
        if (err != 0 && err != SPNG_EOI) {
            break;
        }
        if (info.row_num % step != 0 || (int)(info.row_num / step) >= height) {
            continue;
        }
        uint32_t* dst = out + (size_t)(info.row_num / step) * width;
        // A pass of an interlaced image fills only its own columns of the row buffer.
        int x0 = interlaced ? pass_x0[info.pass] : 0;
        int dx = interlaced ? pass_dx[info.pass] : 1;
        for (uint32_t x = x0; x < ihdr.width; x += dx) {
            if (x % step != 0) {
                continue;
            }
            const uint8_t* p = row + (size_t)x * 4;
            uint32_t r = p[0];
            uint32_t g = p[1];
            uint32_t b = p[2];
            uint32_t a = p[3];
            if (a != 255) {
                uint32_t white = 255 - a;
                r = (r * a + 127) / 255 + white;
                g = (g * a + 127) / 255 + white;
                b = (b * a + 127) / 255 + white;
            }
            dst[x / step] = (r << 16) | (g << 8) | b;
        }
    } while (err != SPNG_EOI);
    free(row);
    spng_ctx_free(ctx);
    return err == SPNG_EOI ? 0 : err;
}

// Writes pixel (x*step, y*step) of the PNG to pixels[y*width + x] as decode_streaming does: the
// whole-image path when it takes the file, else libspng's.
inline int decode_subsampled(const unsigned char* data, long size, int step, int width, int height, int* pixels) {
    if (decode_whole(data, size, step, width, height, pixels) == 0) {
        return 0;
    }
    return decode_streaming(data, size, step, width, height, pixels);
}

inline const char* error_message(int err) { return spng_strerror(err); }

}  // namespace fsbpng
