package dev.faissshard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image without a Docker engine: the Dockerfile linted and read as Docker reads it,
 * and the image's entrypoint (the launcher {@code scripts/run-service.sh}) and health check scripts
 * run for real, against a fake {@code java} in a fake JDK and a real HTTP server on loopback.
 */
class ContainerImageTests {

    private static final Path DOCKERFILE = CommandLine.REPOSITORY.resolve("Dockerfile");

    /** The image's entrypoint is the launcher every documented launch uses. */
    private static final Path ENTRYPOINT = CommandLine.REPOSITORY.resolve("scripts/run-service.sh");

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
                        "COPY scripts/run-service.sh /usr/local/bin/fsb-entrypoint",
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
    void imageLeavesJvmOptionsToTheLauncherAndBuildsItsArchiveAtImageBuild() throws IOException {
        List<String> runtime = finalStage(instructions(Files.readString(DOCKERFILE)));
        List<String> javaOpts =
                runtime.stream().filter(line -> line.contains("JAVA_OPTS=")).toList();
        // One ENV for the service, one for the training build (which extracts natives to /tmp).
        assertThat(javaOpts).hasSize(2);
        String env = last(runtime, "ENV");
        assertThat(env)
                .contains("-Djava.io.tmpdir=/app/tmp")
                .contains("-Dorg.bytedeco.javacpp.cachedir=/app/tmp/javacpp")
                // Heap, collector and arenas are the launcher's, set in one place for every launch.
                .doesNotContain("-Xmx")
                .doesNotContain("GC")
                .doesNotContain("MALLOC_ARENA_MAX");
        int prepare = indexOf(runtime, "RUN ", "/usr/local/bin/fsb-entrypoint --prepare");
        assertThat(prepare)
                .as("the archive is built after the application layer is in place")
                .isGreaterThan(indexOf(runtime, "COPY --from=build /layers/application/", ""))
                .isGreaterThan(indexOf(runtime, "COPY samples", ""))
                .as("and before the service's own JAVA_OPTS and user")
                .isLessThan(runtime.indexOf(env))
                .isLessThan(indexOf(runtime, "USER ", ""));
        assertThat(runtime.get(prepare)).contains("rm -rf /tmp/*");
    }

