package dev.faissshard.supabase;

import dev.faissshard.checksum.Sha256;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Large objects through Supabase's resumable endpoint ({@code /upload/resumable}, TUS 1.0.0): one
 * creation, then the bytes in chunks. After any failed or unanswered {@code PATCH} the server is
 * asked for its offset ({@code HEAD}) and the upload continues from there, so an interruption costs
 * at most one chunk.
 *
 * <p>Across processes too: the upload's URL is kept in a {@link Bookmark} (an object beside the
 * target, written once the upload is created and removed once it is complete), so that a process
 * killed mid-upload leaves the next one a way to continue from the server's offset instead of
 * sending the whole object again. A bookmark names only the upload (its id, the length and sha256
 * of the bytes, whether it upserts), never a key or token. One that does not match the bytes, or
 * whose upload the server no longer knows (expired after an hour, terminated), is ignored and the
 * upload starts anew.
 */
public final class ResumableUploads {

    private static final Logger log = LoggerFactory.getLogger(ResumableUploads.class);
    private static final String ENDPOINT = "/upload/resumable";
    private static final String TUS_VERSION = "1.0.0";
    private static final String OFFSET = "Upload-Offset";

    /**
     * Offset conflicts in a row before giving up; each one re-reads the offset, so a few are
     * normal.
     */
    private static final int MAX_CONFLICTS = 8;

    private static final int BOOKMARK_VERSION = 1;
    private static final int MAX_UPLOAD_ID = 2048;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Where the URL of an unfinished upload waits for the next process. Failures to read, write or
     * delete it never fail the upload: it only saves bytes.
     */
    public interface Bookmark {

        Optional<byte[]> read();

        void write(byte[] record);

        void delete();

        /** Nothing kept: an interrupted upload starts again from byte 0 in the next process. */
        Bookmark NONE =
                new Bookmark() {
                    @Override
                    public Optional<byte[]> read() {
                        return Optional.empty();
                    }

                    @Override
                    public void write(byte[] record) {}

                    @Override
                    public void delete() {}
                };
    }

    /** What a bookmark holds, as JSON. */
    record BookmarkRecord(
            int formatVersion,
            String upload,
            long length,
            String sha256,
            boolean upsert,
            String createdAt) {}

    private final SupabaseHttp http;
    private final int chunkSize;

    ResumableUploads(SupabaseHttp http, int chunkSize) {
        this.http = http;
        this.chunkSize = chunkSize;
    }

    /**
     * Uploads {@code data} whole. Without {@code upsert} an existing key is a {@link
     * SupabaseAlreadyExistsException}; over the bucket's limit a {@link SupabaseTooLargeException};
     * a missing bucket a {@link SupabaseNotFoundException} that says {@link
     * SupabaseNotFoundException#bucketMissing()}.
     */
    public void upload(String bucket, String key, byte[] data, String contentType, boolean upsert) {
        upload(bucket, key, data, contentType, upsert, Bookmark.NONE);
    }

    /**
     * {@link #upload(String, String, byte[], String, boolean)}, continuing an upload of the same
     * bytes that an earlier process left in {@code bookmark}.
     */
    public void upload(
            String bucket,
            String key,
            byte[] data,
            String contentType,
            boolean upsert,
            Bookmark bookmark) {
        upload(
                bucket,
                key,
                data.length,
                Sha256.hex(data),
                (offset, target, at, length) ->
                        System.arraycopy(data, Math.toIntExact(offset), target, at, length),
                contentType,
                upsert,
                bookmark);
    }

    /**
     * Where the bytes of an upload come from, a chunk at a time: a shard may live off the heap, and
     * only one chunk of it is copied at once.
     */
    @FunctionalInterface
    public interface Chunks {

        /** Copies {@code length} bytes from {@code offset} into {@code target} at {@code at}. */
        void copy(long offset, byte[] target, int at, int length);
    }

