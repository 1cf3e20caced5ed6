// Thin shims over libwebp's advanced decoding API for decoding at reduced size: libwebp's rescaler
// averages the source pixels into the requested size while the rows are decoded, so neither a
// full-resolution raster nor a Java-side resize is needed.
#pragma once

#include <stdint.h>
#include <webp/decode.h>

namespace fsbwebp {

inline int status_unsupported_feature() { return VP8_STATUS_UNSUPPORTED_FEATURE; }

// info: width, height, has alpha, animated. Returns 0, or libwebp's VP8StatusCode.
inline int read_features(const unsigned char* data, long size, int* info) {
    WebPBitstreamFeatures features;
    VP8StatusCode status = WebPGetFeatures(data, (size_t)size, &features);
    if (status != VP8_STATUS_OK) {
        return status;
    }
    info[0] = features.width;
    info[1] = features.height;
    info[2] = features.has_alpha;
    info[3] = features.has_animation;
    return 0;
}

// Decodes into width x height pixels of 0x00RRGGBB ints (the layout of a TYPE_INT_RGB raster),
// rescaling when that is not the stored size. Transparency is composited on white: in libwebp's
// premultiplied B,G,R,A order a channel c over white is c + (255 - alpha), and the rescaler works on
// premultiplied samples, so edges do not pick up the colour of transparent pixels.
// Returns 0, or libwebp's VP8StatusCode.
inline int decode_bgrx(const unsigned char* data, long size, int width, int height, int* pixels) {
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        return VP8_STATUS_INVALID_PARAM;
    }
    VP8StatusCode status = WebPGetFeatures(data, (size_t)size, &config.input);
    if (status != VP8_STATUS_OK) {
        return status;
    }
    bool alpha = config.input.has_alpha != 0;
    if (config.input.width != width || config.input.height != height) {
        config.options.use_scaling = 1;
        config.options.scaled_width = width;
        config.options.scaled_height = height;
    }
    // The service decodes on one thread per core already.
    config.options.use_threads = 0;
    config.output.colorspace = alpha ? MODE_bgrA : MODE_BGRA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = (uint8_t*)pixels;
    config.output.u.RGBA.stride = width * 4;
    config.output.u.RGBA.size = (size_t)width * (size_t)height * 4;
    status = WebPDecode(data, (size_t)size, &config);
    WebPFreeDecBuffer(&config.output);
    if (status != VP8_STATUS_OK) {
        return status;
    }
    uint32_t* out = (uint32_t*)pixels;
    size_t count = (size_t)width * (size_t)height;
    if (alpha) {
        for (size_t i = 0; i < count; i++) {
            uint32_t p = out[i];
            uint32_t white = 255 - (p >> 24);
            uint32_t r = ((p >> 16) & 0xFF) + white;
            uint32_t g = ((p >> 8) & 0xFF) + white;
            uint32_t b = (p & 0xFF) + white;
            out[i] = (r << 16) | (g << 8) | b;
        }
    }
    else {
        for (size_t i = 0; i < count; i++) {
            out[i] &= 0x00FFFFFFu;
        }
    }
    return 0;
}

inline const char* status_message(int status) {
    switch (status) {
        case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
        case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
        case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
        case VP8_STATUS_NOT_ENOUGH_DATA: return "data ends early";
        default: return "decoding failed";
    }
}

}  // namespace fsbwebp
