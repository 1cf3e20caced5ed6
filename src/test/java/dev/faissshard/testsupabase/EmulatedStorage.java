package dev.faissshard.testsupabase;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Supabase Storage's HTTP API as observed on the real server (see {@code
 * shared/supabase/CONTRACT.md}): buckets, standard uploads with upsert semantics, downloads, folder
 * listing with offset pages, deletes, size limits and the TUS create / HEAD / PATCH / DELETE flow,
 * with the real error bodies. State lives in memory; all methods are synchronized on the emulator's
 * state.
 */
final class EmulatedStorage {

    static final long GLOBAL_LIMIT = 524_288_000L;
    static final long STANDARD_LIMIT = 52_428_800L;
    private static final Pattern VALID_KEY = Pattern.compile("^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    record StoredObject(String id, byte[] data, String contentType, String etag) {}

    static final class Bucket {
        final String name;
        final boolean isPublic;
        final Long fileSizeLimit;
        final List<String> allowedMimeTypes;
        final NavigableMap<String, StoredObject> objects = new TreeMap<>();

        Bucket(String name, boolean isPublic, Long fileSizeLimit, List<String> allowedMimeTypes) {
            this.name = name;
            this.isPublic = isPublic;
            this.fileSizeLimit = fileSizeLimit;
            this.allowedMimeTypes = allowedMimeTypes;
        }
    }

    private static final class Upload {
        final String bucket;
        final String key;
        final long length;
        final String contentType;
        final String metadataHeader;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        boolean complete;

        Upload(String bucket, String key, long length, String contentType, String metadataHeader) {
            this.bucket = bucket;
            this.key = key;
            this.length = length;
            this.contentType = contentType;
            this.metadataHeader = metadataHeader;
        }
    }

    private final Map<String, Bucket> buckets = new TreeMap<>();
    private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong tusBytes =
            new java.util.concurrent.atomic.AtomicLong();
    private final String serviceKey;
    private final String anonKey;
    private final String publicRoot;

    EmulatedStorage(String serviceKey, String anonKey, String publicRoot) {
        this.serviceKey = serviceKey;
        this.anonKey = anonKey;
        this.publicRoot = publicRoot;
    }

    // ----- test-side access

    synchronized void createBucket(String name, boolean isPublic, Long fileSizeLimit) {
        buckets.put(name, new Bucket(name, isPublic, fileSizeLimit, null));
    }

    synchronized Map<String, byte[]> objects(String bucket) {
        Map<String, byte[]> copy = new TreeMap<>();
        Bucket b = buckets.get(bucket);
        if (b != null) {
            b.objects.forEach((key, object) -> copy.put(key, object.data()));
        }
        return copy;
    }

    synchronized void putObject(String bucket, String key, byte[] data, String contentType) {
        buckets.get(bucket)
                .objects
                .put(
                        key,
                        new StoredObject(
                                UUID.randomUUID().toString(), data, contentType, etag(data)));
    }

    /** Bytes of object data received through TUS, stored or not. */
    long tusBytesReceived() {
        return tusBytes.get();
    }

    /** Ends an upload on the server, as its expiry (one hour on the real server) does. */
    boolean expireUpload(String id) {
        return uploads.remove(id) != null;
    }

    synchronized int openUploads() {
        return (int) uploads.values().stream().filter(u -> !u.complete).count();
    }

    // ----- the API

    synchronized Reply handle(Request request) {
        String method = request.method();
        String path = request.path();
        if (path.equals("/status") && method.equals("GET")) {
            return Reply.empty(200);
        }
        if (path.equals("/version") && method.equals("GET")) {
            return Reply.bytes(
                    200, "text/plain; charset=utf-8", "v1.70.6".getBytes(StandardCharsets.UTF_8));
        }
        if (path.startsWith("/object/public/") && (method.equals("GET") || method.equals("HEAD"))) {
            return download(
                    Role.ANON,
                    path.substring("/object/public/".length()),
                    method.equals("HEAD"),
                    true);
        }
        if (path.startsWith("/upload/resumable")) {
            return tus(request);
        }
        Role role;
        String auth = request.header("Authorization");
        if (auth == null) {
            // GET /object/<b>/<p> without auth falls back to the anon role instead of rejecting
            // (CONTRACT §10).
            if (method.equals("GET")
                    && path.startsWith("/object/")
                    && !path.startsWith("/object/authenticated/")
                    && !path.startsWith("/object/info/")) {
                role = Role.ANON;
            } else {
                return Reply.storageError(
                        "400",
                        "Error",
                        "headers must have required property 'authorization'",
                        "InvalidRequest");
            }
        } else {
            Object resolved = role(auth);
            if (resolved instanceof Reply error) {
                if (method.equals("GET")
                        && path.startsWith("/object/")
                        && !path.startsWith("/object/authenticated/")
                        && !path.startsWith("/object/info/")) {
                    role = Role.ANON;
                } else {
                    return error;
                }
            } else {
                role = (Role) resolved;
            }
        }
        if (path.equals("/health") && method.equals("GET")) {
            return Reply.json(200, "{\"healthy\":true}");
        }
        if (path.equals("/bucket") && method.equals("POST")) {
            return createBucket(role, request);
        }
        if (path.equals("/bucket") && method.equals("GET")) {
            return listBuckets(role);
        }
        if (path.startsWith("/bucket/") && method.equals("GET")) {
            return getBucket(role, path.substring("/bucket/".length()));
        }
        if (path.startsWith("/bucket/") && method.equals("DELETE")) {
            return deleteBucket(role, path.substring("/bucket/".length()));
        }
        if (path.startsWith("/object/list/") && method.equals("POST")) {
            return list(role, path.substring("/object/list/".length()), request);
        }
        if (path.startsWith("/object/info/") && method.equals("GET")) {
            String rest = path.substring("/object/info/".length());
            return info(
                    role,
                    rest.startsWith("authenticated/")
                            ? rest.substring("authenticated/".length())
                            : rest);
        }
        if (path.startsWith("/object/authenticated/")
                && (method.equals("GET") || method.equals("HEAD"))) {
            return download(
                    role,
                    path.substring("/object/authenticated/".length()),
                    method.equals("HEAD"),
                    false);
        }
        if (path.startsWith("/object/") && (method.equals("GET") || method.equals("HEAD"))) {
            return download(
                    role, path.substring("/object/".length()), method.equals("HEAD"), false);
        }
        if (path.startsWith("/object/") && (method.equals("POST") || method.equals("PUT"))) {
            return upload(role, path.substring("/object/".length()), request, method.equals("PUT"));
        }
        if (path.startsWith("/object/") && method.equals("DELETE")) {
            return delete(role, path.substring("/object/".length()), request);
        }
        return notFoundRoute(method, path);
    }

    static Reply notFoundRoute(String method, String path) {
        return Reply.json(
                404,
                "{\"message\":\"Route "
                        + method
                        + ":"
                        + Reply.escape(path)
                        + " not found\",\"error\":\"Not Found\",\"statusCode\":404}");
    }

    enum Role {
        SERVICE,
        ANON
    }

    private Object role(String authorization) {
        String token =
                authorization.startsWith("Bearer ")
                        ? authorization.substring(7).strip()
                        : authorization.strip();
        if (token.equals(serviceKey)) {
            return Role.SERVICE;
        }
        if (token.equals(anonKey)) {
            return Role.ANON;
        }
        String message =
                token.split("\\.", -1).length == 3
                        ? "signature verification failed"
                        : "Invalid Compact JWS";
        return Reply.storageError("403", "Unauthorized", message, "AccessDenied");
    }

    private static Reply rlsDenied() {
        return Reply.storageError(
                "403",
                "Unauthorized",
                "new row violates row-level security policy",
                "AccessDenied");
    }

    private static Reply noSuchBucket() {
        return Reply.storageError("404", "Bucket not found", "Bucket not found", "NoSuchBucket");
    }

    private static Reply noSuchKey() {
        return Reply.storageError("404", "not_found", "Object not found", "NoSuchKey");
    }

    private static Reply tooLarge() {
        return Reply.storageError(
                "413",
                "Payload too large",
                "The object exceeded the maximum allowed size",
                "EntityTooLarge");
    }

    private static Reply duplicate(String code) {
        return Reply.storageError("409", "Duplicate", "The resource already exists", code);
    }

    private Reply createBucket(Role role, Request request) {
        JsonNode body = JSON.readTree(request.bodyText().isBlank() ? "{}" : request.bodyText());
        if (!body.has("name")) {
            return Reply.storageError(
                    "400", "Error", "body must have required property 'name'", "InvalidRequest");
        }
        String name = body.get("name").asString();
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            return Reply.storageError(
                    "400", "Invalid Input", "Bucket name invalid", "InvalidBucketName");
        }
        if (role != Role.SERVICE) {
            return rlsDenied();
        }
        Long limit = null;
        JsonNode limitNode = body.get("file_size_limit");
        if (limitNode != null && !limitNode.isNull()) {
            limit = limitNode.isNumber() ? limitNode.asLong() : parseSize(limitNode.asString());
            if (limit > GLOBAL_LIMIT) {
                return tooLarge();
            }
        }
        if (buckets.containsKey(name)) {
            return duplicate("BucketAlreadyExists");
        }
        List<String> mimes = null;
        if (body.has("allowed_mime_types") && body.get("allowed_mime_types").isArray()) {
            mimes = new ArrayList<>();
            for (JsonNode mime : body.get("allowed_mime_types")) {
                mimes.add(mime.asString());
            }
        }
        buckets.put(name, new Bucket(name, body.path("public").asBoolean(false), limit, mimes));
        return Reply.json(200, "{\"name\":\"" + name + "\"}");
    }

