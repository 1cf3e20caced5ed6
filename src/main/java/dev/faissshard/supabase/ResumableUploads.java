package dev.faissshard.supabase;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Large objects through Supabase's resumable endpoint ({@code /upload/resumable}, TUS 1.0.0): one
 * creation, then the bytes in chunks. After any failed or unanswered {@code PATCH} the server is
 * asked for its offset ({@code HEAD}) and the upload continues from there, so an interruption costs
 * at most one chunk.
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
        String name = bucket + "/" + key;
        AtomicReference<URI> location =
                new AtomicReference<>(create(name, bucket, key, data.length, contentType, upsert));
        AtomicBoolean offsetUncertain = new AtomicBoolean(false);
        long offset = 0;
        int conflicts = 0;
        boolean restarted = false;
        while (offset < data.length) {
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
                                            start >= data.length
                                                    ? start
                                                    : patch(
                                                            name,
                                                            location.get(),
                                                            data,
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
                location.set(create(name, bucket, key, data.length, contentType, upsert));
                offsetUncertain.set(false);
                offset = 0;
            }
        }
    }

    /**
     * Sends one chunk from {@code offset} and returns the server's new offset. A 409 is told apart
     * by the server's offset: moved elsewhere, a {@link SupabaseOffsetConflictException};
     * unchanged, the object exists ({@link SupabaseAlreadyExistsException}), as when another upload
     * of the same name finished first.
     */
    long patch(String name, URI location, byte[] data, long offset, boolean upsert) {
        int length = (int) Math.min(chunkSize, data.length - offset);
        byte[] chunk = new byte[length];
        System.arraycopy(data, (int) offset, chunk, 0, length);
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
