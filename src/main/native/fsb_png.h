// Thin shims over libspng for decoding PNGs straight into a subsampled raster: rows stream through
// one row buffer, and only every step-th pixel of every step-th row is kept, as the JDK reader's
// source subsampling keeps them. Memory stays at one row plus libspng's own scanline buffers, whatever
// the image size; the JDK reader builds its full-resolution rows the same way but costs ~3x the CPU.
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <spng.h>

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

// Writes pixel (x*step, y*step) of the PNG to pixels[y*width + x] as 0x00RRGGBB, with transparency
// (alpha, palette alpha, tRNS colour key) composited on white, rounding as Java2D's SrcOver does.
// 16-bit samples keep their high byte. Returns 0 or a libspng error (SPNG_EOI is success).
inline int decode_subsampled(const unsigned char* data, long size, int step, int width, int height, int* pixels) {
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

inline const char* error_message(int err) { return spng_strerror(err); }

}  // namespace fsbpng
