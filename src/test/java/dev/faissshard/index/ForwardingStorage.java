package dev.faissshard.index;

import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** Storage that passes every call on: tests override the calls they watch or break. */
class ForwardingStorage implements StorageClient {

    private final StorageClient delegate;

    ForwardingStorage(StorageClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public void create(String key, byte[] data, String contentType) {
        delegate.create(key, data, contentType);
    }

    @Override
    public void replace(String key, byte[] data, String contentType) {
        delegate.replace(key, data, contentType);
    }

    @Override
    public byte[] get(String key) {
        return delegate.get(key);
    }

    @Override
    public InputStream open(String key) {
        return delegate.open(key);
    }

    @Override
    public Optional<byte[]> find(String key) {
        return delegate.find(key);
    }

    @Override
    public List<StoredObject> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public void delete(String key) {
        delegate.delete(key);
    }

    @Override
    public void ping() {
        delegate.ping();
    }

    @Override
    public String description() {
        return delegate.description();
    }
}
