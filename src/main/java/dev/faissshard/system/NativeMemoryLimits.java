package dev.faissshard.system;

/**
 * JavaCPP refuses every native allocation once the whole process's resident memory passes a
 * multiple of the maximum heap. That guess counts ONNX Runtime, the JIT and the pre-touched heap
 * too, so with a modest {@code -Xmx} a healthy build failed adding its first batch to FAISS
 * ("Physical memory usage is too high"). The service bounds its native memory itself (batch size,
 * shard size), so the guess is switched off unless the operator set it.
 */
public final class NativeMemoryLimits {

    private static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";

    private NativeMemoryLimits() {}

    /** Must run before any JavaCPP class loads: JavaCPP reads the property once. */
    public static void applyDefaults() {
        if (System.getProperty(MAX_PHYSICAL_BYTES) == null) {
            System.setProperty(MAX_PHYSICAL_BYTES, "0");
        }
    }
}