    private Reply listBuckets(Role role) {
        if (role != Role.SERVICE) {
            return Reply.json(200, "[]");
        }
        List<String> items = buckets.values().stream().map(EmulatedStorage::bucketJson).toList();
        return Reply.json(200, "[" + String.join(",", items) + "]");
    }

    private Reply getBucket(Role role, String name) {
        Bucket bucket = buckets.get(name);
        if (bucket == null || role != Role.SERVICE) {
            return noSuchBucket();
        }
        return Reply.json(200, bucketJson(bucket));
    }

    private Reply deleteBucket(Role role, String name) {
        Bucket bucket = buckets.get(name);
        if (bucket == null || role != Role.SERVICE) {
            return noSuchBucket();
        }
        if (!bucket.objects.isEmpty()) {
            return Reply.storageError(
                    "409",
                    "ResourceNotEmpty",
                    "The bucket you tried to delete is not empty",
                    "ResourceNotEmpty");
        }
        buckets.remove(name);
        return Reply.json(200, "{\"message\":\"Successfully deleted\"}");
    }

    private static String bucketJson(Bucket bucket) {
        return "{\"id\":\""
                + bucket.name
                + "\",\"name\":\""
                + bucket.name
                + "\",\"owner\":\"\",\"public\":"
                + bucket.isPublic
                + ",\"file_size_limit\":"
                + bucket.fileSizeLimit
                + ",\"allowed_mime_types\":"
                + (bucket.allowedMimeTypes == null
                        ? "null"
                        : JSON.writeValueAsString(bucket.allowedMimeTypes))
                + ",\"created_at\":\"2026-11-24T09:51:02.590Z\",\"updated_at\":\"2026-11-24T09:51:02.590Z\"}";
    }