    @Test
    void launcherExecsJavaWithShippedOptionsThenJavaOptsThenEveryArgumentUnchanged()
            throws Exception {
        Path log = temp.resolve("java-args");
        Path java = fakeJdk("17.0.15", log, 0);
        CommandLine.Result result =
                CommandLine.run(
                        List.of(
                                "sh",
                                "-c",
                                "echo $$ > "
                                        + temp.resolve("shell-pid")
                                        + "; exec bash "
                                        + ENTRYPOINT
                                        + " \"$@\"",
                                "sh",
                                "--fsb.job.run-once=true",
                                "--fsb.job.prefix=two words"),
                        temp,
                        launcherEnvironment(java, "-Xmx64m -Dfile.encoding=UTF-8"));

        assertThat(result.exitCode()).as(result.output()).isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.get(1)).isEqualTo("MALLOC_ARENA_MAX=2");
        List<String> arguments = lines.subList(2, lines.size());
        assertThat(arguments)
                .startsWith(
                        "-XX:+UseSerialGC",
                        "-Xms32m",
                        "-Xmx128m",
                        "-XX:MaxMetaspaceSize=128m",
                        "-XX:ReservedCodeCacheSize=64m",
                        "-Xss512k",
                        "-XX:MaxDirectMemorySize=64m",
                        "-XX:+ExitOnOutOfMemoryError",
                        "-XX:TieredStopAtLevel=1")
                .endsWith(
                        "-Xmx64m",
                        "-Dfile.encoding=UTF-8",
                        "-jar",
                        "/app/faiss-shard-builder.jar",
                        "--fsb.job.run-once=true",
                        "--fsb.job.prefix=two words")
                // Java 17 has no restricted native access to allow, and no archive was built.
                .noneMatch(argument -> argument.startsWith("--enable-native-access"))
                .noneMatch(argument -> argument.startsWith("-XX:SharedArchiveFile"));
        // exec: java replaced the shell, so it is the process the container engine signals.
        assertThat(lines.get(0)).isEqualTo(Files.readString(temp.resolve("shell-pid")).strip());
    }

    @Test
    void launcherWithoutJavaOptsPassesNoEmptyArgumentAndReturnsJavasExitCode() throws Exception {
        Path log = temp.resolve("java-args");
        Path java = fakeJdk("17.0.15", log, 2);
        CommandLine.Result result =
                CommandLine.run(
                        List.of("bash", ENTRYPOINT.toString()),
                        temp,
                        launcherEnvironment(java, null));
        assertThat(result.exitCode()).isEqualTo(2);
        List<String> arguments = Files.readAllLines(log);
        assertThat(arguments.subList(2, arguments.size()))
                .doesNotContain("")
                .endsWith("-XX:TieredStopAtLevel=1", "-jar", "/app/faiss-shard-builder.jar");
    }

    @Test
    void launcherMapsAFreshArchiveAndSkipsAStaleOneWithANote() throws Exception {
        Path jar = Files.writeString(temp.resolve("faiss-shard-builder.jar"), "jar");
        Path archive = Files.writeString(temp.resolve("faiss-shard-builder.jdk17.jsa"), "cds");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_000_000L));
        Path java = fakeJdk("17.0.15", temp.resolve("unused"), 0);
        Map<String, String> env = launcherEnvironment(java, null);
        env.put("FSB_JAR", jar.toString());

        CommandLine.Result fresh = printCommand(env);
        assertThat(fresh.output()).contains("-XX:SharedArchiveFile=" + archive + "\n");

        Files.setLastModifiedTime(archive, FileTime.fromMillis(1_600_000_000_000L));
        CommandLine.Result stale = printCommand(env);
        assertThat(stale.exitCode()).isZero();
        assertThat(stale.output())
                .doesNotContain("SharedArchiveFile")
                .contains("is older than " + jar + "; starting without");

        env.put("FSB_ARCHIVE", "off");
        Files.setLastModifiedTime(archive, FileTime.fromMillis(1_800_000_000_000L));
        assertThat(printCommand(env).output()).doesNotContain("SharedArchiveFile");
    }

    @Test
    void launcherOnJava25UsesTheAotCacheAndAllowsNativeAccess() throws Exception {
        Path jar = Files.writeString(temp.resolve("faiss-shard-builder.jar"), "jar");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_000_000L));
        Path cache = Files.writeString(temp.resolve("faiss-shard-builder.jdk25.aot"), "aot");
        Map<String, String> env =
                launcherEnvironment(fakeJdk("25.0.3", temp.resolve("unused"), 0), null);
        env.put("FSB_JAR", jar.toString());
        assertThat(printCommand(env).output())
                .contains("\n--enable-native-access=ALL-UNNAMED\n")
                .contains("\n-XX:AOTCache=" + cache + "\n");
    }

    @Test
    void launcherPrefersTheNewestInstalledJava25OverAnOlderJavaOnThePath() throws Exception {
        Path jar = Files.writeString(temp.resolve("faiss-shard-builder.jar"), "jar");
        Path onPath = fakeJdk("17.0.15", temp.resolve("unused"), 0);
        fakeJdk("21.0.7", temp.resolve("unused"), 0);
        fakeJdk("25.0.3", temp.resolve("unused"), 0);
        Path newest = fakeJdk("26.0.1", temp.resolve("unused"), 0);
        Map<String, String> env = launcherEnvironment(onPath, null);
        env.put("JAVA", null);
        env.put("PATH", onPath.getParent() + ":/usr/bin:/bin");
        env.put("FSB_JVM_ROOT", temp.toString());
        env.put("FSB_JAR", jar.toString());

        List<String> command = printCommand(env).output().lines().toList();
        assertThat(command.get(0)).isEqualTo(newest.toString());
        assertThat(command).contains("--enable-native-access=ALL-UNNAMED");

        // A runtime someone named is the one that runs, whatever else is installed.
        env.put("JAVA_HOME", onPath.getParent().getParent().toString());
        assertThat(printCommand(env).output().lines().findFirst()).contains(onPath.toString());
        env.put("JAVA_HOME", null);
        env.put("JAVA", onPath.toString());
        assertThat(printCommand(env).output().lines().findFirst()).contains(onPath.toString());
    }

    @Test
    void launcherKeepsTheJavaOnThePathWhenItIsJava25OrNewer() throws Exception {
        Path jar = Files.writeString(temp.resolve("faiss-shard-builder.jar"), "jar");
        Path onPath = fakeJdk("25.0.3", temp.resolve("unused"), 0);
        fakeJdk("26.0.1", temp.resolve("unused"), 0);
        Map<String, String> env = launcherEnvironment(onPath, null);
        env.put("JAVA", null);
        env.put("PATH", onPath.getParent() + ":/usr/bin:/bin");
        env.put("FSB_JVM_ROOT", temp.toString());
        env.put("FSB_JAR", jar.toString());
        // "java": the one on the PATH, not the newer one installed beside it.
        assertThat(printCommand(env).output().lines().findFirst()).contains("java");
    }

    @Test
    void prepareTrainsOnTheBundledSamplesIntoAScratchFolderAndKeepsTheArchive() throws Exception {
        Path jar = Files.writeString(temp.resolve("faiss-shard-builder.jar"), "jar");
        Path log = temp.resolve("java-args");
        Map<String, String> env = launcherEnvironment(fakeJdk("17.0.15", log, 0), null);
        env.put("FSB_JAR", jar.toString());
        CommandLine.Result result =
                CommandLine.run(
                        List.of("bash", ENTRYPOINT.toString(), "--prepare"),
                        CommandLine.REPOSITORY,
                        env);

        assertThat(result.exitCode()).as(result.output()).isZero();
        Path archive = temp.resolve("faiss-shard-builder.jdk17.jsa");
        assertThat(archive).exists();
        assertThat(Files.readAllLines(log))
                .contains(
                        "-XX:ArchiveClassesAtExit=" + archive,
                        "-jar",
                        jar.toString(),
                        "--fsb.job.run-once=true",
                        "--fsb.catalog.location="
                                + CommandLine.REPOSITORY.resolve("samples/catalog.csv"),
                        "--server.port=0")
                .anyMatch(line -> line.startsWith("--fsb.storage.local.root=/"));
    }

    @Test
    void prepareThatFailsLeavesNoArchiveAndSaysWhy() throws Exception {
        Path jar = Files.writeString(temp.resolve("faiss-shard-builder.jar"), "jar");
        Map<String, String> env =
                launcherEnvironment(fakeJdk("17.0.15", temp.resolve("java-args"), 1), null);
        env.put("FSB_JAR", jar.toString());
        CommandLine.Result result =
                CommandLine.run(
                        List.of("bash", ENTRYPOINT.toString(), "--prepare"),
                        CommandLine.REPOSITORY,
                        env);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output()).contains("training run failed");
        assertThat(temp.resolve("faiss-shard-builder.jdk17.jsa")).doesNotExist();
    }

    private CommandLine.Result printCommand(Map<String, String> env) {
        return CommandLine.run(
                List.of("bash", ENTRYPOINT.toString(), "--print-java-command"), temp, env);
    }

    /** The launcher's environment in a test: the fake JDK's java, the image's jar path. */
    private static Map<String, String> launcherEnvironment(Path java, String javaOpts) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("JAVA", java.toString());
        env.put("JAVA_HOME", null);
        env.put("MALLOC_ARENA_MAX", null);
        env.put("FSB_ARCHIVE", null);
        env.put("FSB_HEAP", null);
        env.put("FSB_JVM_ROOT", null);
        env.put("FSB_JAR", "/app/faiss-shard-builder.jar");
        env.put("JAVA_OPTS", javaOpts);
        return env;
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
     * A JDK whose {@code release} file names the version and whose {@code java} writes its PID, its
     * MALLOC_ARENA_MAX and then each argument on a line of its own, creates the archive a training
     * run asks for (when it succeeds), and exits with the code.
     */
    private Path fakeJdk(String version, Path log, int exitCode) throws IOException {
        Path home = Files.createDirectories(temp.resolve("jdk-" + version));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        String script =
                """
                #!/bin/sh
                echo $$ > '%1$s'
                echo MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX >> '%1$s'
                for a in "$@"; do
                  printf '%%s\\n' "$a" >> '%1$s'
                  case "$a" in
                    -XX:ArchiveClassesAtExit=*|-XX:AOTCacheOutput=*)
                      [ %2$d -eq 0 ] && echo archive > "${a#*=}" ;;
                  esac
                done
                exit %2$d
                """
                        .formatted(log, exitCode);
        Files.writeString(java, script);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    private static int indexOf(List<String> instructions, String prefix, String containing) {
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).startsWith(prefix)
                    && instructions.get(i).contains(containing)) {
                return i;
            }
        }
        throw new AssertionError("no " + prefix + containing);
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
