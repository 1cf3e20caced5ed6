package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.json.JsonMapper;

/** The service in its own JVM, so that it can be killed for real. */
final class ServiceProcess implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final URI base;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServiceProcess(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
    }

    static ServiceProcess start(Path dir, Path storage, Path catalog, String... arguments)
            throws Exception {
        int port = freePort();
        Path log = dir.resolve("service-" + port + ".log");
        Process process = launch(log, port, storage, catalog, List.of(arguments));
        ServiceProcess service =
                new ServiceProcess(process, URI.create("http://127.0.0.1:" + port), log);
        try {
            service.awaitReady(log);
        } catch (Exception | Error ex) {
            // A service that never got ready must not outlive the test that gave up on it.
            service.close();
            throw ex;
        }
        return service;
    }

    /**
     * Runs the service with {@code fsb.job.run-once} and returns its exit code once it ended by
     * itself.
     */
    static int runOnce(Path dir, Path storage, Path catalog, String... arguments) throws Exception {
        List<String> extra = new ArrayList<>(List.of("--fsb.job.run-once=true"));
        extra.addAll(List.of(arguments));
        return runToExit(dir, storage, catalog, List.of(), extra).exitCode();
    }

    /** What a service process that ended by itself left behind. */
    record Exited(int exitCode, String log) {}

    /** Runs the service until it exits by itself (run-once, or a failed startup). */
    static Exited runToExit(
            Path dir, Path storage, Path catalog, List<String> jvmOptions, List<String> arguments)
            throws Exception {
        int port = freePort();
        Path log = dir.resolve("exiting-" + port + ".log");
        Process process = launch(log, port, storage, catalog, jvmOptions, arguments);
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(
                    "service still running after 180 s:\n" + Files.readString(log));
        }
        return new Exited(process.exitValue(), Files.readString(log));
    }

    private static Process launch(
            Path log, int port, Path storage, Path catalog, List<String> extra) throws IOException {
        return launch(log, port, storage, catalog, List.of(), extra);
    }

    static Process launch(
            Path log,
            int port,
            Path storage,
            Path catalog,
            List<String> jvmOptions,
            List<String> extra)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
        command.addAll(jvmOptions);
        command.addAll(
                List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.faissshard.FaissShardBuilderApplication",
                        "--server.address=127.0.0.1",
                        "--server.port=" + port,
                        "--fsb.storage.local.root=" + storage,
                        "--fsb.catalog.location=" + catalog,
                        "--fsb.job.batch-size=8",
                        "--fsb.shard.max-vectors=70",
                        "--fsb.fetch.concurrency=8",
                        // The test image servers live on loopback, which the egress policy refuses
                        // by default.
                        "--fsb.fetch.egress.allow=127.0.0.1/32"));
        command.addAll(extra);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    String postJob() throws Exception {
        HttpResponse<String> response = submit();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.headers().firstValue("Location").orElseThrow();
    }

    /** {@code POST /jobs {}}, whatever it answers. */
    HttpResponse<String> submit() throws Exception {
        return submit("{}");
    }

    /** {@code POST /jobs} with this body; the job's location. */
    String postJob(String body) throws Exception {
        HttpResponse<String> response = submit(body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.headers().firstValue("Location").orElseThrow();
    }

    /** {@code POST /jobs} with this body, whatever it answers. */
    HttpResponse<String> submit(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(base.resolve("/jobs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    void awaitBatches(Path storage, long batches) throws Exception {
        Path progress = storage.resolve("progress.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (Files.exists(progress)) {
                try {
                    Map<?, ?> json = JSON.readValue(progress.toFile(), Map.class);
                    if (((Number) json.get("nextBatch")).longValue() > batches) {
                        return;
                    }
                } catch (RuntimeException partialRead) {
                    // progress.json is replaced atomically; a failed read here is a race with the
                    // rename
                }
            }
            assertThat(process.isAlive()).as("service alive").isTrue();
            Thread.sleep(15);
        }
        throw new AssertionError("no progress to batch " + batches + " within 120 s");
    }

    Map<String, Object> awaitFinished(String location) throws Exception {
        return awaitFinished(location, 180);
    }

    /** The job's view once it ended, waiting at most {@code seconds}. */
    Map<String, Object> awaitFinished(String location, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(base.resolve(location)).build(),
                            HttpResponse.BodyHandlers.ofString());
            @SuppressWarnings("unchecked")
            Map<String, Object> view = JSON.readValue(response.body(), Map.class);
            String state = (String) view.get("state");
            if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
                return view;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job did not finish within " + seconds + " s");
    }

    /** SIGTERM, as Kubernetes sends before evicting a pod; returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("service did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no flushing
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private void awaitReady(Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "service exited during startup:\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> response =
                        http.send(
                                HttpRequest.newBuilder(base.resolve("/actuator/health/readiness"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYetListening) {
                // keep waiting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("service not ready within 120 s:\n" + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
