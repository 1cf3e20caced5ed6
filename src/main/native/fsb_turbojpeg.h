// Thin shims over libjpeg-turbo's TurboJPEG API for decoding at reduced size: the IDCT itself scales
// by 1/2, 1/4 or 1/8, so a 1024 px photo costs little more than its 128 px thumbnail. The JDK's
// reader has no such mode (its subsampling still decodes every pixel first).
#pragma once

#include <turbojpeg.h>

namespace fsbjpeg {

// Colour spaces and error kinds as TurboJPEG numbers them (turbojpeg.h: TJCS, TJERR).
inline int colorspace_rgb() { return TJCS_RGB; }
inline int colorspace_ycbcr() { return TJCS_YCbCr; }
inline int colorspace_gray() { return TJCS_GRAY; }
inline int error_warning() { return TJERR_WARNING; }

inline void* decoder_create() { return tjInitDecompress(); }
inline void decoder_free(void* handle) { tjDestroy(handle); }

// info: width, height, chroma subsampling, colour space. Returns 0, or -1 with the error in the handle.
inline int read_header(void* handle, const unsigned char* data, long size, int* info) {
    return tjDecompressHeader3(handle, data, (unsigned long)size, &info[0], &info[1], &info[2], &info[3]);
}

// Decodes into width x height pixels of 0x00RRGGBB ints (BGRX bytes on a little-endian machine), the
// layout of a TYPE_INT_RGB raster. TurboJPEG picks the IDCT scale that yields exactly that size.
inline int decode_bgrx(void* handle, const unsigned char* data, long size, int width, int height, int* pixels) {
    return tjDecompress2(handle, data, (unsigned long)size, (unsigned char*)pixels, width, width * 4, height,
                         TJPF_BGRX, TJFLAG_FASTDCT);
}

inline const char* error_message(void* handle) { return tjGetErrorStr2(handle); }
inline int error_code(void* handle) { return tjGetErrorCode(handle); }

}  // namespace fsbjpeg
