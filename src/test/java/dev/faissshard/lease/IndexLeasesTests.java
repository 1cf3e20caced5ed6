package dev.faissshard.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.index.IndexLayout;
import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StorageProperties;
import dev.faissshard.storage.StoredObject;
import dev.faissshard.storage.supabase.SupabaseStorageClient;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The lease protocol on both kinds of store, with processes played by {@link IndexLeases} of their
 * own.
 */
class IndexLeasesTests {

    private static final LeaseProperties SETTINGS =
            new LeaseProperties(true, Duration.ofSeconds(60), Duration.ofSeconds(5));
    private static final IndexLayout INDEX = IndexLayout.at("catalogue/");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final List<AutoCloseable> closing = new ArrayList<>();

    @TempDir Path root;

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void secondProcessIsRefusedWithTheHolderNamedWhileTheFirstHoldsTheLease() {
        StorageClient storage = new LocalStorageClient(root);
        IndexLeases first = process(storage, "first");
        IndexLeases second = process(storage, "second");
        Lease held = first.acquire(INDEX, "job-1");
        assertThatThrownBy(() -> second.acquire(INDEX, "job-2"))
                .isInstanceOf(IndexLeaseHeldException.class)
                .hasMessageContaining("owner first")
                .hasMessageContaining("job job-1")
                .extracting(ex -> ((IndexLeaseHeldException) ex).holder().ownerId())
                .isEqualTo("first");
        held.checkHeld();
        held.close();
        Lease next = second.acquire(INDEX, "job-2");
        assertThat(next.generation()).isEqualTo(2);
        assertThat(keys(storage))
                .containsExactly("catalogue/faiss/lease/00000000000000000002.json");
    }

    @Test
    void otherIndexesAndPartitionsLeaseSeparately() {
        StorageClient storage = new LocalStorageClient(root);
        IndexLeases first = process(storage, "first");
        IndexLeases second = process(storage, "second");
        first.acquire(INDEX, "job-1");
        second.acquire(IndexLayout.at("other/"), "job-2");
        second.acquire(IndexLayout.at("catalogue/part-0-of-2/"), "job-3");
        assertThatThrownBy(() -> second.acquire(INDEX, "job-4"))
                .isInstanceOf(IndexLeaseHeldException.class);
    }

    @Test
    void leaseOfAKilledProcessIsTakenOverOnceExpiredAndTheOldHolderStopsWriting() {
        StorageClient storage = new LocalStorageClient(root);
        IndexLeases killed = process(storage, "killed");
        IndexLeases next = process(storage, "next");
        Lease old = killed.acquire(INDEX, "job-1");
        clock.advance(Duration.ofSeconds(60));
        // Expired by the holder's clock, but within the clock skew others allow: still refused.
        assertThatThrownBy(() -> next.acquire(INDEX, "job-2"))
                .isInstanceOf(IndexLeaseHeldException.class);
        assertThatThrownBy(old::checkHeld)
                .isInstanceOf(LeaseLostException.class)
                .hasMessageContaining("could not be renewed");
        clock.advance(Duration.ofSeconds(6));
        Lease taken = next.acquire(INDEX, "job-2");
        assertThat(taken.generation()).isEqualTo(2);
        assertThat(keys(storage))
                .containsExactly("catalogue/faiss/lease/00000000000000000002.json");
        // The old holder wakes up (a long GC pause, say): its renewal finds the newer generation.
        old.renew();
        assertThatThrownBy(old::checkHeld)
                .isInstanceOf(LeaseLostException.class)
                .hasMessageContaining("taken over by next");
        old.close();
        assertThat(keys(storage))
                .containsExactly("catalogue/faiss/lease/00000000000000000002.json");
        taken.checkHeld();
    }

    @Test
    void leaseOfAProcessGoneFromThisMachineIsTakenOverAtOnce() throws Exception {
        StorageClient storage = new LocalStorageClient(root);
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        IndexLeases killed =
                new IndexLeases(
                        storage, SETTINGS, clock, JSON, "killed", "boot pid:[1]", exited.pid());
        IndexLeases restarted =
                new IndexLeases(
                        storage,
                        SETTINGS,
                        clock,
                        JSON,
                        "restarted",
                        "boot pid:[1]",
                        ProcessHandle.current().pid());
        closing.add(killed::destroy);
        closing.add(restarted::destroy);
        killed.acquire(INDEX, "job-1");
        // No time has passed: the lease is live, but its owner's process id no longer runs here.
        assertThat(restarted.acquire(INDEX, "job-2").generation()).isEqualTo(2);
    }

    @Test
    void leaseOfALiveProcessOrOfAnotherMachineIsNotTakenOverBeforeItExpires() {
        StorageClient storage = new LocalStorageClient(root);
        long live = ProcessHandle.current().pid();
        IndexLeases holder =
                new IndexLeases(storage, SETTINGS, clock, JSON, "holder", "boot pid:[1]", live);
        IndexLeases sameMachine =
                new IndexLeases(storage, SETTINGS, clock, JSON, "same", "boot pid:[1]", live + 1);
        IndexLeases elsewhere =
                new IndexLeases(
                        storage, SETTINGS, clock, JSON, "elsewhere", "other-boot pid:[1]", live);
        closing.add(holder::destroy);
        closing.add(sameMachine::destroy);
        closing.add(elsewhere::destroy);
        holder.acquire(INDEX, "job-1");
        assertThatThrownBy(() -> sameMachine.acquire(INDEX, "job-2"))
                .isInstanceOf(IndexLeaseHeldException.class);
        assertThatThrownBy(() -> elsewhere.acquire(INDEX, "job-3"))
                .isInstanceOf(IndexLeaseHeldException.class);
    }

