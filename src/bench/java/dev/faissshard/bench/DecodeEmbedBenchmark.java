package dev.faissshard.bench;

import dev.faissshard.FaissShardBuilderApplication;
import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.testimages.ProductImageGenerator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Decode and embed cost per image, without network or storage: for generated product JPEGs of 256,
 * 512 and 1024 px, the CPU time of each decode path (one thread), of each index type's embedding
 * (ONNX Runtime on the calling thread), of decode plus all three, and the images/s of decode plus
 * all three on every core. Run through {@code scripts/benchmark-decode-embed.sh}.
 *
 * <p>Usage: {@code DecodeEmbedBenchmark [IMAGES_PER_SIZE=400]}
 */
public final class DecodeEmbedBenchmark {

    private static final int[] SIZES = {256, 512, 1024};
    private static final int BATCH = 256;

    /**
     * Other processes share the machine: the best of a few passes is the least disturbed figure.
     */
    private static final int PASSES = 3;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private DecodeEmbedBenchmark() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        ImageIO.setUseCache(false);
        // One ONNX Runtime thread: inference then runs on the calling thread, whose CPU time is
        // measured.
        try (ConfigurableApplicationContext context =
                new SpringApplicationBuilder(FaissShardBuilderApplication.class)
                        .web(WebApplicationType.NONE)
                        .run(
                                "--fsb.embedding.intra-op-threads=1",
                                "--logging.level.root=WARN",
                                "--spring.main.banner-mode=off")) {
            ImageDecoder decoder = context.getBean(ImageDecoder.class);
            EmbeddingService embeddings = context.getBean(EmbeddingService.class);
            System.out.printf(
                    Locale.ROOT,
                    "%d images per size, %d cores, batch %d; ms = CPU milliseconds per image (best of %d passes)%n%n",
                    count,
                    Runtime.getRuntime().availableProcessors(),
                    BATCH,
                    PASSES);
            warmUp(decoder, embeddings);
            for (int size : SIZES) {
                List<byte[]> jpegs = jpegs(count, size);
                System.out.printf(
                        Locale.ROOT,
                        "== %d px JPEG (%.0f KB average)%n",
                        size,
                        jpegs.stream().mapToInt(b -> b.length).average().orElse(0) / 1024);
                decodePaths(jpegs, decoder);
                List<BufferedImage> decoded = decodeAll(jpegs, decoder);
                double decode = cpuPerImage(jpegs, bytes -> decodeQuietly(decoder, bytes));
                double all = 0;
                for (Set<IndexType> types :
                        List.of(
                                EnumSet.of(IndexType.COLOR),
                                EnumSet.of(IndexType.STRUCTURE),
                                EnumSet.of(IndexType.COMBINED),
                                EnumSet.allOf(IndexType.class))) {
                    double ms = embedCpuPerImage(decoded, embeddings, types);
                    String label =
                            types.size() == 3
                                    ? "all three"
                                    : types.iterator().next().key()
                                            + (types.contains(IndexType.COMBINED)
                                                    ? " (runs color and structure)"
                                                    : "");
                    System.out.printf(
                            Locale.ROOT,
                            "embed  %-40s %6.3f ms   %6.0f images/s per core%n",
                            label,
                            ms,
                            1000 / ms);
                    all = ms;
                }
                System.out.printf(
                        Locale.ROOT,
                        "TOTAL  decode + all three embeddings            %6.3f ms CPU per image%n",
                        decode + all);
                System.out.printf(
                        Locale.ROOT,
                        "WALL   decode + all three on every core         %6.0f images/s%n%n",
                        parallelThroughput(jpegs, decoder, embeddings));
            }
        }
    }

    /** Lets the JIT compile the decode, resize and packing code before anything is measured. */
    private static void warmUp(ImageDecoder decoder, EmbeddingService embeddings) {
        for (int size : SIZES) {
            List<BufferedImage> images = decodeAll(jpegs(150, size), decoder);
            for (int pass = 0; pass < 3; pass++) {
                embeddings.embed(images, EnumSet.allOf(IndexType.class));
            }
        }
    }

    private static void decodePaths(List<byte[]> jpegs, ImageDecoder decoder) throws IOException {
        ImageReader jdk = reader(r -> r.getClass().getName().startsWith("com.sun."));
        ImageReader twelveMonkeys =
                reader(r -> r.getClass().getName().startsWith("com.twelvemonkeys."));
        report(
                "ImageIO.read, full resolution",
                cpuPerImage(jpegs, DecodeEmbedBenchmark::imageIoRead));
        report("JDK reader, full resolution", cpuPerImage(jpegs, bytes -> read(jdk, bytes, false)));
        report(
                "JDK reader, subsampled to >= 128 px",
                cpuPerImage(jpegs, bytes -> read(jdk, bytes, true)));
        report(
                "TwelveMonkeys reader, subsampled",
                cpuPerImage(jpegs, bytes -> read(twelveMonkeys, bytes, true)));
        report(
                "service ImageDecoder (as configured)",
                cpuPerImage(jpegs, bytes -> decodeQuietly(decoder, bytes)));
    }

    private static void report(String path, double ms) {
        System.out.printf(
                Locale.ROOT,
                "decode %-40s %6.3f ms   %6.0f images/s per core%n",
                path,
                ms,
                1000 / ms);
    }

    /**
     * CPU ms per image of {@code work} on this thread: the best of three passes, after a warm-up.
     */
    private static double cpuPerImage(List<byte[]> inputs, Function<byte[], Object> work) {
        for (int i = 0; i < Math.min(100, inputs.size()); i++) {
            work.apply(inputs.get(i));
        }
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < PASSES; pass++) {
            long start = THREADS.getCurrentThreadCpuTime();
            for (byte[] input : inputs) {
                work.apply(input);
            }
            best =
                    Math.min(
                            best,
                            (THREADS.getCurrentThreadCpuTime() - start) / 1e6 / inputs.size());
        }
        return best;
    }

    private static double embedCpuPerImage(
            List<BufferedImage> images, EmbeddingService embeddings, Set<IndexType> types) {
        embeddings.embed(images.subList(0, Math.min(BATCH, images.size())), types);
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < PASSES; pass++) {
            long start = THREADS.getCurrentThreadCpuTime();
            for (int from = 0; from < images.size(); from += BATCH) {
                embeddings.embed(
                        images.subList(from, Math.min(images.size(), from + BATCH)), types);
            }
            best =
                    Math.min(
                            best,
                            (THREADS.getCurrentThreadCpuTime() - start) / 1e6 / images.size());
        }
        return best;
    }

    /**
     * Decode on a pool of one thread per core, embed each batch of all three types as it completes.
     */
    private static double parallelThroughput(
            List<byte[]> jpegs, ImageDecoder decoder, EmbeddingService embeddings)
            throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(cores);
        try {
            long start = System.nanoTime();
            for (int from = 0; from < jpegs.size(); from += BATCH) {
                List<Future<BufferedImage>> futures = new ArrayList<>();
                for (byte[] jpeg : jpegs.subList(from, Math.min(jpegs.size(), from + BATCH))) {
                    futures.add(pool.submit(() -> decoder.decode(jpeg)));
                }
                List<BufferedImage> batch = new ArrayList<>();
                for (Future<BufferedImage> future : futures) {
                    batch.add(future.get());
                }
                embeddings.embed(batch, EnumSet.allOf(IndexType.class));
            }
            return jpegs.size() / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<byte[]> jpegs(int count, int size) {
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), size),
                            0.88f));
        }
        return out;
    }

    private static List<BufferedImage> decodeAll(List<byte[]> jpegs, ImageDecoder decoder) {
        List<BufferedImage> out = new ArrayList<>(jpegs.size());
        jpegs.forEach(bytes -> out.add(decodeQuietly(decoder, bytes)));
        return out;
    }

    private static BufferedImage decodeQuietly(ImageDecoder decoder, byte[] bytes) {
        try {
            return decoder.decode(bytes);
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Object imageIoRead(byte[] bytes) {
        try {
            return ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Object read(ImageReader reader, byte[] bytes, boolean subsample) {
        try (ImageInputStream input =
                new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(input, true, true);
            ImageReadParam param = reader.getDefaultReadParam();
            int step = Math.max(1, Math.min(reader.getWidth(0), reader.getHeight(0)) / 128);
            if (subsample && step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            return reader.read(0, param);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static ImageReader reader(java.util.function.Predicate<ImageReader> which) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            if (which.test(reader)) {
                return reader;
            }
        }
        throw new IllegalStateException("JPEG reader not installed");
    }
}
