package dev.faissshard.image.png;

import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP declarations for the shims in {@code fsb_png.h}, linked against the system's {@code
 * libspng.so.0} (Debian: libspng0). Package-private: the service uses {@link SubsampledPngDecoder}.
 * The array arguments are read in a JNI critical region: no copy, and the calls make no JNI calls
 * themselves.
 */
@Platform(include = "fsb_png.h", library = "jniSpng")
@Namespace("fsbpng")
class PngNative {

    @CriticalRegion
    static native int read_header(@Cast("const unsigned char*") byte[] data, long size, int[] info);

    @CriticalRegion
    static native int decode_subsampled(
            @Cast("const unsigned char*") byte[] data,
            long size,
            int step,
            int width,
            int height,
            int[] pixels);

    static native @Cast("const char*") String error_message(int error);

    private PngNative() {}
}
