package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as a batch task, the way a Kubernetes Indexed Job runs it: each worker process is
 * started with its partition, builds, and exits by itself with 0.
 */
class RunOnceJobTests {

    @TempDir Path dir;

    @Test
    void indexedWorkersRunOnceAndExitWithSuccess() throws Exception {
        try (ImageServer server = new ImageServer()) {
            StringBuilder csv = new StringBuilder("id,image_url\n");
            for (int i = 0; i < 40; i++) {
                server.image(
                        "/" + i + ".jpg",
                        ProductImageGenerator.jpeg(
                                ProductImageGenerator.render(
                                        ProductImageGenerator.catalogueSpec(i), 96),
                                0.85f));
                csv.append(5000 + i).append(',').append(server.url("/" + i + ".jpg")).append('\n');
            }
            Path catalog = Files.writeString(dir.resolve("catalog.csv"), csv);
            Path storage = dir.resolve("storage");

            Set<String> built = new HashSet<>();
            for (int index = 0; index < 2; index++) {
                int exit =
                        ServiceProcess.runOnce(
                                dir,
                                storage,
                                catalog,
                                "--fsb.job.partition-count=2",
                                "--fsb.job.partition-index=" + index);
                assertThat(exit).as("exit code of worker %d", index).isZero();
                StoredIndex.Contents color =
                        StoredIndex.read(storage.resolve("part-" + index + "-of-2"), "color");
                assertThat(color.catalogIds()).doesNotHaveDuplicates();
                color.catalogIds()
                        .forEach(id -> assertThat(built.add(id)).as("%s built once", id).isTrue());
            }
            assertThat(built).hasSize(40);
        }
    }
}
