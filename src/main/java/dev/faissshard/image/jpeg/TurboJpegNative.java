package dev.faissshard.image.jpeg;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP declarations for the shims in {@code fsb_turbojpeg.h}, linked against the system's {@code
 * libturbojpeg.so.0} (Debian: libturbojpeg0). Package-private: the service uses {@link
 * ReducedJpegDecoder}. The array arguments are read in a JNI critical region: no copy, and the
 * calls are short and make no JNI calls themselves.
 */
@Platform(include = "fsb_turbojpeg.h", library = "jniTurboJpeg")
@Namespace("fsbjpeg")
class TurboJpegNative {

    static native int colorspace_rgb();

    static native int colorspace_ycbcr();

    static native int colorspace_gray();

    static native int error_warning();

    static native Pointer decoder_create();

    static native void decoder_free(Pointer handle);

    @CriticalRegion
    static native int read_header(
            Pointer handle, @Cast("const unsigned char*") byte[] data, long size, int[] info);

    @CriticalRegion
    static native int decode_bgrx(
            Pointer handle,
            @Cast("const unsigned char*") byte[] data,
            long size,
            int width,
            int height,
            int[] pixels);

    static native @Cast("const char*") String error_message(Pointer handle);

    static native int error_code(Pointer handle);

    private TurboJpegNative() {}
}