    @Test
    void renewalKeepsTheLeaseBeyondItsFirstExpiry() {
        StorageClient storage = new LocalStorageClient(root);
        IndexLeases holder = process(storage, "holder");
        IndexLeases other = process(storage, "other");
        Lease lease = holder.acquire(INDEX, "job-1");
        for (int tick = 0; tick < 10; tick++) {
            clock.advance(Duration.ofSeconds(20));
            lease.renew();
            lease.checkHeld();
        }
        assertThatThrownBy(() -> other.acquire(INDEX, "job-2"))
                .isInstanceOf(IndexLeaseHeldException.class);
        assertThat(holder.holder(INDEX))
                .get()
                .extracting(LeaseRecord::expiresAt)
                .isEqualTo(clock.instant().plus(Duration.ofSeconds(60)));
    }

    @Test
    void ofProcessesRacingForAnExpiredLeaseOnAFolderExactlyOneWins() throws Exception {
        racingForAnExpiredLeaseExactlyOneWins(new LocalStorageClient(root));
    }

    @Test
    void ofProcessesRacingForAnExpiredLeaseOnSupabaseExactlyOneWins() throws Exception {
        SupabaseEmulator emulator = new SupabaseEmulator();
        closing.add(emulator);
        emulator.createBucket("shards", false, null);
        SupabaseProperties properties =
                new SupabaseProperties(
                        URI.create(emulator.url()),
                        SupabaseEmulator.SERVICE_KEY,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(15),
                        new SupabaseProperties.Retry(
                                3, Duration.ofMillis(10), Duration.ofSeconds(1), 2.0));
        SupabaseStorageApi api = SupabaseStorageApi.create(WebClient.builder(), properties, JSON);
        closing.add(api);
        SupabaseStorageClient storage =
                new SupabaseStorageClient(
                        api,
                        new StorageProperties.Supabase(
                                "shards",
                                false,
                                DataSize.ofBytes(0),
                                DataSize.ofMegabytes(6),
                                DataSize.ofMegabytes(6),
                                1000));
        racingForAnExpiredLeaseExactlyOneWins(storage);
    }

    @Test
    void objectsOutsideTheLeaseNamingSchemeAreLeftAlone() {
        StorageClient storage = new LocalStorageClient(root);
        storage.create("catalogue/faiss/lease/notes.txt", new byte[] {1}, "text/plain");
        storage.create("catalogue/faiss/lease/123.json", new byte[] {2}, "application/json");
        IndexLeases holder = process(storage, "holder");
        holder.acquire(INDEX, "job-1").close();
        holder.acquire(INDEX, "job-2");
        assertThat(keys(storage))
                .containsExactly(
                        "catalogue/faiss/lease/00000000000000000002.json",
                        "catalogue/faiss/lease/123.json",
                        "catalogue/faiss/lease/notes.txt");
    }

    @Test
    void unreadableLeaseIsTreatedAsExpired() {
        StorageClient storage = new LocalStorageClient(root);
        storage.create(
                "catalogue/faiss/lease/00000000000000000007.json",
                "not json".getBytes(),
                "application/json");
        Lease lease = process(storage, "holder").acquire(INDEX, "job-1");
        assertThat(lease.generation()).isEqualTo(8);
    }

    @Test
    void disabledLeasesWriteNothingAndAlwaysHold() {
        StorageClient storage = new LocalStorageClient(root);
        IndexLeases off =
                new IndexLeases(
                        storage,
                        new LeaseProperties(false, Duration.ofSeconds(60), Duration.ZERO),
                        clock,
                        JSON,
                        "off");
        closing.add(off::destroy);
        Lease lease = off.acquire(INDEX, "job-1");
        off.acquire(INDEX, "job-2").checkHeld();
        lease.checkHeld();
        assertThat(keys(storage)).isEmpty();
    }

    private void racingForAnExpiredLeaseExactlyOneWins(StorageClient storage) throws Exception {
        process(storage, "killed").acquire(INDEX, "job-0");
        clock.advance(Duration.ofSeconds(66));
        int racers = 6;
        CyclicBarrier start = new CyclicBarrier(racers);
        ExecutorService threads = Executors.newFixedThreadPool(racers);
        List<Future<Lease>> outcomes = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            IndexLeases racer = process(storage, "racer-" + i);
            Callable<Lease> race =
                    () -> {
                        start.await();
                        try {
                            return racer.acquire(INDEX, "job");
                        } catch (IndexLeaseHeldException refused) {
                            return null;
                        }
                    };
            outcomes.add(threads.submit(race));
        }
        List<Lease> won = new ArrayList<>();
        for (Future<Lease> outcome : outcomes) {
            Lease lease = outcome.get();
            if (lease != null) {
                won.add(lease);
            }
        }
        threads.shutdown();
        assertThat(won).hasSize(1);
        assertThat(won.get(0).generation()).isEqualTo(2);
        won.get(0).checkHeld();
    }

    private IndexLeases process(StorageClient storage, String owner) {
        IndexLeases leases = new IndexLeases(storage, SETTINGS, clock, JSON, owner);
        closing.add(leases::destroy);
        return leases;
    }

    private static List<String> keys(StorageClient storage) {
        return storage.list("catalogue/faiss/lease/").stream().map(StoredObject::key).toList();
    }
}
