package dev.faissshard.storage.supabase;

import dev.faissshard.storage.BucketNotFoundException;
import dev.faissshard.storage.ObjectAlreadyExistsException;
import dev.faissshard.storage.ObjectBody;
import dev.faissshard.storage.ObjectNotFoundException;
import dev.faissshard.storage.ObjectTooLargeException;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StorageException;
import dev.faissshard.storage.StorageKeys;
import dev.faissshard.storage.StorageProperties;
import dev.faissshard.storage.StoredObject;
import dev.faissshard.supabase.BucketInfo;
import dev.faissshard.supabase.ResumableUploads;
import dev.faissshard.supabase.StorageBuckets;
import dev.faissshard.supabase.StorageObjects;
import dev.faissshard.supabase.SupabaseNotFoundException;
import dev.faissshard.supabase.SupabaseStorageApi;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Supabase Storage bucket as a {@link StorageClient}, on the {@link SupabaseStorageApi}. Small
 * objects are uploaded in one request ({@code x-upsert} only where replacing is meant), larger ones
 * through the resumable endpoint; listing walks the folders and pages. Every call is retried on
 * transient failures; what still fails is translated once, by {@link SupabaseStorageErrors}.
 *
 * <p>Thread-safe.
 */
public final class SupabaseStorageClient implements StorageClient {

    private static final Logger log = LoggerFactory.getLogger(SupabaseStorageClient.class);
    // Supabase's dashboard creates these zero-byte files to make empty folders visible; they are
    // not ours.
    private static final String FOLDER_PLACEHOLDER = ".emptyFolderPlaceholder";

    /**
     * Creates larger than this ask first whether the key exists; below it, the round trip costs
     * more.
     */
    private static final int EXISTENCE_CHECK_BYTES = 1024 * 1024;

    /** Appended to an object's key for the bookmark of its unfinished resumable upload. */
    public static final String BOOKMARK_SUFFIX = ".upload.json";

    private final StorageProperties.Supabase settings;
    private final StorageBuckets buckets;
    private final StorageObjects objects;
    private final ResumableUploads resumable;
    private final String description;
    private volatile BucketInfo bucketInfo;

    /** On {@code api}, which the caller owns and closes (image downloads share it). */
    public SupabaseStorageClient(SupabaseStorageApi api, StorageProperties.Supabase settings) {
        this.settings = settings;
        this.buckets = api.buckets();
        this.objects = api.objects();
        this.resumable = api.resumableUploads((int) settings.resumableChunkSize().toBytes());
        this.description = "supabase:" + api.baseUrl() + "/" + settings.bucket();
    }

    /**
     * Creates the bucket if configured to and it is missing, and reads its size limit. A store that
     * cannot be reached now is not fatal: health reports it, and the limit is read again on first
     * use.
     */
    public void initialize() {
        try {
            if (settings.createBucket()) {
                createBucketIfMissing();
            }
            readBucket();
        } catch (StorageException ex) {
            log.warn(
                    "Cannot read bucket {} yet ({}); its size limit is checked on first use",
                    settings.bucket(),
                    ex.getMessage());
        }
    }

    @Override
    public void create(String key, byte[] data, String contentType) {
        upload(key, ObjectBody.of(data), contentType, false);
    }

    @Override
    public void replace(String key, byte[] data, String contentType) {
        upload(key, ObjectBody.of(data), contentType, true);
    }

    @Override
    public void create(String key, ObjectBody data, String contentType) {
        upload(key, data, contentType, false);
    }

    @Override
    public void replace(String key, ObjectBody data, String contentType) {
        upload(key, data, contentType, true);
    }

    @Override
    public byte[] get(String key) {
        StorageKeys.check(key);
        return call("download " + key, () -> objects.download(settings.bucket(), key));
    }

    @Override
    public Optional<byte[]> find(String key) {
        try {
            return Optional.of(get(key));
        } catch (ObjectNotFoundException ex) {
            return Optional.empty();
        }
    }

    @Override
    public List<StoredObject> list(String prefix) {
        int slash = prefix.lastIndexOf('/');
        String folder = slash < 0 ? "" : prefix.substring(0, slash);
        List<StoredObject> found = new ArrayList<>();
        walk(folder, prefix, found);
        found.sort((a, b) -> a.key().compareTo(b.key()));
        return found;
    }

    @Override
    public void delete(String key) {
        StorageKeys.check(key);
        try {
            call(
                    "delete " + key,
                    () -> {
                        objects.delete(settings.bucket(), key);
                        return null;
                    });
        } catch (ObjectNotFoundException ex) {
            // Absent already; a retried delete whose first attempt went through also lands here.
        }
    }

    @Override
    public void ping() {
        call(
                "reach bucket",
                () -> {
                    buckets.ping(settings.bucket());
                    return null;
                });
    }

