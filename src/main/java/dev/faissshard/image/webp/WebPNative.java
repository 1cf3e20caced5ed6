package dev.faissshard.image.webp;

import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP declarations for the shims in {@code fsb_webp.h}, linked against the system's {@code
 * libwebp.so.7} (Debian: libwebp7). Package-private: the service uses {@link ScaledWebPDecoder}.
 * The array arguments are read in a JNI critical region: no copy, and the calls make no JNI calls
 * themselves.
 */
@Platform(include = "fsb_webp.h", library = "jniWebP")
@Namespace("fsbwebp")
class WebPNative {

    @CriticalRegion
    static native int read_features(
            @Cast("const unsigned char*") byte[] data, long size, int[] info);

    @CriticalRegion
    static native int decode_bgrx(
            @Cast("const unsigned char*") byte[] data,
            long size,
            int width,
            int height,
            int[] pixels);

    static native @Cast("const char*") String status_message(int status);

    private WebPNative() {}
}