    /**
     * {@link #upload(String, String, byte[], String, boolean, Bookmark)} of {@code size} bytes with
     * SHA-256 {@code sha256}, read from {@code chunks}.
     */
    public void upload(
            String bucket,
            String key,
            long size,
            String sha256,
            Chunks chunks,
            String contentType,
            boolean upsert,
            Bookmark bookmark) {
        String name = bucket + "/" + key;
        AtomicReference<URI> location = new AtomicReference<>();
        long offset = 0;
        Optional<Resumed> resumed = resume(name, bookmark, size, sha256, upsert);
        if (resumed.isPresent()) {
            location.set(resumed.get().location());
            offset = resumed.get().offset();
        } else {
            location.set(create(name, bucket, key, size, contentType, upsert));
            remember(name, bookmark, location.get(), size, sha256, upsert);
        }
        AtomicBoolean offsetUncertain = new AtomicBoolean(false);
        int conflicts = 0;
        boolean restarted = false;
        while (offset < size) {
            long from = offset;
            try {
                offset =
                        http.withRetry(
                                "resumable upload of " + name,
                                () -> {
                                    long start =
                                            offsetUncertain.get()
                                                    ? serverOffset(name, location.get())
                                                    : from;
                                    offsetUncertain.set(true);
                                    long next =
                                            start >= size
                                                    ? start
                                                    : patch(
                                                            name,
                                                            location.get(),
                                                            size,
                                                            chunks,
                                                            start,
                                                            upsert);
                                    offsetUncertain.set(false);
                                    return next;
                                });
                conflicts = 0;
            } catch (SupabaseOffsetConflictException conflict) {
                if (++conflicts > MAX_CONFLICTS) {
                    throw conflict;
                }
                // An earlier PATCH landed after all and moved the server's offset: go on from
                // there.
                offsetUncertain.set(false);
                offset = conflict.serverOffset();
            } catch (SupabaseNotFoundException gone) {
                if (restarted) {
                    throw gone;
                }
                // The upload expired or was terminated on the server: its bytes are gone, start
                // once more.
                log.warn("Resumable upload of {} vanished on the server; starting it again", name);
                restarted = true;
                location.set(create(name, bucket, key, size, contentType, upsert));
                remember(name, bookmark, location.get(), size, sha256, upsert);
                offsetUncertain.set(false);
                offset = 0;
            }
        }
        forget(name, bookmark);
    }

    /** An upload found in a bookmark that the server still knows, and its offset there. */
    private record Resumed(URI location, long offset) {}

    private Optional<Resumed> resume(
            String name, Bookmark bookmark, long length, String sha256, boolean upsert) {
        BookmarkRecord record;
        try {
            Optional<byte[]> stored = bookmark.read();
            if (stored.isEmpty()) {
                return Optional.empty();
            }
            record = JSON.readValue(stored.get(), BookmarkRecord.class);
        } catch (RuntimeException ex) {
            // Unreadable JSON, or the bookmark could not be fetched: start anew, as without one.
            log.warn("Ignoring the bookmark of an earlier upload of {}: unreadable", name);
            return Optional.empty();
        }
        if (record.formatVersion() != BOOKMARK_VERSION
                || record.length() != length
                || record.upsert() != upsert
                || !sha256.equals(record.sha256())) {
            log.info("An earlier upload of {} was of other bytes; starting anew", name);
            return Optional.empty();
        }
        if (!isUploadId(record.upload())) {
            // Read from storage: never let it point requests (with our key) anywhere else.
            log.warn("Ignoring the bookmark of an earlier upload of {}: not an upload id", name);
            return Optional.empty();
        }
        URI location = uploadUri(record.upload());
        try {
            long offset = serverOffset(name, location);
            if (offset < 0 || offset > length) {
                return Optional.empty();
            }
            log.info(
                    "Continuing the upload of {} an earlier process began, at byte {} of {}",
                    name,
                    offset,
                    length);
            return Optional.of(new Resumed(location, offset));
        } catch (SupabaseHttpException | IllegalStateException stale) {
            log.info(
                    "The earlier upload of {} is gone on the server (expired or terminated);"
                            + " starting anew",
                    name);
            return Optional.empty();
        }
    }

    private void remember(
            String name,
            Bookmark bookmark,
            URI location,
            long length,
            String sha256,
            boolean upsert) {
        String path = location.getPath();
        int at = path.indexOf(ENDPOINT + "/");
        String id = at < 0 ? "" : path.substring(at + ENDPOINT.length() + 1);
        if (!isUploadId(id)) {
            return;
        }
        try {
            bookmark.write(
                    JSON.writeValueAsBytes(
                            new BookmarkRecord(
                                    BOOKMARK_VERSION,
                                    id,
                                    length,
                                    sha256,
                                    upsert,
                                    Instant.now().toString())));
        } catch (RuntimeException ex) {
            log.warn(
                    "Could not keep the URL of the upload of {} for a later process: {}",
                    name,
                    ex.getMessage());
        }
    }

