package dev.faissshard.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory laid out exactly like the bucket. Every write goes to a hidden temp file in the
 * target directory, is fsynced, and is then published under its final name in one step — a hard
 * link for immutable objects (which fails if the name exists, so nothing is ever clobbered), an
 * atomic rename for replaceable ones — followed by an fsync of the directory. A reader therefore
 * sees a whole object or none, also after a crash or power loss.
 */
public final class LocalStorageClient implements StorageClient {

    private static final Logger log = LoggerFactory.getLogger(LocalStorageClient.class);
    private static final String TEMP_PREFIX = ".tmp-";
    private static final int IO_SLICE = 1 << 20;

    /**
     * A temp file untouched for this long belongs to a write that died: a live write touches its
     * file until it publishes it, within seconds. Younger ones may be another process's write in
     * flight on the same directory (a second replica, a lease renewal), which must not be pulled
     * from under it.
     */
    static final Duration STALE_TEMP_AGE = Duration.ofMinutes(10);

    private final Path root;

    public LocalStorageClient(Path root) {
        try {
            this.root = Files.createDirectories(root).toRealPath();
        } catch (IOException ex) {
            throw new StorageUnavailableException(
                    "Cannot create storage directory " + root + ": " + ex.getMessage(), ex);
        }
        removeStaleTempFiles();
    }

    @Override
    public void create(String key, byte[] data, String contentType) {
        create(key, ObjectBody.of(data), contentType);
    }

    @Override
    public void create(String key, ObjectBody data, String contentType) {
        Path target = resolve(key);
        Path temp = writeTemp(target, data);
        try {
            Files.createLink(target, temp);
            syncDirectory(target.getParent());
        } catch (FileAlreadyExistsException ex) {
            throw new ObjectAlreadyExistsException("Object already exists: " + key);
        } catch (IOException ex) {
            throw new StorageException("Cannot store " + key + ": " + ex.getMessage(), ex);
        } finally {
            deleteQuietly(temp);
        }
    }

    @Override
    public void replace(String key, byte[] data, String contentType) {
        replace(key, ObjectBody.of(data), contentType);
    }