    /** Splits {@code <bucket>/<key>}; the key may be empty. */
    private static String[] split(String bucketAndKey) {
        int slash = bucketAndKey.indexOf('/');
        return slash < 0
                ? new String[] {bucketAndKey, ""}
                : new String[] {
                    bucketAndKey.substring(0, slash), bucketAndKey.substring(slash + 1)
                };
    }

    private static Reply invalidKey(String bucket, String key) {
        if (!VALID_KEY.matcher(key).matches()) {
            return Reply.storageError("400", "InvalidKey", "Invalid key: " + key, "InvalidKey");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return Reply.storageError(
                        "400",
                        "InvalidKey",
                        "Invalid key: stub/stub/"
                                + bucket
                                + "/"
                                + key
                                + "/"
                                + UUID.randomUUID()
                                + " contains dot path segment",
                        "InvalidKey");
            }
        }
        return null;
    }

    private Reply upload(Role role, String bucketAndKey, Request request, boolean put) {
        String[] parts = split(bucketAndKey);
        Bucket bucket = buckets.get(parts[0]);
        if (bucket == null) {
            request.body();
            return noSuchBucket();
        }
        String key = parts[1];
        Reply invalid = invalidKey(bucket.name, key);
        if (invalid != null) {
            request.body();
            return invalid;
        }
        String contentType = request.header("Content-Type");
        if (contentType == null) {
            contentType = "application/octet-stream";
        }
        if (!contentType.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\\s*;.*)?")) {
            request.body();
            return Reply.storageError(
                    "415", "invalid_mime_type", "Invalid Content-Type header", "InvalidMimeType");
        }
        if (bucket.allowedMimeTypes != null && !bucket.allowedMimeTypes.contains(contentType)) {
            request.body();
            return Reply.storageError(
                    "415",
                    "invalid_mime_type",
                    "mime type " + contentType + " is not supported",
                    "InvalidMimeType");
        }
        long declared = request.contentLength();
        // The real server only enforces limits when the size is known up front (CONTRACT §5).
        if (declared >= 0) {
            long limit =
                    Math.min(
                            STANDARD_LIMIT,
                            bucket.fileSizeLimit == null ? GLOBAL_LIMIT : bucket.fileSizeLimit);
            if (bucket.fileSizeLimit != null && bucket.fileSizeLimit == 0) {
                limit = -1;
            }
            if (declared > limit) {
                request.body();
                return tooLarge();
            }
        }
        boolean upsert = put || "true".equalsIgnoreCase(request.header("x-upsert"));
        StoredObject existing = bucket.objects.get(key);
        if (role == Role.SERVICE && existing != null && !upsert) {
            // The real server answers this from the headers alone, in milliseconds, without reading
            // the
            // body, and keeps the connection: a client that reuses it before sending the rest of
            // the body
            // waits for an answer that never comes (issue 11: 60 s read timeouts on a rebuild).
            return duplicate("KeyAlreadyExists").early();
        }
        byte[] data = request.body();
        if (role != Role.SERVICE) {
            return rlsDenied();
        }
        String id = existing == null ? UUID.randomUUID().toString() : existing.id();
        bucket.objects.put(key, new StoredObject(id, data, contentType, etag(data)));
        return Reply.json(
                200,
                "{\"Key\":\""
                        + Reply.escape(bucket.name + "/" + key)
                        + "\",\"Id\":\""
                        + id
                        + "\"}");
    }

    private Reply download(Role role, String bucketAndKey, boolean head, boolean publicRoute) {
        String[] parts = split(bucketAndKey);
        Bucket bucket = buckets.get(parts[0]);
        if (bucket == null
                || (role == Role.ANON && !bucket.isPublic)
                || (publicRoute && !bucket.isPublic)) {
            return head ? headError() : noSuchBucket();
        }
        StoredObject object = bucket.objects.get(parts[1]);
        if (object == null) {
            return head ? headError() : noSuchKey();
        }
        Reply reply =
                Reply.bytes(200, object.contentType(), head ? new byte[0] : object.data())
                        .with("ETag", object.etag())
                        .with("Cache-Control", "no-cache")
                        .with("Accept-Ranges", "bytes");
        if (head) {
            reply.with("X-Head-Length", Integer.toString(object.data().length));
        }
        return reply;
    }

    private static Reply headError() {
        return Reply.empty(400);
    }

    private Reply info(Role role, String bucketAndKey) {
        String[] parts = split(bucketAndKey);
        Bucket bucket = buckets.get(parts[0]);
        if (bucket == null || role != Role.SERVICE) {
            return noSuchBucket();
        }
        StoredObject object = bucket.objects.get(parts[1]);
        if (object == null) {
            return noSuchKey();
        }
        return Reply.json(
                200,
                "{\"id\":\""
                        + object.id()
                        + "\",\"name\":\""
                        + Reply.escape(parts[1])
                        + "\",\"bucket_id\":\""
                        + bucket.name
                        + "\",\"size\":"
                        + object.data().length
                        + ",\"content_type\":\""
                        + object.contentType()
                        + "\",\"etag\":\""
                        + Reply.escape(object.etag())
                        + "\",\"metadata\":{}}");
    }

    private Reply delete(Role role, String bucketAndKey, Request request) {
        String[] parts = split(bucketAndKey);
        if (parts[1].isEmpty()) {
            return bulkDelete(role, parts[0], request);
        }
        Bucket bucket = buckets.get(parts[0]);
        if (bucket == null) {
            return noSuchKey();
        }
        if (role != Role.SERVICE) {
            return Reply.storageError("403", "Unauthorized", "Access denied", "AccessDenied");
        }
        if (bucket.objects.remove(parts[1]) == null) {
            return noSuchKey();
        }
        return Reply.json(200, "{\"message\":\"Successfully deleted\"}");
    }

    private Reply bulkDelete(Role role, String bucketName, Request request) {
        JsonNode body = JSON.readTree(request.bodyText().isBlank() ? "{}" : request.bodyText());
        JsonNode prefixes = body.get("prefixes");
        if (prefixes == null || !prefixes.isArray()) {
            return Reply.storageError(
                    "400",
                    "Error",
                    "body must have required property 'prefixes'",
                    "InvalidRequest");
        }
        if (prefixes.isEmpty()) {
            return Reply.storageError(
                    "400",
                    "Error",
                    "body/prefixes must NOT have fewer than 1 items",
                    "InvalidRequest");
        }
        Bucket bucket = buckets.get(bucketName);
        List<String> deleted = new ArrayList<>();
        if (bucket != null && role == Role.SERVICE) {
            for (JsonNode prefix : prefixes) {
                StoredObject removed = bucket.objects.remove(prefix.asString());
                if (removed != null) {
                    deleted.add(
                            "{\"name\":\""
                                    + Reply.escape(prefix.asString())
                                    + "\",\"bucket_id\":\""
                                    + bucketName
                                    + "\",\"id\":\""
                                    + removed.id()
                                    + "\"}");
                }
            }
        }
        return Reply.json(200, "[" + String.join(",", deleted) + "]");
    }

    private Reply list(Role role, String bucketName, Request request) {
        JsonNode body = JSON.readTree(request.bodyText().isBlank() ? "{}" : request.bodyText());
        if (!body.has("prefix")) {
            return Reply.storageError(
                    "400", "Error", "body must have required property 'prefix'", "InvalidRequest");
        }
        Bucket bucket = buckets.get(bucketName);
        if (bucket == null || (role != Role.SERVICE && !bucket.isPublic)) {
            return Reply.json(200, "[]");
        }
        String folder = body.get("prefix").asString().replaceAll("/+$", "");
        String search = body.path("search").asString("");
        int limit = body.path("limit").asInt(100);
        int offset = body.path("offset").asInt(0);
        String start = folder.isEmpty() ? "" : folder + "/";
        TreeMap<String, StoredObject> files = new TreeMap<>();
        TreeSet<String> folders = new TreeSet<>();
        for (Map.Entry<String, StoredObject> entry :
                bucket.objects.tailMap(start, true).entrySet()) {
            if (!entry.getKey().startsWith(start)) {
                break;
            }
            String rest = entry.getKey().substring(start.length());
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                folders.add(rest.substring(0, slash));
            } else {
                files.put(rest, entry.getValue());
            }
        }
        TreeMap<String, String> rows = new TreeMap<>();
        folders.forEach(
                name ->
                        rows.put(
                                name,
                                "{\"name\":\""
                                        + Reply.escape(name)
                                        + "\",\"id\":null,\"updated_at\":null,\"created_at\":null,\"last_accessed_at\":null,\"metadata\":null}"));
        files.forEach(
                (name, object) ->
                        rows.put(
                                name,
                                "{\"name\":\""
                                        + Reply.escape(name)
                                        + "\",\"id\":\""
                                        + object.id()
                                        + "\",\"updated_at\":\"2026-11-24T09:51:14.532Z\",\"created_at\":\"2026-11-24T09:51:14.532Z\","
                                        + "\"last_accessed_at\":\"2026-11-24T09:51:14.532Z\",\"metadata\":{\"eTag\":\""
                                        + Reply.escape(object.etag())
                                        + "\",\"size\":"
                                        + object.data().length
                                        + ",\"mimetype\":\""
                                        + object.contentType()
                                        + "\",\"cacheControl\":\"no-cache\",\"contentLength\":"
                                        + object.data().length
                                        + ",\"httpStatusCode\":200}}"));
        List<String> page =
                rows.entrySet().stream()
                        .filter(e -> search.isEmpty() || e.getKey().contains(search))
                        .skip(offset)
                        .limit(limit)
                        .map(Map.Entry::getValue)
                        .toList();
        return Reply.json(200, "[" + String.join(",", page) + "]");
    }

    // ----- TUS (CONTRACT §12): real statuses, plain-text bodies

    private Reply tus(Request request) {
        String method = request.method();
        String path = request.path();
        if (method.equals("OPTIONS")) {
            return Reply.empty(204)
                    .with("Tus-Resumable", "1.0.0")
                    .with("Tus-Version", "1.0.0")
                    .with(
                            "Tus-Extension",
                            "creation,creation-with-upload,creation-defer-length,termination,expiration")
                    .with("Tus-Max-Size", Long.toString(GLOBAL_LIMIT));
        }
        String auth = request.header("Authorization");
        if (auth == null) {
            return Reply.json(
                    400,
                    "{\"statusCode\":\"403\",\"code\":\"AccessDenied\",\"error\":\"Unauthorized\",\"message\":\"Invalid Compact JWS\"}");
        }
        Object resolved = role(auth);
        if (resolved instanceof Reply error) {
            return error;
        }
        Role role = (Role) resolved;
        if (path.equals("/upload/resumable") || path.equals("/upload/resumable/")) {
            return method.equals("POST") ? tusCreate(role, request) : notFoundRoute(method, path);
        }
        String id = path.substring("/upload/resumable/".length());
        return switch (method) {
            case "HEAD" -> tusHead(id);
            case "PATCH" -> tusPatch(role, id, request, false);
            case "DELETE" -> tusDelete(id);
            default -> notFoundRoute(method, path);
        };
    }

    private Reply tusCreate(Role role, Request request) {
        if (!request.hasHeader("Tus-Resumable")) {
            request.body();
            return Reply.text(412, "Tus-Resumable Required");
        }
        String metadataHeader = request.header("Upload-Metadata");
        if (metadataHeader == null) {
            request.body();
            return Reply.text(400, "Metadata header is required");
        }
        Map<String, String> metadata = new TreeMap<>();
        for (String pair : metadataHeader.split(",")) {
            String[] kv = pair.strip().split(" ", 2);
            metadata.put(
                    kv[0],
                    kv.length > 1
                            ? new String(Base64.getDecoder().decode(kv[1]), StandardCharsets.UTF_8)
                            : "");
        }
        String bucketName = metadata.getOrDefault("bucketName", "");
        String key = metadata.getOrDefault("objectName", "");
        Bucket bucket = buckets.get(bucketName);
        if (role != Role.SERVICE) {
            request.body();
            return Reply.text(403, "new row violates row-level security policy");
        }
        if (bucket == null) {
            request.body();
            return Reply.text(404, "Bucket not found");
        }
        if (invalidKey(bucketName, key) != null) {
            request.body();
            return Reply.text(400, "Invalid key: " + key);
        }
        boolean upsert = "true".equalsIgnoreCase(request.header("x-upsert"));
        if (bucket.objects.containsKey(key) && !upsert) {
            request.body();
            return Reply.text(409, "The resource already exists");
        }
        long length = Long.parseLong(request.header("Upload-Length"));
        long limit =
                bucket.fileSizeLimit == null || bucket.fileSizeLimit == 0
                        ? GLOBAL_LIMIT
                        : Math.min(bucket.fileSizeLimit, GLOBAL_LIMIT);
        if (length > limit) {
            request.body();
            return Reply.text(413, "Maximum size exceeded");
        }
        String version = UUID.randomUUID().toString();
        String id =
                Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(
                                (bucketName + "/" + key + "/" + version)
                                        .getBytes(StandardCharsets.UTF_8));
        Upload upload =
                new Upload(
                        bucketName,
                        key,
                        length,
                        metadata.getOrDefault("contentType", "application/octet-stream"),
                        metadataHeader);
        uploads.put(id, upload);
        Reply created =
                Reply.text(201, "")
                        .with("Location", publicRoot + "/upload/resumable/" + id)
                        .with("Tus-Resumable", "1.0.0");
        if ("application/offset+octet-stream".equals(request.header("Content-Type"))) {
            Reply appended = append(role, upload, request.body(), upsert);
            if (appended.status() != 204) {
                return appended;
            }
            created.with(
                    "Upload-Offset",
                    Long.toString(upload.complete ? upload.length : upload.data.size()));
            if (upload.complete) {
                created.with("Tus-Complete", "1");
            }
        } else {
            request.body();
        }
        return created;
    }

    private Reply tusHead(String id) {
        Upload upload = upload(id);
        if (upload == null) {
            return validId(id) ? Reply.empty(404) : Reply.empty(400);
        }
        long offset = upload.complete ? upload.length : upload.data.size();
        return Reply.empty(200)
                .with("Upload-Offset", Long.toString(offset))
                .with("Upload-Length", Long.toString(upload.length))
                .with("Cache-Control", "no-store")
                .with("Upload-Metadata", upload.metadataHeader)
                .with("Tus-Resumable", "1.0.0");
    }

    /** A TUS PATCH that stores half of its chunk and then must be cut off; null when it did so. */
    synchronized Reply partialPatch(Request request) {
        String prefix = "/upload/resumable/";
        Object resolved =
                request.header("Authorization") == null
                        ? null
                        : role(request.header("Authorization"));
        if (!request.method().equals("PATCH")
                || !request.path().startsWith(prefix)
                || !(resolved instanceof Role role)) {
            return handle(request);
        }
        return tusPatch(role, request.path().substring(prefix.length()), request, true);
    }

    /**
     * A PATCH; with {@code partial}, half of the body is stored and the caller then breaks the
     * connection.
     */
    Reply tusPatch(Role role, String id, Request request, boolean partial) {
        Upload upload = upload(id);
        if (upload == null) {
            return Reply.text(404, "The file for this url was not found")
                    .with("Connection", "close");
        }
        if (!"application/offset+octet-stream".equals(request.header("Content-Type"))) {
            return Reply.text(400, "Invalid content-type").with("Connection", "close");
        }
        String offsetHeader = request.header("Upload-Offset");
        if (offsetHeader == null) {
            return Reply.text(403, "Upload-Offset header required").with("Connection", "close");
        }
        if (role != Role.SERVICE) {
            return Reply.text(403, "new row violates row-level security policy")
                    .with("Connection", "close");
        }
        boolean upsert = "true".equalsIgnoreCase(request.header("x-upsert"));
        Bucket bucket = buckets.get(upload.bucket);
        if (upload.complete
                || (bucket != null && bucket.objects.containsKey(upload.key) && !upsert)) {
            return Reply.text(409, "The resource already exists").with("Connection", "close");
        }
        if (Long.parseLong(offsetHeader) != upload.data.size()) {
            return Reply.text(409, "Upload-Offset conflict").with("Connection", "close");
        }
        long declared = request.contentLength();
        if (declared > upload.length - upload.data.size()) {
            return Reply.text(413, "upload's size exceeded").with("Connection", "close");
        }
        if (partial) {
            byte[] half = request.readBody((int) Math.max(1, declared / 2));
            tusBytes.addAndGet(half.length);
            upload.data.writeBytes(half);
            return null;
        }
        return append(role, upload, request.body(), upsert);
    }

    private Reply append(Role role, Upload upload, byte[] chunk, boolean upsert) {
        tusBytes.addAndGet(chunk.length);
        if (chunk.length > upload.length - upload.data.size()) {
            return Reply.text(413, "upload's size exceeded").with("Connection", "close");
        }
        upload.data.writeBytes(chunk);
        Reply reply =
                Reply.empty(204)
                        .with("Upload-Offset", Long.toString(upload.data.size()))
                        .with("Tus-Resumable", "1.0.0");
        if (upload.data.size() == upload.length) {
            Bucket bucket = buckets.get(upload.bucket);
            StoredObject existing = bucket.objects.get(upload.key);
            if (existing != null && !upsert) {
                return Reply.text(409, "The resource already exists").with("Connection", "close");
            }
            byte[] data = upload.data.toByteArray();
            bucket.objects.put(
                    upload.key,
                    new StoredObject(
                            existing == null ? UUID.randomUUID().toString() : existing.id(),
                            data,
                            upload.contentType,
                            etag(data)));
            upload.complete = true;
            upload.data = null; // the object holds the bytes now
            reply.with("Tus-Complete", "1");
        }
        return reply;
    }

    private Reply tusDelete(String id) {
        Upload upload = upload(id);
        if (upload == null) {
            return Reply.text(404, "The file for this url was not found");
        }
        uploads.remove(id);
        return Reply.empty(204).with("Tus-Resumable", "1.0.0");
    }

    private Upload upload(String id) {
        return uploads.get(id);
    }

    private static boolean validId(String id) {
        try {
            Base64.getUrlDecoder().decode(id);
            return true;
        } catch (IllegalArgumentException ex) {
            return false;
        }
    }

    static String etag(byte[] data) {
        try {
            return "\""
                    + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data))
                    + "\"";
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static long parseSize(String text) {
        String value = text.strip().toUpperCase();
        long multiplier = 1;
        for (String[] unit :
                new String[][] {
                    {"GB", "1000000000"}, {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}
                }) {
            if (value.endsWith(unit[0])) {
                multiplier = Long.parseLong(unit[1]);
                value = value.substring(0, value.length() - unit[0].length()).strip();
                break;
            }
        }
        return Long.parseLong(value) * multiplier;
    }
}