    private static void forget(String name, Bookmark bookmark) {
        try {
            bookmark.delete();
        } catch (RuntimeException ex) {
            log.warn(
                    "Could not remove the bookmark of the upload of {}: {}", name, ex.getMessage());
        }
    }

    private URI uploadUri(String id) {
        return URI.create(http.baseUrl() + ENDPOINT + "/" + id);
    }

    /** What the server's upload ids are made of (URL-safe base64); nothing that leaves the path. */
    static boolean isUploadId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_UPLOAD_ID) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean allowed =
                    (c >= 'A' && c <= 'Z')
                            || (c >= 'a' && c <= 'z')
                            || (c >= '0' && c <= '9')
                            || c == '-'
                            || c == '_'
                            || c == '=';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sends one chunk from {@code offset} and returns the server's new offset. A 409 is told apart
     * by the server's offset: moved elsewhere, a {@link SupabaseOffsetConflictException};
     * unchanged, the object exists ({@link SupabaseAlreadyExistsException}), as when another upload
     * of the same name finished first.
     */
    long patch(String name, URI location, byte[] data, long offset, boolean upsert) {
        return patch(
                name,
                location,
                data.length,
                (from, target, at, length) ->
                        System.arraycopy(data, Math.toIntExact(from), target, at, length),
                offset,
                upsert);
    }

    private long patch(
            String name, URI location, long size, Chunks chunks, long offset, boolean upsert) {
        int length = (int) Math.min(chunkSize, size - offset);
        byte[] chunk = new byte[length];
        chunks.copy(offset, chunk, 0, length);
        SupabaseResponse response;
        try {
            response =
                    http.exchange(
                            "resumable upload of " + name,
                            tus(http.client().patch().uri(location), upsert)
                                    .header(OFFSET, Long.toString(offset))
                                    .header(
                                            HttpHeaders.CONTENT_TYPE,
                                            "application/offset+octet-stream")
                                    .contentLength(length)
                                    .bodyValue(chunk));
        } catch (SupabaseAlreadyExistsException conflict) {
            long server = serverOffset(name, location);
            if (server != offset) {
                throw new SupabaseOffsetConflictException(conflict, offset, server);
            }
            throw conflict;
        }
        return parseOffset(response, name);
    }

    /** Creates the upload and returns its URL; a 404 here can only mean the bucket. */
    URI create(
            String name,
            String bucket,
            String key,
            long length,
            String contentType,
            boolean upsert) {
        String metadata =
                "bucketName "
                        + base64(bucket)
                        + ",objectName "
                        + base64(key)
                        + ",contentType "
                        + base64(contentType);
        SupabaseResponse created;
        try {
            created =
                    http.call(
                            "create resumable upload of " + name,
                            () ->
                                    tus(
                                                    http.client()
                                                            .post()
                                                            .uri(
                                                                    URI.create(
                                                                            http.baseUrl()
                                                                                    + ENDPOINT)),
                                                    upsert)
                                            .header("Upload-Length", Long.toString(length))
                                            .header("Upload-Metadata", metadata));
        } catch (SupabaseNotFoundException missing) {
            throw missing.ofBucket();
        }
        String location = created.headers().getFirst(HttpHeaders.LOCATION);
        if (location == null || location.isBlank()) {
            throw new IllegalStateException(
                    "Supabase created a resumable upload of " + name + " without a Location");
        }
        return URI.create(http.baseUrl() + "/").resolve(location);
    }

    private long serverOffset(String name, URI location) {
        SupabaseResponse head =
                http.exchange(
                        "offset of resumable upload of " + name,
                        http.client().head().uri(location).header("Tus-Resumable", TUS_VERSION));
        long offset = parseOffset(head, name);
        log.info("Resuming upload of {} at byte {}", name, offset);
        return offset;
    }

    // Every request of an upsert upload must say so again, the PATCHes too, or the server answers
    // 409.
    private static WebClient.RequestBodySpec tus(
            WebClient.RequestBodySpec request, boolean upsert) {
        request.header("Tus-Resumable", TUS_VERSION);
        if (upsert) {
            request.header("x-upsert", "true");
        }
        return request;
    }

    private static long parseOffset(SupabaseResponse response, String name) {
        String value = response.headers().getFirst(OFFSET);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException ex) {
            throw new IllegalStateException(
                    "Supabase answered a resumable upload of "
                            + name
                            + " without a valid "
                            + OFFSET
                            + ": "
                            + value);
        }
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }
}