    @Override
    public void replace(String key, ObjectBody data, String contentType) {
        Path target = resolve(key);
        Path temp = writeTemp(target, data);
        try {
            Files.move(
                    temp,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(target.getParent());
        } catch (AtomicMoveNotSupportedException ex) {
            deleteQuietly(temp);
            throw new StorageException(
                    "The file system under " + root + " cannot rename atomically", ex);
        } catch (IOException ex) {
            deleteQuietly(temp);
            throw new StorageException("Cannot store " + key + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public byte[] get(String key) {
        return find(key).orElseThrow(() -> new ObjectNotFoundException("Object not found: " + key));
    }

    @Override
    public InputStream open(String key) {
        try {
            return Files.newInputStream(resolve(key));
        } catch (NoSuchFileException ex) {
            throw new ObjectNotFoundException("Object not found: " + key);
        } catch (IOException ex) {
            throw new StorageException("Cannot read " + key + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public Optional<byte[]> find(String key) {
        try {
            return Optional.of(read(resolve(key)));
        } catch (NoSuchFileException ex) {
            return Optional.empty();
        } catch (IOException ex) {
            throw new StorageException("Cannot read " + key + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public List<StoredObject> list(String prefix) {
        List<StoredObject> objects = new ArrayList<>();
        // Walk only the deepest folder the prefix names, not the whole store.
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (!start.normalize().startsWith(root) || !Files.isDirectory(start)) {
            return objects;
        }
        try {
            Files.walkFileTree(
                    start,
                    new PassingVanishedFiles() {
                        @Override
                        public FileVisitResult visitFile(
                                Path file, BasicFileAttributes attributes) {
                            String key = root.relativize(file).toString().replace('\\', '/');
                            if (attributes.isRegularFile()
                                    && !file.getFileName().toString().startsWith(TEMP_PREFIX)
                                    && key.startsWith(prefix)) {
                                objects.add(new StoredObject(key, attributes.size()));
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException | UncheckedIOException ex) {
            throw new StorageException("Cannot list " + prefix + ": " + ex.getMessage(), ex);
        }
        objects.sort((a, b) -> a.key().compareTo(b.key()));
        return objects;
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(resolve(key));
        } catch (IOException ex) {
            throw new StorageException("Cannot delete " + key + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void ping() {
        if (!Files.isDirectory(root) || !Files.isWritable(root)) {
            throw new StorageUnavailableException(
                    "Storage directory " + root + " is not a writable directory");
        }
    }

    @Override
    public String description() {
        return "local:" + root;
    }

    Path root() {
        return root;
    }

    private Path resolve(String key) {
        StorageKeys.check(key);
        // Names of files being written are this store's own; a key may never reach one.
        for (String segment : key.split("/")) {
            if (segment.startsWith(TEMP_PREFIX)) {
                throw new IllegalArgumentException("Invalid object key '" + key + "'");
            }
        }
        return root.resolve(key);
    }

    /**
     * Like {@link Files#readAllBytes}, but through slices, for the reason given in {@link
     * #writeTemp}.
     */
    private static byte[] read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException(
                        file + " is too large to read into memory (" + size + " bytes)");
            }
            byte[] data = new byte[(int) size];
            for (int offset = 0; offset < data.length; ) {
                int read =
                        channel.read(
                                ByteBuffer.wrap(
                                        data, offset, Math.min(IO_SLICE, data.length - offset)));
                if (read < 0) {
                    throw new IOException(file + " shrank while being read");
                }
                offset += read;
            }
            return data;
        }
    }

    private Path writeTemp(Path target, ObjectBody data) {
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            temp = target.resolveSibling(TEMP_PREFIX + UUID.randomUUID());
            try (FileChannel channel =
                    FileChannel.open(
                            temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                // Slice by slice: a channel copies a heap buffer into a temporary direct buffer of
                // the
                // same size, which the JDK then keeps cached for the thread, so one write of a 45
                // MB shard
                // left 45 MB of native memory behind.
                for (long offset = 0; offset < data.size(); offset += IO_SLICE) {
                    ByteBuffer buffer =
                            data.slice(offset, (int) Math.min(IO_SLICE, data.size() - offset));
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
                channel.force(true);
            }
            return temp;
        } catch (IOException ex) {
            if (temp != null) {
                deleteQuietly(temp);
            }
            throw new StorageException(
                    "Cannot write under " + target.getParent() + ": " + ex.getMessage(), ex);
        }
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private void removeStaleTempFiles() {
        Instant staleBefore = Instant.now().minus(STALE_TEMP_AGE);
        try {
            Files.walkFileTree(
                    root,
                    new PassingVanishedFiles() {
                        @Override
                        public FileVisitResult visitFile(
                                Path file, BasicFileAttributes attributes) {
                            if (file.getFileName().toString().startsWith(TEMP_PREFIX)
                                    && lastModified(file).isBefore(staleBefore)) {
                                log.info("Removing {}, a temp file of an interrupted write", file);
                                deleteQuietly(file);
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException | UncheckedIOException ex) {
            log.warn("Could not scan {} for stale temp files: {}", root, ex.getMessage());
        }
    }

    /** A file gone meanwhile was published or removed by its writer: never stale. */
    private static Instant lastModified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException gone) {
            return Instant.MAX;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ex) {
            log.warn("Could not delete temp file {}: {}", file, ex.getMessage());
        }
    }

    /**
     * Walks on past a file that went away between the listing and the look: another writer's
     * temporary file, published (renamed) or removed meanwhile.
     */
    private abstract static class PassingVanishedFiles extends SimpleFileVisitor<Path> {

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
            if (failure instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
            }
            throw failure;
        }
    }
}
