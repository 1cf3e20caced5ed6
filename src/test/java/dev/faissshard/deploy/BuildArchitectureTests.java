package dev.faissshard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JNI binding links the libfaiss.a of the architecture Maven runs on, so the image builds on
 * amd64 and arm64 alike: Maven itself resolves faiss.lib here with the JVM reporting either
 * architecture.
 */
class BuildArchitectureTests {

    @ParameterizedTest
    @CsvSource({
        "amd64, /usr/lib/x86_64-linux-gnu/libfaiss.a",
        "aarch64, /usr/lib/aarch64-linux-gnu/libfaiss.a"
    })
    void faissLibraryPathFollowsTheBuildArchitecture(String osArch, String expected) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("MAVEN_OPTS", "-Dos.arch=" + osArch);
        CommandLine.Result result =
                CommandLine.run(
                        List.of(
                                "mvn",
                                "-B",
                                "-ntp",
                                "-q",
                                "org.apache.maven.plugins:maven-help-plugin:3.5.1:evaluate",
                                "-Dexpression=faiss.lib",
                                "-DforceStdout"),
                        CommandLine.REPOSITORY,
                        environment);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output().replaceAll("\u001B\\[[0-9;]*m", "").strip()).isEqualTo(expected);
    }
}
