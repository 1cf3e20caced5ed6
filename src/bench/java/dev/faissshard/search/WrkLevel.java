package dev.faissshard.search;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One level of the search benchmark driven by {@code wrk} instead of the JDK's HTTP client. The
 * client shares the machine's two cores with the service, and the JDK client spends a large part of
 * a core on its own (selector thread, futures, per-request objects), so it measures the client as
 * much as the service; wrk's event loops in C cost a small fraction of that. The request bodies are
 * the ones the JDK client sends: a search by a random synthesised id, or the same JPEG upload.
 */
final class WrkLevel {

    /** What wrk measured over one run. */
    record Result(
            double queriesPerSecond, double p50Ms, double p99Ms, long requests, long failed) {}

    private static final Pattern PERCENTILE =
            Pattern.compile("^\\s*(50|99)(?:\\.0+)?%\\s+([0-9.]+)(us|ms|s)\\s*$");
    private static final Pattern REQUESTS = Pattern.compile("^\\s*(\\d+) requests in ");
    private static final Pattern RATE = Pattern.compile("^Requests/sec:\\s+([0-9.]+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile(
                    "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    private final Path work;

    private WrkLevel(Path work) {
        this.work = work;
    }

    /** True when a {@code wrk} runs here. */
    static boolean available() {
        try {
            Process probe =
                    new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            probe.waitFor(10, TimeUnit.SECONDS);
            return true;
        } catch (IOException | InterruptedException ex) {
            return false;
        }
    }

    /** Writes the ids, the JPEG and both request scripts into {@code work}. */
    static WrkLevel prepare(Path work, List<String> ids, byte[] jpeg) throws IOException {
        Files.createDirectories(work);
        Files.write(work.resolve("ids.txt"), ids, StandardCharsets.UTF_8);
        Files.write(work.resolve("query.jpg"), jpeg);
        Files.writeString(
                work.resolve("id.lua"),
                """
                local ids = {}
                for line in io.lines("%s") do ids[#ids + 1] = line end
                math.randomseed(os.time())
                request = function()
                  local id = ids[math.random(#ids)]
                  return wrk.format("POST", "/search", {["Content-Type"] = "application/json"},
                    '{"query":{"id":"' .. id .. '"},"k":10}')
                end
                """
                        .formatted(work.resolve("ids.txt")));
        Files.writeString(
                work.resolve("upload.lua"),
                """
                local file = io.open("%s", "rb")
                wrk.method = "POST"
                wrk.path = "/search?k=10"
                wrk.body = file:read("*a")
                wrk.headers["Content-Type"] = "image/jpeg"
                file:close()
                """
                        .formatted(work.resolve("query.jpg")));
        return new WrkLevel(work);
    }

    /** Runs {@code mode} ({@code id} or {@code upload}) at {@code clients} connections. */
    Result run(String base, String mode, int clients, int seconds)
            throws IOException, InterruptedException {
        int threads = Math.min(2, clients);
        Process wrk =
                new ProcessBuilder(
                                "wrk",
                                "-t" + threads,
                                "-c" + clients,
                                "-d" + seconds + "s",
                                "--timeout",
                                "60s",
                                "--latency",
                                "-s",
                                work.resolve(mode + ".lua").toString(),
                                base)
                        .redirectErrorStream(true)
                        .start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + output);
        }
        return parse(output);
    }

    static Result parse(String output) {
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        double rate = Double.NaN;
        long requests = 0;
        long failed = 0;
        for (String line : output.split("\n")) {
            Matcher percentile = PERCENTILE.matcher(line);
            if (percentile.matches()) {
                double value = millis(percentile.group(2), percentile.group(3));
                if (percentile.group(1).equals("50")) {
                    p50 = value;
                } else {
                    p99 = value;
                }
            }
            Matcher count = REQUESTS.matcher(line);
            if (count.find()) {
                requests = Long.parseLong(count.group(1));
            }
            Matcher perSecond = RATE.matcher(line);
            if (perSecond.find()) {
                rate = Double.parseDouble(perSecond.group(1));
            }
            Matcher non2xx = NON_2XX.matcher(line);
            if (non2xx.find()) {
                failed += Long.parseLong(non2xx.group(1));
            }
            Matcher socket = SOCKET_ERRORS.matcher(line);
            if (socket.find()) {
                for (int group = 1; group <= 4; group++) {
                    failed += Long.parseLong(socket.group(group));
                }
            }
        }
        if (Double.isNaN(p99) || Double.isNaN(rate)) {
            throw new IllegalStateException("wrk printed no latency distribution: " + output);
        }
        return new Result(rate, p50, p99, requests, failed);
    }

    private static double millis(String value, String unit) {
        double number = Double.parseDouble(value);
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "us" -> number / 1000;
            case "s" -> number * 1000;
            default -> number;
        };
    }
}
