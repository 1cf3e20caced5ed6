package dev.faissshard.bench;

import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.image.ImageProperties;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Decode CPU time per image and format, before (the ImageIO readers alone, as when no native
 * library is installed) and after (the service's decoder with its native JPEG, PNG and WebP paths),
 * on one thread, over a folder of real images such as the mixed benchmark corpus. CPU time rather
 * than wall time, so that other processes on the machine disturb the figures less; the best of
 * three passes after a warm-up.
 *
 * <p>Usage: {@code FormatDecodeBenchmark IMAGE_DIR} (e.g. {@code
 * target/bench-mixed/corpus-3000/images}).
 */
public final class FormatDecodeBenchmark {

    private static final int PASSES = 3;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private FormatDecodeBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, List<byte[]>> byFormat = load(Path.of(args[0]));
        ImageProperties properties = new ImageProperties(50_000_000, 128);
        ImageDecoder before = ImageDecoder.imageIoOnly(properties);
        ImageDecoder after = new ImageDecoder(properties);
        ImageIO.setUseCache(false);
        System.out.printf(Locale.ROOT, "CPU ms per image, one thread, best of %d passes%n", PASSES);
        System.out.printf(
                Locale.ROOT,
                "%-22s %7s %10s %10s %8s%n",
                "format",
                "images",
                "before",
                "after",
                "speed-up");
        double totalBefore = 0;
        double totalAfter = 0;
        int total = 0;
        for (Map.Entry<String, List<byte[]>> entry : byFormat.entrySet()) {
            List<byte[]> files = entry.getValue();
            double b = cpuPerImage(files, before);
            double a = cpuPerImage(files, after);
            totalBefore += b * files.size();
            totalAfter += a * files.size();
            total += files.size();
            System.out.printf(
                    Locale.ROOT,
                    "%-22s %7d %7.3f ms %7.3f ms %7.1fx%n",
                    entry.getKey(),
                    files.size(),
                    b,
                    a,
                    b / a);
        }
        System.out.printf(
                Locale.ROOT,
                "%-22s %7d %7.3f ms %7.3f ms %7.1fx%n",
                "all (corpus mix)",
                total,
                totalBefore / total,
                totalAfter / total,
                totalBefore / totalAfter);
    }

    private static Map<String, List<byte[]>> load(Path dir) throws IOException {
        Map<String, List<byte[]>> out = new LinkedHashMap<>();
        for (String format : List.of("baseline JPEG", "progressive JPEG", "PNG", "WebP")) {
            out.put(format, new ArrayList<>());
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                byte[] data = Files.readAllBytes(file);
                String name = file.getFileName().toString();
                String format =
                        name.endsWith(".png")
                                ? "PNG"
                                : name.endsWith(".webp")
                                        ? "WebP"
                                        : isProgressive(data)
                                                ? "progressive JPEG"
                                                : "baseline JPEG";
                out.get(format).add(data);
            }
        }
        out.values().removeIf(List::isEmpty);
        return out;
    }

    /** A start-of-frame marker for progressive DCT (SOF2) before the first scan. */
    private static boolean isProgressive(byte[] jpeg) {
        int i = 2;
        while (i + 4 <= jpeg.length && (jpeg[i] & 0xFF) == 0xFF) {
            int marker = jpeg[i + 1] & 0xFF;
            if (marker == 0xC2) {
                return true;
            }
            if (marker == 0xDA) {
                return false;
            }
            i += 2 + ((jpeg[i + 2] & 0xFF) << 8 | (jpeg[i + 3] & 0xFF));
        }
        return false;
    }

    private static double cpuPerImage(List<byte[]> files, ImageDecoder decoder) {
        for (int i = 0; i < Math.min(files.size(), 200); i++) {
            decode(decoder, files.get(i));
        }
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < PASSES; pass++) {
            long start = THREADS.getCurrentThreadCpuTime();
            for (byte[] file : files) {
                decode(decoder, file);
            }
            best = Math.min(best, (THREADS.getCurrentThreadCpuTime() - start) / 1e6 / files.size());
        }
        return best;
    }

    private static void decode(ImageDecoder decoder, byte[] file) {
        try {
            decoder.decode(file);
        } catch (ImageRejectedException ex) {
            throw new IllegalStateException(ex.reason().key() + ": " + ex.detail(), ex);
        }
    }
}
