package dev.faissshard.job;

import dev.faissshard.index.IndexLayout;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StorageException;
import dev.faissshard.storage.StoredObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finished jobs kept in storage, so that they are still listed after a restart: one small object
 * per index, {@code [prefix/]faiss/job-history.json}, that a job appends its final view to when it
 * ends (once per job, not per batch), while it still holds the index's lease, so no two processes
 * write it at once. It keeps the newest {@value #MAX_ENTRIES_PER_INDEX} jobs of its index.
 *
 * <p>The jobs of every index in the store are read once, on first use, by listing the store (as
 * {@code GET /indexes} does); those that end later are added as they are recorded.
 */
@Component
class JobHistory {

    private static final Logger log = LoggerFactory.getLogger(JobHistory.class);

    /** Key of the history object, relative to an index's prefix. */
    static final String FILE = "faiss/job-history.json";

    static final int MAX_ENTRIES_PER_INDEX = 100;

    /** A history of 100 job views is about 150 KB; anything far larger is not ours. */
    private static final int MAX_BYTES = 4 << 20;

    private final StorageClient storage;
    private final JsonMapper json;
    private final Map<String, JobView> recorded = new ConcurrentHashMap<>();
    private volatile boolean loaded;

    JobHistory(StorageClient storage, JsonMapper json) {
        this.storage = storage;
        // A newer service may add fields to the view; an older one still lists the job.
        this.json =
                json.rebuild().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    }

    /**
     * The stored history of one index.
     *
     * @param formatVersion {@link #FORMAT_VERSION}
     * @param jobs oldest first, each the job's view when it ended
     */
    record HistoryFile(int formatVersion, List<JobView> jobs) {

        static final int FORMAT_VERSION = 1;

        HistoryFile {
            jobs = jobs == null ? List.of() : List.copyOf(jobs);
        }
    }

    /**
     * Appends a finished job to its index's history. A store that cannot be written costs the
     * history entry, never the job's outcome, which is already decided.
     */
    void record(Job job) {
        if (recorded.containsKey(job.id())) {
            return; // a job that never started is ended by its cancel and again by its worker
        }
        JobView view = JobView.of(job, job.finishedAt() == null ? Instant.now() : job.finishedAt());
        String key = key(job.spec().layout());
        try {
            List<JobView> jobs =
                    new ArrayList<>(read(key).map(HistoryFile::jobs).orElse(List.of()));
            jobs.removeIf(earlier -> earlier.id().equals(view.id()));
            jobs.add(view);
            while (jobs.size() > MAX_ENTRIES_PER_INDEX) {
                jobs.remove(0);
            }
            storage.replace(
                    key,
                    json.writeValueAsBytes(new HistoryFile(HistoryFile.FORMAT_VERSION, jobs)),
                    "application/json");
        } catch (StorageException | JacksonException | IllegalStateException ex) {
            log.warn(
                    "Job {} ended {} but its history entry could not be written: {}",
                    job.id(),
                    view.state(),
                    ex.toString());
        }
        recorded.put(view.id(), view.asFromHistory());
    }

    /** Every finished job in the store's histories, newest first. */
    List<JobView> all() {
        loadOnce();
        return recorded.values().stream()
                .sorted(Comparator.comparing(JobView::createdAt).reversed())
                .toList();
    }

    /** A finished job of the histories. */
    Optional<JobView> find(String id) {
        loadOnce();
        return Optional.ofNullable(recorded.get(id));
    }

    /** The finished jobs of one index, oldest first (for measured rates). */
    List<JobView> of(IndexLayout layout) {
        return all().stream()
                .filter(view -> view.prefix().equals(layout.prefix()))
                .sorted(Comparator.comparing(JobView::createdAt))
                .toList();
    }

    static String key(IndexLayout layout) {
        return layout.absolute(FILE);
    }

    private synchronized void loadOnce() {
        if (loaded) {
            return;
        }
        try {
            for (StoredObject object : storage.list("")) {
                String key = object.key();
                if (key.equals(FILE) || key.endsWith("/" + FILE)) {
                    read(key)
                            .ifPresent(
                                    file ->
                                            file.jobs()
                                                    .forEach(
                                                            view ->
                                                                    recorded.putIfAbsent(
                                                                            view.id(),
                                                                            view.asFromHistory())));
                }
            }
            loaded = true;
        } catch (StorageException ex) {
            // Tried again on the next listing.
            log.warn("The job histories could not be read from storage: {}", ex.toString());
        }
    }

    private Optional<HistoryFile> read(String key) {
        Optional<byte[]> data = storage.find(key);
        if (data.isEmpty()) {
            return Optional.empty();
        }
        if (data.get().length > MAX_BYTES) {
            log.warn("{} is larger than {} bytes; its jobs are not listed", key, MAX_BYTES);
            return Optional.empty();
        }
        try {
            HistoryFile file = json.readValue(data.get(), HistoryFile.class);
            if (file.formatVersion() > HistoryFile.FORMAT_VERSION) {
                log.warn("{} has a newer format version; its jobs are not listed", key);
                return Optional.empty();
            }
            return Optional.of(file);
        } catch (JacksonException ex) {
            log.warn("{} is not a readable job history; its jobs are not listed", key);
            return Optional.empty();
        }
    }
}
