package dev.faissshard.deploy;

import static dev.faissshard.deploy.KubernetesManifestsTests.documents;
import static dev.faissshard.deploy.KubernetesManifestsTests.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml as Compose itself reads it, without an engine: {@code docker-compose config}
 * (Debian's Compose, which validates against the Compose specification's JSON schema and
 * interpolates {@code .env}) after {@code cp .env.example .env}, as the README's first steps do.
 */
class ComposeFileTests {

    private static final String TOKEN = "write:" + "0123456789abcdef".repeat(4);

    @TempDir Path temp;

    @Test
    void composeFileValidatesAgainstTheComposeSpecification() throws IOException {
        CommandLine.Result result =
                config(envExampleWith(Map.of("FSB_API_TOKENS", TOKEN)), "config", "--quiet");
        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    void composeRejectsAFileThatBreaksTheSpecification() throws IOException {
        Path broken = temp.resolve("docker-compose.yml");
        Files.writeString(
                broken,
                Files.readString(CommandLine.REPOSITORY.resolve("docker-compose.yml"))
                        .replace(
                                "      start_period: 60s",
                                "      start_period: 60s\n      start_periods: 60s"));
        CommandLine.Result result =
                CommandLine.run(
                        List.of(
                                "docker-compose",
                                "--env-file",
                                envExampleWith(Map.of("FSB_API_TOKENS", TOKEN)).toString(),
                                "-f",
                                broken.toString(),
                                "config",
                                "--quiet"),
                        CommandLine.REPOSITORY,
                        Map.of());
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("start_periods");
    }

    @Test
    void withoutTokensComposeRefusesToStartAndSaysWhatToSet() throws IOException {
        CommandLine.Result result = config(envExampleWith(Map.of()), "config", "--quiet");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("set FSB_API_TOKENS in .env");
    }

    @Test
    void afterCopyingEnvExampleTheServiceUsesTheLocalStacksBucketAndTable() throws IOException {
        Map<String, Object> service =
                service(
                        resolved(envExampleWith(Map.of("FSB_API_TOKENS", TOKEN))),
                        "faiss-shard-builder");
        Map<String, Object> environment = map(service, "environment");
        assertThat(environment)
                .containsEntry("FSB_API_TOKENS", TOKEN)
                .containsEntry("FSB_STORAGE_TYPE", "supabase")
                .containsEntry("FSB_CATALOG_TYPE", "supabase")
                .containsEntry("FSB_CATALOG_LOCATION", "images")
                .containsEntry("SUPABASE_URL", "http://gateway:8000")
                .containsEntry("SUPABASE_BUCKET", "faiss-shards")
                .doesNotContainKeys("FSB_STORAGE_LOCAL_ROOT", "PORT");
        assertThat(map(service, "healthcheck").get("test"))
                .isEqualTo(List.of("CMD", "/usr/local/bin/fsb-healthcheck"));
    }

    @Test
    void portMovesOnlyTheHostSideAndEveryPortIsPublishedOnLoopback() throws IOException {
        Map<String, Object> compose =
                resolved(envExampleWith(Map.of("FSB_API_TOKENS", TOKEN, "PORT", "9090")));
        Map<String, Object> service = service(compose, "faiss-shard-builder");
        assertThat(service.get("ports")).isEqualTo(List.of("127.0.0.1:9090:8080/tcp"));
        // Tomcat, the healthcheck (SERVER_PORT) and the mapping's container side stay on 8080.
        assertThat(map(service, "environment")).containsEntry("SERVER_PORT", "8080");
        int published = 0;
        for (Map.Entry<String, Object> entry : map(compose, "services").entrySet()) {
            @SuppressWarnings("unchecked")
            List<String> ports =
                    (List<String>)
                            ((Map<String, Object>) entry.getValue())
                                    .getOrDefault("ports", List.of());
            for (String port : ports) {
                assertThat(port).as("port of %s", entry.getKey()).startsWith("127.0.0.1:");
                published++;
            }
        }
        assertThat(published)
                .as("service, PostgreSQL, gateway and the admin profile's Spring Boot Admin")
                .isEqualTo(4);
        assertThat(service(compose, "admin").get("profiles")).isEqualTo(List.of("admin"));
    }

    @Test
    void envExampleAsShippedIsALocalOnlySetupWithACatalogueFile() throws IOException {
        Map<String, String> settings =
                activeSettings(Files.readString(CommandLine.REPOSITORY.resolve(".env.example")));
        assertThat(settings)
                .containsEntry("FSB_STORAGE_TYPE", "local")
                .containsEntry("FSB_CATALOG_TYPE", "auto")
                .doesNotContainKeys("SUPABASE_URL", "SUPABASE_KEY", "DATABASE_URL");
        assertThat(CommandLine.REPOSITORY.resolve(settings.get("FSB_CATALOG_LOCATION")))
                .isRegularFile();
        assertThat(settings).containsKey("FSB_API_TOKENS");
    }

    private Path envExampleWith(Map<String, String> overrides) throws IOException {
        Map<String, String> remaining = new LinkedHashMap<>(overrides);
        StringBuilder env = new StringBuilder();
        for (String line : Files.readAllLines(CommandLine.REPOSITORY.resolve(".env.example"))) {
            String key =
                    line.contains("=") && !line.startsWith("#")
                            ? line.substring(0, line.indexOf('='))
                            : null;
            env.append(
                            key != null && remaining.containsKey(key)
                                    ? key + "=" + remaining.remove(key)
                                    : line)
                    .append('\n');
        }
        remaining.forEach((key, value) -> env.append(key).append('=').append(value).append('\n'));
        Path file = temp.resolve(".env");
        Files.writeString(file, env);
        return file;
    }

    private static CommandLine.Result config(Path envFile, String... arguments) {
        List<String> command =
                new java.util.ArrayList<>(
                        List.of(
                                "docker-compose",
                                "--env-file",
                                envFile.toString(),
                                "-f",
                                "docker-compose.yml"));
        command.addAll(List.of(arguments));
        // Interpolation reads the process environment before .env: keep the caller's settings out.
        Map<String, String> environment = new LinkedHashMap<>();
        for (String key :
                List.of(
                        "FSB_API_TOKENS",
                        "PORT",
                        "SUPABASE_URL",
                        "SUPABASE_KEY",
                        "SUPABASE_BUCKET",
                        "FSB_JOB_PREFIX",
                        "POSTGRES_PASSWORD")) {
            environment.put(key, null);
        }
        return CommandLine.run(command, CommandLine.REPOSITORY, environment);
    }

    private static Map<String, Object> resolved(Path envFile) {
        CommandLine.Result result = config(envFile, "config");
        assertThat(result.exitCode()).as(result.output()).isZero();
        return documents(result.output()).get(0);
    }

    private static Map<String, Object> service(Map<String, Object> compose, String name) {
        return map(map(compose, "services"), name);
    }

    private static Map<String, String> activeSettings(String envFile) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : envFile.split("\n")) {
            if (!line.startsWith("#") && line.contains("=")) {
                settings.put(
                        line.substring(0, line.indexOf('=')),
                        line.substring(line.indexOf('=') + 1));
            }
        }
        return settings;
    }
}
