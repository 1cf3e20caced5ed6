package dev.faissshard.index;

import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A store that passes every call to a real one, records each write ({@code create key}, {@code
 * replace key}, {@code delete key}) and each read of a given key, and can crash: the n-th write
 * throws instead of happening, as a killed process would stop.
 */
final class RecordingStorage implements StorageClient {

    /** Thrown in place of a write, as if the process died there. */
    static final class Crash extends RuntimeException {

        Crash(String write) {
            super("crash before " + write);
        }
    }

    private final StorageClient delegate;
    private final List<String> writes = new ArrayList<>();
    private final List<String> reads = new ArrayList<>();
    private int crashAt = -1;
    private int writeCount;

    RecordingStorage(StorageClient delegate) {
        this.delegate = delegate;
    }

    /** The write with this 0-based number (counted from now) throws {@link Crash}. */
    void crashAtWrite(int number) {
        crashAt = writeCount + number;
    }

    List<String> writes() {
        return List.copyOf(writes);
    }

    List<String> reads() {
        return List.copyOf(reads);
    }

    void clear() {
        writes.clear();
        reads.clear();
    }

    @Override
    public void create(String key, byte[] data, String contentType) {
        write("create " + key);
        delegate.create(key, data, contentType);
    }

    @Override
    public void replace(String key, byte[] data, String contentType) {
        write("replace " + key);
        delegate.replace(key, data, contentType);
    }

    @Override
    public void delete(String key) {
        write("delete " + key);
        delegate.delete(key);
    }

    @Override
    public byte[] get(String key) {
        reads.add(key);
        return delegate.get(key);
    }

    @Override
    public Optional<byte[]> find(String key) {
        reads.add(key);
        return delegate.find(key);
    }

    @Override
    public List<StoredObject> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public void ping() {
        delegate.ping();
    }

    @Override
    public OptionalLong maxObjectBytes() {
        return delegate.maxObjectBytes();
    }

    @Override
    public String description() {
        return delegate.description();
    }

    private void write(String write) {
        if (writeCount++ == crashAt) {
            crashAt = -1;
            throw new Crash(write);
        }
        writes.add(write);
    }
}
