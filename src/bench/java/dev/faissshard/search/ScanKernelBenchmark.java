package dev.faissshard.search;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.FaissIndex.ScanKernel;
import dev.faissshard.shard.faiss.FaissLibrary;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The flat-scan kernel alone (not a test): one shard-like {@code IDMap,Flat} index of N unit
 * vectors, scanned in the service's ranges of 4,096 rows by 1 and 2 threads, for batches of 1 to 32
 * queries, with each kernel this CPU runs and with FAISS's own search for comparison. Prints, per
 * case, the best of R passes: wall ms per pass, CPU ms per pass (the scanning threads' own CPU
 * time, which other work on a busy machine changes less than wall time), GB/s of stored vectors
 * read, queries per second and CPU ms per query.
 *
 * <p>Arguments: vectors (default 100000), dimension (1164, the combined type's), passes (5),
 * kernels (comma-separated, default every supported one plus FAISS), batch sizes (default
 * 1,2,4,8,16,32). Run with {@code scripts/benchmark-search.sh --kernel [arguments]}.
 */
public final class ScanKernelBenchmark {

    private static final int ROWS_PER_RANGE = 4096;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ScanKernelBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int dimension = args.length > 1 ? Integer.parseInt(args[1]) : 1164;
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<String> kernels = new ArrayList<>();
        if (args.length > 3) {
            kernels.addAll(List.of(args[3].split(",")));
        } else {
            for (ScanKernel kernel : ScanKernel.values()) {
                if (kernel != ScanKernel.BEST && kernel.supported()) {
                    kernels.add(kernel.name());
                }
            }
            kernels.add("FAISS");
        }
        int[] batches =
                args.length > 4
                        ? java.util.Arrays.stream(args[4].split(","))
                                .mapToInt(Integer::parseInt)
                                .toArray()
                        : new int[] {1, 2, 4, 8, 16, 32};
        long bytes = (long) rows * dimension * Float.BYTES;
        System.out.printf(
                Locale.ROOT,
                "%,d vectors of %d floats (%,d MB), best of %d passes; load: %s%n",
                rows,
                dimension,
                bytes >> 20,
                passes,
                loadAverage());
        try (FaissIndex index = index(rows, dimension)) {
            System.out.println(
                    "| kernel | threads | queries | wall ms/pass | CPU ms/pass | GB/s | queries/s |"
                            + " CPU ms/query |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            for (String kernel : kernels) {
                for (int threads : new int[] {1, 2}) {
                    if (kernel.equals("FAISS") && threads == 2) {
                        continue;
                    }
                    ExecutorService pool = Executors.newFixedThreadPool(threads);
                    try {
                        for (int batch : batches) {
                            float[] queries = unitVectors(batch, dimension, 1000 + batch);
                            measure(index, pool, kernel, threads, queries, batch, passes, bytes);
                        }
                    } finally {
                        pool.shutdown();
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "load at the end: %s%n", loadAverage());
    }

    private static void measure(
            FaissIndex index,
            ExecutorService pool,
            String kernel,
            int threads,
            float[] queries,
            int batch,
            int passes,
            long bytes)
            throws Exception {
        int rows = Math.toIntExact(index.count());
        double bestWall = Double.MAX_VALUE;
        double bestCpu = Double.MAX_VALUE;
        for (int pass = 0; pass < passes; pass++) {
            long start = System.nanoTime();
            List<Future<Long>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                parts.add(
                        pool.submit(
                                () -> {
                                    long cpu = THREADS.getCurrentThreadCpuTime();
                                    if (kernel.equals("FAISS")) {
                                        // One OpenMP thread, like the scan's one thread.
                                        FaissLibrary.setThreads(1);
                                        index.search(queries, 10);
                                    } else {
                                        ScanKernel chosen = ScanKernel.valueOf(kernel);
                                        // Ranges of 4,096 rows dealt out in turn, as the
                                        // service's scan threads take them.
                                        for (int from = thread * ROWS_PER_RANGE;
                                                from < rows;
                                                from += threads * ROWS_PER_RANGE) {
                                            int to = Math.min(rows, from + ROWS_PER_RANGE);
                                            index.searchRows(queries, 10, from, to, chosen);
                                        }
                                    }
                                    return THREADS.getCurrentThreadCpuTime() - cpu;
                                }));
            }
            long cpu = 0;
            for (Future<Long> part : parts) {
                cpu += part.get();
            }
            bestWall = Math.min(bestWall, (System.nanoTime() - start) / 1e6);
            bestCpu = Math.min(bestCpu, cpu / 1e6);
        }
        System.out.printf(
                Locale.ROOT,
                "| %s | %d | %d | %.1f | %.1f | %.1f | %.0f | %.2f |%n",
                kernel,
                threads,
                batch,
                bestWall,
                bestCpu,
                bytes / bestWall / 1e6,
                batch / bestWall * 1e3,
                bestCpu / batch);
    }

    private static FaissIndex index(int rows, int dimension) {
        FaissIndex index = FaissIndex.create(dimension, "IDMap,Flat", Metric.INNER_PRODUCT);
        // Added in chunks, so the Java heap never holds the whole index.
        int chunk = Math.max(1, (64 << 20) / (dimension * Float.BYTES));
        for (int from = 0; from < rows; from += chunk) {
            int count = Math.min(chunk, rows - from);
            long[] ids = new long[count];
            for (int i = 0; i < count; i++) {
                ids[i] = from + i;
            }
            index.addWithIds(unitVectors(count, dimension, from), ids);
        }
        return index;
    }

    private static float[] unitVectors(int count, int dimension, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[count * dimension];
        for (int row = 0; row < count; row++) {
            double norm = 0;
            for (int j = 0; j < dimension; j++) {
                float value = (float) random.nextGaussian();
                out[row * dimension + j] = value;
                norm += value * value;
            }
            for (int j = 0; j < dimension; j++) {
                out[row * dimension + j] /= (float) Math.sqrt(norm);
            }
        }
        return out;
    }

    private static String loadAverage() {
        return String.format(
                Locale.ROOT,
                "%.2f",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