    @Override
    public OptionalLong maxObjectBytes() {
        BucketInfo info = bucketInfo;
        if (info == null) {
            try {
                info = readBucket();
            } catch (BucketNotFoundException ex) {
                // An anon key may write by policy yet not see the bucket row: the limit is then
                // unknown.
                return OptionalLong.empty();
            }
        }
        return info.fileSizeLimit();
    }

    @Override
    public String description() {
        return description;
    }

    private void upload(String key, ObjectBody data, String contentType, boolean upsert) {
        StorageKeys.check(key);
        OptionalLong limit = bucketInfo == null ? OptionalLong.empty() : bucketInfo.fileSizeLimit();
        if (limit.isPresent() && data.size() > limit.getAsLong()) {
            throw new ObjectTooLargeException(
                    key
                            + " is "
                            + data.size()
                            + " bytes, over the file_size_limit of bucket "
                            + settings.bucket()
                            + " ("
                            + limit.getAsLong()
                            + " bytes); not uploaded");
        }
        String operation = (upsert ? "upsert " : "upload ") + key;
        if (!upsert
                && data.size() > EXISTENCE_CHECK_BYTES
                && call("check " + key, () -> objects.exists(settings.bucket(), key))) {
            // A rebuild or a resume meets its shards again: one HEAD instead of megabytes the
            // server
            // would refuse unread.
            throw new ObjectAlreadyExistsException(
                    key
                            + " already exists in bucket "
                            + settings.bucket()
                            + " (seen before uploading)");
        }
        call(
                operation,
                () -> {
                    if (data.size() > settings.resumableThreshold().toBytes()) {
                        resumable.upload(
                                settings.bucket(),
                                key,
                                data.size(),
                                data.sha256(),
                                data::copy,
                                contentType,
                                upsert,
                                bookmark(key));
                    } else {
                        // Under the resumable threshold (6 MB by default): small enough to copy.
                        objects.upload(settings.bucket(), key, data.bytes(), contentType, upsert);
                    }
                    return null;
                });
    }

    /**
     * The URL of an unfinished resumable upload of {@code key}, kept beside it in the bucket
     * ({@link #BOOKMARK_SUFFIX}) for the next process; removed once the upload is complete.
     */
    private ResumableUploads.Bookmark bookmark(String key) {
        String bookmarkKey = key + BOOKMARK_SUFFIX;
        return new ResumableUploads.Bookmark() {
            @Override
            public Optional<byte[]> read() {
                try {
                    return Optional.of(objects.download(settings.bucket(), bookmarkKey));
                } catch (SupabaseNotFoundException absent) {
                    return Optional.empty();
                }
            }

            @Override
            public void write(byte[] record) {
                objects.upload(settings.bucket(), bookmarkKey, record, "application/json", true);
            }

            @Override
            public void delete() {
                try {
                    objects.delete(settings.bucket(), bookmarkKey);
                } catch (SupabaseNotFoundException absent) {
                    // never written (a small upload) or already removed
                }
            }
        };
    }

    private void walk(String folder, String prefix, List<StoredObject> found) {
        int pageSize = settings.listPageSize();
        for (int offset = 0; ; offset += pageSize) {
            int from = offset;
            List<StorageObjects.Entry> page =
                    call(
                            "list " + (folder.isEmpty() ? "/" : folder),
                            () -> objects.list(settings.bucket(), folder, from, pageSize));
            for (StorageObjects.Entry entry : page) {
                String key = folder.isEmpty() ? entry.name() : folder + "/" + entry.name();
                if (entry.folder()) {
                    String subfolder = key + "/";
                    if (subfolder.startsWith(prefix) || prefix.startsWith(subfolder)) {
                        walk(key, prefix, found);
                    }
                } else if (key.startsWith(prefix) && !entry.name().equals(FOLDER_PLACEHOLDER)) {
                    found.add(new StoredObject(key, entry.size()));
                }
            }
            if (page.size() < pageSize) {
                return;
            }
        }
    }

    private void createBucketIfMissing() {
        try {
            call("read bucket", () -> buckets.get(settings.bucket()));
        } catch (BucketNotFoundException missing) {
            try {
                call(
                        "create bucket",
                        () -> {
                            buckets.create(
                                    settings.bucket(),
                                    false,
                                    settings.bucketFileSizeLimit().toBytes());
                            return null;
                        });
                log.info("Created bucket {}", settings.bucket());
            } catch (ObjectAlreadyExistsException raced) {
                log.info("Bucket {} was created meanwhile by someone else", settings.bucket());
            }
        }
    }

    private BucketInfo readBucket() {
        BucketInfo info = call("read bucket", () -> buckets.get(settings.bucket()));
        bucketInfo = info;
        log.info(
                "Bucket {}: file_size_limit {}",
                info.name(),
                info.fileSizeLimit().isPresent()
                        ? info.fileSizeLimit().getAsLong() + " bytes"
                        : "none set");
        return info;
    }

    private <T> T call(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException ex) {
            throw SupabaseStorageErrors.translate(
                    operation + " in bucket " + settings.bucket(), ex);
        }
    }
}
