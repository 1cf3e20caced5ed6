package dev.faissshard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs src/test/python/test_build_index.py: deploy/modal/build_index.py imported from a
 * container-like path and from a checkout, with the recording stub of {@code modal} (no Modal
 * account in CI), under Debian's Python.
 */
class ModalAppTests {

    @Test
    void modalAppImportsAtContainerPathsAndDescribesItsImageFromTheRepositorysDockerfile() {
        String python = System.getProperty("python.debian", "/usr/bin/python3");
        CommandLine.Result result =
                CommandLine.run(
                        List.of(python, "-B", "src/test/python/test_build_index.py"),
                        CommandLine.REPOSITORY,
                        Map.of("PYTHONDONTWRITEBYTECODE", "1"));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Ran 7 tests").contains("OK");
    }
}
