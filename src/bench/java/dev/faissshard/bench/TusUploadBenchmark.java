package dev.faissshard.bench;

import dev.faissshard.storage.StorageProperties;
import dev.faissshard.storage.supabase.SupabaseStorageClient;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Times a 45 MiB shard upload through the resumable (TUS) endpoint of the Supabase emulator on
 * loopback, with the shipped defaults (6 MB chunks), clean and with one PATCH cut mid-body. A
 * figure to quote, not an assertion: loopback measures the client and the protocol, not a network.
 *
 * <p>Usage: {@code TusUploadBenchmark [RUNS=5] [MiB=45]}
 */
public final class TusUploadBenchmark {

    private TusUploadBenchmark() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 45;
        byte[] shard = new byte[mib * 1024 * 1024];
        new Random(45).nextBytes(shard);
        try (SupabaseEmulator emulator = new SupabaseEmulator()) {
            emulator.createBucket("bench", false, null);
            SupabaseProperties properties =
                    new SupabaseProperties(
                            URI.create(emulator.url()),
                            SupabaseEmulator.SERVICE_KEY,
                            Duration.ofSeconds(5),
                            Duration.ofSeconds(60),
                            new SupabaseProperties.Retry(
                                    6, Duration.ofMillis(200), Duration.ofSeconds(20), 2.0));
            StorageProperties.Supabase settings =
                    new StorageProperties.Supabase(
                            "bench",
                            false,
                            DataSize.ofBytes(0),
                            DataSize.ofMegabytes(6),
                            DataSize.ofMegabytes(6),
                            1000);
            try (SupabaseStorageApi api =
                    SupabaseStorageApi.create(
                            WebClient.builder(), properties, JsonMapper.builder().build())) {
                SupabaseStorageClient client = new SupabaseStorageClient(api, settings);
                client.create(
                        "warmup.faiss",
                        Arrays.copyOf(shard, 8 * 1024 * 1024),
                        "application/octet-stream");
                List<Double> clean = new ArrayList<>();
                List<Double> interrupted = new ArrayList<>();
                for (int run = 0; run < runs; run++) {
                    clean.add(
                            time(
                                    () ->
                                            client.create(
                                                    "clean.faiss",
                                                    shard,
                                                    "application/octet-stream")));
                    client.delete("clean.faiss");
                    emulator.failNext(call -> call.method().equals("PATCH"), Fault.PARTIAL_PATCH);
                    interrupted.add(
                            time(
                                    () ->
                                            client.create(
                                                    "cut.faiss",
                                                    shard,
                                                    "application/octet-stream")));
                    client.delete("cut.faiss");
                }
                System.out.printf(
                        Locale.ROOT,
                        "TUS upload of %d MiB in 6 MB chunks on loopback, %d runs%n",
                        mib,
                        runs);
                System.out.printf(
                        Locale.ROOT,
                        "  clean:                  median %.0f ms, min %.0f ms (%.0f MiB/s)%n",
                        median(clean),
                        min(clean),
                        mib * 1000 / median(clean));
                System.out.printf(
                        Locale.ROOT,
                        "  one PATCH cut mid-body: median %.0f ms, min %.0f ms%n",
                        median(interrupted),
                        min(interrupted));
            }
        }
    }

    private static double time(Runnable upload) {
        long start = System.nanoTime();
        upload.run();
        return (System.nanoTime() - start) / 1e6;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }
}
