package dev.faissshard.index;

import dev.faissshard.storage.StorageClient;
import java.util.Optional;
import java.util.SortedMap;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Reads and atomically replaces {@code progress.json}. */
@Component
public class ProgressStore {

    private final JsonMapper json;

    public ProgressStore(JsonMapper json) {
        // Unknown fields are tolerated so that a newer minor writer does not break an older reader;
        // an incompatible change bumps the format version instead.
        this.json =
                json.rebuild()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .build();
    }

    public Optional<Progress> load(IndexLayout layout, StorageClient storage) {
        return storage.find(layout.progressKey()).map(data -> parse(layout.progressKey(), data));
    }

    /**
     * The failures recorded for the index at this layout (empty without progress), read through
     * {@link FailureLog}. A job compacting the log meanwhile may delete an object the progress just
     * read names: then the progress is read again, since it names the compacted object by now.
     */
    public Optional<SortedMap<String, FailureRecord>> failures(
            IndexLayout layout, StorageClient storage) {
        for (int attempt = 1; ; attempt++) {
            Optional<Progress> progress = load(layout, storage);
            if (progress.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(failures(layout, storage, progress.get()));
            } catch (FailureLogUnavailableException ex) {
                if (attempt >= 3) {
                    throw ex;
                }
            }
        }
    }

    /** The failures {@code progress} records (see {@link FailureLog#read}). */
    public SortedMap<String, FailureRecord> failures(
            IndexLayout layout, StorageClient storage, Progress progress) {
        return FailureLog.read(layout, storage, progress, json);
    }

    /** The failure log of an index opened for a run. */
    FailureLog openFailureLog(IndexLayout layout, StorageClient storage, Progress progress) {
        return FailureLog.open(layout, storage, progress, json);
    }

    /** Writes the progress; returns its size in bytes. */
    public long save(IndexLayout layout, StorageClient storage, Progress progress) {
        byte[] data = json.writeValueAsBytes(progress);
        storage.replace(layout.progressKey(), data, "application/json");
        return data.length;
    }

    Progress parse(String key, byte[] data) {
        Progress progress;
        try {
            progress = json.readValue(data, Progress.class);
        } catch (JacksonException ex) {
            throw new CorruptProgressException(
                    key + " is not valid progress JSON: " + ex.getOriginalMessage(), ex);
        }
        if (progress.formatVersion() > Progress.FORMAT_VERSION) {
            throw new CorruptProgressException(
                    key
                            + " has format version "
                            + progress.formatVersion()
                            + ", newer than this service understands ("
                            + Progress.FORMAT_VERSION
                            + "); upgrade the service");
        }
        return progress;
    }

    byte[] serialize(Progress progress) {
        return json.writeValueAsBytes(progress);
    }
}
