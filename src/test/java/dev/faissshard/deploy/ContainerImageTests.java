package dev.faissshard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image without a Docker engine: the Dockerfile linted and read as Docker reads it,
 * and the image's entrypoint and health check scripts run for real, against a fake {@code java} on
 * the PATH and a real HTTP server on loopback.
 */
class ContainerImageTests {

    private static final Path DOCKERFILE = CommandLine.REPOSITORY.resolve("Dockerfile");
    private static final Path ENTRYPOINT =
            CommandLine.REPOSITORY.resolve("deploy/docker/entrypoint.sh");
    private static final Path HEALTHCHECK =
            CommandLine.REPOSITORY.resolve("deploy/docker/healthcheck.sh");

    @TempDir Path temp;

    @Test
    void dockerfilePassesTheLinter() {
        assertThat(CommandLine.succeed(CommandLine.validator("dockerfile", "Dockerfile")))
                .contains("0 problem(s)");
    }

    @Test
    void linterRejectsABrokenDockerfile() throws IOException {
        Path broken = temp.resolve("Dockerfile");
        Files.writeString(broken, "FROM debian:bookworm-slim\nEXPOSE http\nCOPYY a b\n");
        CommandLine.Result result =
                CommandLine.run(CommandLine.validator("dockerfile", broken.toString()));
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output()).contains(":2:").contains(":3:");
    }

    @Test
    void imageStartsTheEntrypointScriptInExecFormAsUnprivilegedUserByDefault() throws IOException {
        List<String> runtime = finalStage(instructions(Files.readString(DOCKERFILE)));
        assertThat(last(runtime, "ENTRYPOINT"))
                .isEqualTo("ENTRYPOINT [\"/usr/local/bin/fsb-entrypoint\"]");
        assertThat(runtime)
                .contains(
                        "COPY deploy/docker/entrypoint.sh /usr/local/bin/fsb-entrypoint",
                        "COPY deploy/docker/healthcheck.sh /usr/local/bin/fsb-healthcheck",
                        "ARG RUNTIME_USER=10001");
        assertThat(last(runtime, "USER")).isEqualTo("USER ${RUNTIME_USER}");
        assertThat(runtime.stream().filter(line -> line.startsWith("CMD"))).isEmpty();
        assertThat(last(runtime, "HEALTHCHECK"))
                .endsWith("CMD [\"/usr/local/bin/fsb-healthcheck\"]");
    }

    @Test
    void imageIsAssembledFromSpringBootLayersAndLinksTheBuildArchitecturesFaiss()
            throws IOException {
        List<String> all = instructions(Files.readString(DOCKERFILE));
        List<String> runtime = finalStage(all);
        for (String layer :
                List.of(
                        "dependencies",
                        "spring-boot-loader",
                        "snapshot-dependencies",
                        "application")) {
            assertThat(runtime).contains("COPY --from=build /layers/" + layer + "/ ./");
        }
        String packaging =
                all.stream()
                        .filter(line -> line.contains("mvn -B -ntp -q package"))
                        .findFirst()
                        .orElseThrow();
        assertThat(packaging)
                .contains("-Dfaiss.lib=\"/usr/lib/$(gcc -print-multiarch)/libfaiss.a\"")
                .contains(
                        "java -Djarmode=tools -jar /faiss-shard-builder.jar extract --layers --destination /layers");
        // The extracted application jar keeps the fat jar's file name, which the entrypoint runs.
        assertThat(Files.readString(ENTRYPOINT)).contains("/app/faiss-shard-builder.jar");
    }

    @Test
    void jvmOptionsAreSetOnceInTheImage() throws IOException {
        List<String> javaOpts =
                instructions(Files.readString(DOCKERFILE)).stream()
                        .filter(line -> line.contains("JAVA_OPTS="))
                        .toList();
        assertThat(javaOpts).hasSize(1);
        assertThat(javaOpts.get(0))
                .contains("-Xmx")
                .contains("-Djava.io.tmpdir=/app/tmp")
                .contains("-Dorg.bytedeco.javacpp.cachedir=/app/tmp/javacpp");
    }

    @Test
    void entrypointExecsJavaWithJavaOptsThenEveryContainerArgumentUnchanged() throws Exception {
        Path log = temp.resolve("java-args");
        Path bin = fakeJava(log, 0);
        CommandLine.Result result =
                CommandLine.run(
                        List.of(
                                "sh",
                                "-c",
                                "echo $$ > "
                                        + temp.resolve("shell-pid")
                                        + "; exec sh "
                                        + ENTRYPOINT
                                        + " \"$@\"",
                                "sh",
                                "--fsb.job.run-once=true",
                                "--fsb.job.prefix=two words"),
                        temp,
                        Map.of(
                                "PATH",
                                bin + ":/usr/bin:/bin",
                                "JAVA_OPTS",
                                "-Xmx64m -Dfile.encoding=UTF-8"));

        assertThat(result.exitCode()).as(result.output()).isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.subList(1, lines.size()))
                .containsExactly(
                        "-Xmx64m",
                        "-Dfile.encoding=UTF-8",
                        "-jar",
                        "/app/faiss-shard-builder.jar",
                        "--fsb.job.run-once=true",
                        "--fsb.job.prefix=two words");
        // exec: java replaced the shell, so it is the process the container engine signals.
        assertThat(lines.get(0)).isEqualTo(Files.readString(temp.resolve("shell-pid")).strip());
    }

    @Test
    void entrypointWithoutJavaOptsPassesNoEmptyArgumentAndReturnsJavasExitCode() throws Exception {
        Path log = temp.resolve("java-args");
        Path bin = fakeJava(log, 2);
        CommandLine.Result result =
                CommandLine.run(
                        List.of("sh", ENTRYPOINT.toString()),
                        temp,
                        Map.of("PATH", bin + ":/usr/bin:/bin"));
        assertThat(result.exitCode()).isEqualTo(2);
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.subList(1, lines.size()))
                .containsExactly("-jar", "/app/faiss-shard-builder.jar");
    }

    @Test
    void shellScriptsPassShellcheck() {
        CommandLine.succeed(List.of("shellcheck", ENTRYPOINT.toString(), HEALTHCHECK.toString()));
    }

    @Test
    void healthCheckIsHealthyOnlyWhileReadinessAnswers200() throws Exception {
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int[] status = {503};
        server.createContext(
                "/actuator/health/readiness",
                exchange -> {
                    byte[] body =
                            (status[0] == 200 ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}")
                                    .getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders()
                            .add("Content-Type", "application/vnd.spring-boot.actuator.v3+json");
                    exchange.sendResponseHeaders(status[0], body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                });
        server.start();
        try {
            Map<String, String> env =
                    Map.of("SERVER_PORT", String.valueOf(server.getAddress().getPort()));
            assertThat(
                            CommandLine.run(List.of("bash", HEALTHCHECK.toString()), temp, env)
                                    .exitCode())
                    .as("readiness 503 DOWN")
                    .isNotZero();
            status[0] = 200;
            assertThat(
                            CommandLine.run(List.of("bash", HEALTHCHECK.toString()), temp, env)
                                    .exitCode())
                    .as("readiness 200 UP")
                    .isZero();
        } finally {
            server.stop(0);
        }
        Map<String, String> closed =
                Map.of("SERVER_PORT", String.valueOf(server.getAddress().getPort()));
        assertThat(
                        CommandLine.run(List.of("bash", HEALTHCHECK.toString()), temp, closed)
                                .exitCode())
                .as("nothing listening")
                .isNotZero();
    }

    /**
     * A {@code java} that writes its PID and then each argument on a line of its own, and exits
     * with the code.
     */
    private Path fakeJava(Path log, int exitCode) throws IOException {
        Path bin = Files.createDirectories(temp.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(
                java,
                "#!/bin/sh\necho $$ > '"
                        + log
                        + "'\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '"
                        + log
                        + "'; done\nexit "
                        + exitCode
                        + "\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    /**
     * Dockerfile instructions with continuation lines joined and comments dropped, as Docker reads
     * them.
     */
    static List<String> instructions(String dockerfile) {
        List<String> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : dockerfile.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            instructions.add(
                    Pattern.compile("\\s+").matcher(current.toString().strip()).replaceAll(" "));
            current.setLength(0);
        }
        return instructions;
    }

    private static List<String> finalStage(List<String> instructions) {
        int from = 0;
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).startsWith("FROM ")) {
                from = i;
            }
        }
        return instructions.subList(from, instructions.size());
    }

    private static String last(List<String> instructions, String keyword) {
        return instructions.stream()
                .filter(line -> line.startsWith(keyword + " "))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + keyword));
    }
}
