package dev.faissshard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store on a real directory: bucket layout, immutability, atomic replace, listing. */
class LocalStorageClientTests {

    @TempDir Path root;

    @Test
    void objectsLandUnderTheirKeyAsPlainFiles() throws Exception {
        LocalStorageClient storage = new LocalStorageClient(root);
        storage.create(
                "shop/faiss/color_shard_001.faiss",
                new byte[] {1, 2, 3},
                "application/octet-stream");
        assertThat(root.resolve("shop/faiss/color_shard_001.faiss"))
                .hasBinaryContent(new byte[] {1, 2, 3});
        assertThat(storage.get("shop/faiss/color_shard_001.faiss")).containsExactly(1, 2, 3);
        assertThat(storage.find("shop/faiss/nothing.faiss")).isEmpty();
        assertThatThrownBy(() -> storage.get("shop/faiss/nothing.faiss"))
                .isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void createNeverOverwritesAnExistingObject() {
        LocalStorageClient storage = new LocalStorageClient(root);
        storage.create("faiss/a.faiss", new byte[] {1}, "application/octet-stream");
        assertThatThrownBy(
                        () ->
                                storage.create(
                                        "faiss/a.faiss",
                                        new byte[] {2},
                                        "application/octet-stream"))
                .isInstanceOf(ObjectAlreadyExistsException.class);
        assertThat(storage.get("faiss/a.faiss")).containsExactly(1);
        assertThat(storage.list("")).extracting(StoredObject::key).containsExactly("faiss/a.faiss");
    }

    @Test
    void readersSeeTheOldOrTheNewContentOfAReplacedObjectNeverAMix() throws Exception {
        LocalStorageClient storage = new LocalStorageClient(root);
        byte[] a = new byte[256 * 1024];
        byte[] b = new byte[256 * 1024];
        java.util.Arrays.fill(a, (byte) 'a');
        java.util.Arrays.fill(b, (byte) 'b');
        storage.replace("progress.json", a, "application/json");
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch reading = new CountDownLatch(1);
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> reads =
                    reader.submit(
                            () -> {
                                int count = 0;
                                reading.countDown();
                                while (!stop.get()) {
                                    byte[] seen = Files.readAllBytes(root.resolve("progress.json"));
                                    assertThat(seen).hasSize(a.length);
                                    assertThat(seen[0]).isEqualTo(seen[seen.length - 1]);
                                    count++;
                                }
                                return count;
                            });
            reading.await();
            for (int i = 0; i < 200; i++) {
                storage.replace("progress.json", i % 2 == 0 ? b : a, "application/json");
            }
            stop.set(true);
            assertThat(reads.get(30, TimeUnit.SECONDS)).isPositive();
        } finally {
            reader.shutdownNow();
        }
    }

    @Test
    void listIsRecursiveInKeyOrderAndHidesTempFiles() throws Exception {
        LocalStorageClient storage = new LocalStorageClient(root);
        storage.create("shop/faiss/open/b.faiss", new byte[2], "application/octet-stream");
        storage.create("shop/faiss/a.faiss", new byte[1], "application/octet-stream");
        storage.create("shop/progress.json", new byte[3], "application/json");
        storage.create("other/faiss/a.faiss", new byte[1], "application/octet-stream");
        Files.write(root.resolve("shop/faiss/.tmp-half-written"), new byte[5]);
        assertThat(storage.list("shop/"))
                .extracting(StoredObject::key)
                .containsExactly(
                        "shop/faiss/a.faiss", "shop/faiss/open/b.faiss", "shop/progress.json");
        assertThat(storage.list("shop/faiss/open/"))
                .singleElement()
                .satisfies(
                        object -> {
                            assertThat(object.key()).isEqualTo("shop/faiss/open/b.faiss");
                            assertThat(object.size()).isEqualTo(2);
                        });
        assertThat(storage.list("shop/faiss/a"))
                .extracting(StoredObject::key)
                .containsExactly("shop/faiss/a.faiss");
        assertThat(storage.list("missing/")).isEmpty();
        assertThat(storage.list("")).hasSize(4);
    }

    @Test
    void tempFilesOfAnInterruptedWriteAreRemovedAtStartup() throws Exception {
        Files.createDirectories(root.resolve("faiss"));
        Path killed = Files.write(root.resolve("faiss/.tmp-killed-mid-write"), new byte[10]);
        Files.setLastModifiedTime(
                killed,
                FileTime.from(
                        Instant.now().minus(LocalStorageClient.STALE_TEMP_AGE).minusSeconds(1)));
        new LocalStorageClient(root);
        assertThat(killed).doesNotExist();
    }

    @Test
    void aSecondClientOnTheSameDirectoryLeavesAnotherWritersTempFileAlone() throws Exception {
        // Another process's write in flight (a lease renewal of a second replica): removing its
        // temp file between write and publish would fail that write.
        Files.createDirectories(root.resolve("faiss/lease"));
        Path inFlight = Files.write(root.resolve("faiss/lease/.tmp-being-written"), new byte[10]);
        new LocalStorageClient(root);
        assertThat(inFlight).exists();
    }

    @Test
    void writesOfOneClientSurviveOtherClientsStartingOnTheSameDirectory() throws Exception {
        LocalStorageClient writer = new LocalStorageClient(root);
        AtomicBoolean done = new AtomicBoolean();
        Thread starter =
                new Thread(
                        () -> {
                            while (!done.get()) {
                                new LocalStorageClient(root);
                            }
                        });
        starter.start();
        try {
            for (int i = 0; i < 300; i++) {
                writer.create("faiss/lease/" + i + ".json", new byte[64], "application/json");
                writer.replace("faiss/lease/current.json", new byte[64], "application/json");
            }
        } finally {
            done.set(true);
            starter.join();
        }
        assertThat(writer.list("faiss/lease/")).hasSize(301);
    }

    @Test
    void deleteOfAnAbsentKeyIsNotAnError() {
        LocalStorageClient storage = new LocalStorageClient(root);
        storage.replace("a/b.json", new byte[] {1}, "application/json");
        storage.delete("a/b.json");
        storage.delete("a/b.json");
        assertThat(storage.find("a/b.json")).isEmpty();
    }

    @Test
    void keysThatEscapeTheRootAreRefused() {
        LocalStorageClient storage = new LocalStorageClient(root);
        for (String key :
                new String[] {
                    "../outside", "a/../../b", "/etc/passwd", "a//b", "a/", "", "a/.tmp-x"
                }) {
            assertThatIllegalArgumentException()
                    .as(key)
                    .isThrownBy(() -> storage.replace(key, new byte[1], "x"));
        }
        assertThat(storage.list("../")).isEmpty();
    }

    @Test
    void pingFailsWhenTheDirectoryIsGone() throws Exception {
        LocalStorageClient storage = new LocalStorageClient(root.resolve("store"));
        storage.ping();
        Files.delete(root.resolve("store"));
        assertThatThrownBy(storage::ping).isInstanceOf(StorageUnavailableException.class);
    }
}
