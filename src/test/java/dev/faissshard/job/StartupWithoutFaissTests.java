package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine where the FAISS binding cannot load: the service refuses to start with one short report
 * naming what to install, not a stack trace whose cause hides at the bottom.
 */
class StartupWithoutFaissTests {

    @TempDir Path dir;

    @Test
    void missingNativeLibraryStopsStartupWithAnActionableReport() throws Exception {
        Path catalog = Files.writeString(dir.resolve("catalog.csv"), "id,image_url\n");
        // JavaCPP then looks for the binding of another platform, which the jar does not carry: a
        // real
        // load failure, as on a machine without the library.
        ServiceProcess.Exited exited =
                ServiceProcess.runToExit(
                        dir,
                        dir.resolve("storage"),
                        catalog,
                        List.of("-Dorg.bytedeco.javacpp.platform=linux-arm64"),
                        List.of());
        assertThat(exited.exitCode()).isEqualTo(1);
        assertThat(exited.log())
                .contains("APPLICATION FAILED TO START")
                .contains("The FAISS native library could not be loaded")
                .contains("apt-get install libgomp1 libblas3 liblapack3")
                .contains("run the container image");
    }
}
