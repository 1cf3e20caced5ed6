package dev.faissshard.testsupabase;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The emulator answers as the real Storage server did in {@code shared/supabase/transcript.md}: raw
 * HTTP requests, compared with the recorded statuses and bodies (parsed, since key order varies by
 * route). Numbers in comments are the transcript's call numbers.
 */
class SupabaseEmulatorContractTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String NO_SUCH_KEY =
            "{\"statusCode\":\"404\",\"error\":\"not_found\",\"message\":\"Object not found\",\"code\":\"NoSuchKey\"}";
    private static final String NO_SUCH_BUCKET =
            "{\"statusCode\":\"404\",\"error\":\"Bucket not found\",\"message\":\"Bucket not found\",\"code\":\"NoSuchBucket\"}";
    private static final String KEY_EXISTS =
            "{\"statusCode\":\"409\",\"error\":\"Duplicate\",\"message\":\"The resource already exists\",\"code\":\"KeyAlreadyExists\"}";
    private static final String TOO_LARGE =
            "{\"statusCode\":\"413\",\"error\":\"Payload too large\",\"message\":\"The object exceeded the maximum allowed size\",\"code\":\"EntityTooLarge\"}";

    private final HttpClient http = HttpClient.newHttpClient();
    private SupabaseEmulator emulator;
    private String root;

    @BeforeEach
    void start() throws Exception {
        emulator = new SupabaseEmulator();
        root = emulator.url() + "/storage/v1";
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    @Test
    void createOfAnExistingKeyIsAnsweredBeforeTheBodyIsSent() throws Exception {
        emulator.createBucket("probe-big", false, null);
        emulator.putObject(
                "probe-big", "run1/shard-1.bin", new byte[5], "application/octet-stream");
        // Issue 11, seen on the real server: "already exists" in about 5 ms, the body unread, the
        // connection kept.
        try (Socket socket =
                new Socket(
                        InetAddress.getLoopbackAddress(), URI.create(emulator.url()).getPort())) {
            socket.setSoTimeout(30_000);
            String head =
                    "POST /storage/v1/object/probe-big/run1/shard-1.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Authorization: Bearer "
                            + SupabaseEmulator.SERVICE_KEY
                            + "\r\n"
                            + "Content-Type: application/octet-stream\r\nContent-Length: 41943040\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            BufferedReader answer =
                    new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertThat(answer.readLine()).startsWith("HTTP/1.1 400");
            int length = -1;
            for (String line = answer.readLine(); !line.isEmpty(); line = answer.readLine()) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            char[] body = new char[length];
            assertThat(answer.read(body)).isEqualTo(length);
            assertThat(JSON.readTree(new String(body))).isEqualTo(JSON.readTree(KEY_EXISTS));
        }
    }

    @Test
    void buckets() throws Exception {
        assertJson(
                send(
                        "POST",
                        "/bucket",
                        json(
                                "{\"name\":\"probe-private\",\"public\":false,\"file_size_limit\":1048576}")),
                200,
                "{\"name\":\"probe-private\"}"); // #5
        assertJson(
                send("POST", "/bucket", json("{\"name\":\"probe-private\",\"public\":false}")),
                400,
                "{\"statusCode\":\"409\",\"error\":\"Duplicate\",\"message\":\"The resource already exists\",\"code\":\"BucketAlreadyExists\"}"); // #6
        send(
                "POST",
                "/bucket",
                json(
                        "{\"name\":\"probe-mime\",\"file_size_limit\":\"1MB\",\"allowed_mime_types\":[\"application/octet-stream\"]}"));
        assertThat(
                        JSON.readTree(send("GET", "/bucket/probe-mime", null).body())
                                .get("file_size_limit")
                                .asLong())
                .isEqualTo(1_000_000); // #11
        assertJson(send("GET", "/bucket/probe-nope", null), 400, NO_SUCH_BUCKET); // #12
        assertJson(
                send("POST", "/bucket", json("{\"name\":\"bad/name\"}")),
                400,
                "{\"statusCode\":\"400\",\"error\":\"Invalid Input\",\"message\":\"Bucket name invalid\",\"code\":\"InvalidBucketName\"}"); // #13
        assertJson(
                send("POST", "/bucket", json("{}")),
                400,
                "{\"statusCode\":\"400\",\"error\":\"Error\",\"message\":\"body must have required property 'name'\",\"code\":\"InvalidRequest\"}"); // #14
        assertJson(
                send(
                        "POST",
                        "/bucket",
                        json("{\"name\":\"probe-toobig\",\"file_size_limit\":600000000}")),
                400,
                TOO_LARGE); // #15
        assertJson(
                sendAs(
                        SupabaseEmulator.ANON_KEY,
                        "POST",
                        "/bucket",
                        json("{\"name\":\"probe-anon\"}")),
                400,
                "{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":\"new row violates row-level security policy\",\"code\":\"AccessDenied\"}"); // #16
        assertJson(sendAs(SupabaseEmulator.ANON_KEY, "GET", "/bucket", null), 200, "[]"); // #101
    }

    @Test
    void uploadsWithUpsertAndDuplicateRules() throws Exception {
        emulator.createBucket("probe-private", false, 1_048_576L);
        HttpResponse<String> first =
                send("POST", "/object/probe-private/run1/shard-0001.faiss", octets(1000)); // #18
        assertThat(first.statusCode()).isEqualTo(200);
        String id = JSON.readTree(first.body()).get("Id").asString();
        assertThat(JSON.readTree(first.body()).get("Key").asString())
                .isEqualTo("probe-private/run1/shard-0001.faiss");
        // #19, answered before the body is read with the connection then held unread: a client of
        // its own,
        // so that the requests below do not queue behind it.
        assertJson(
                sendVia(
                        HttpClient.newHttpClient(),
                        SupabaseEmulator.SERVICE_KEY,
                        "POST",
                        "/object/probe-private/run1/shard-0001.faiss",
                        octets(1000)),
                400,
                KEY_EXISTS);
        HttpResponse<String> upsert =
                send(
                        "POST",
                        "/object/probe-private/run1/shard-0001.faiss",
                        octets(1000),
                        "x-upsert",
                        "true");
        assertThat(JSON.readTree(upsert.body()).get("Id").asString()).isEqualTo(id); // #21: same Id
        assertThat(send("PUT", "/object/probe-private/run1/put-new.bin", octets(10)).statusCode())
                .isEqualTo(200); // #23
        assertJson(
                send("POST", "/object/probe-nope/a.bin", octets(10)), 400, NO_SUCH_BUCKET); // #26
        assertJson(
                send(
                        "POST",
                        "/object/probe-private/ct/bad.bin",
                        octets(10),
                        "Content-Type",
                        "not a mime"),
                400,
                "{\"statusCode\":\"415\",\"error\":\"invalid_mime_type\",\"message\":\"Invalid Content-Type header\",\"code\":\"InvalidMimeType\"}"); // #34
        assertJson(
                send("POST", "/object/probe-private/big.bin", octets(1_572_864)),
                400,
                TOO_LARGE); // #38
        // #40: the same body chunked (no Content-Length) is stored despite the bucket limit.
        HttpResponse<String> chunked =
                http.send(
                        request(
                                        "POST",
                                        "/object/probe-private/chunked.bin",
                                        SupabaseEmulator.SERVICE_KEY)
                                .header("Content-Type", "application/octet-stream")
                                .method(
                                        "POST",
                                        HttpRequest.BodyPublishers.ofInputStream(
                                                () ->
                                                        new ByteArrayInputStream(
                                                                new byte[1_572_864])))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(200);
        assertThat(emulator.objects("probe-private").get("chunked.bin")).hasSize(1_572_864);
    }

    @Test
    void downloadsAndAuth() throws Exception {
        emulator.createBucket("probe-private", false, null);
        emulator.putObject(
                "probe-private", "run1/a.bin", new byte[] {1, 2, 3}, "application/octet-stream");
        HttpResponse<String> ok =
                send("GET", "/object/authenticated/probe-private/run1/a.bin", null); // #49
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("etag"))
                .hasValue("\"5289df737df57326fcdd22597afb1fac\"");
        assertJson(
                send("GET", "/object/probe-private/run1/nope.bin", null), 400, NO_SUCH_KEY); // #53
        assertJson(send("GET", "/object/probe-nope/x.bin", null), 400, NO_SUCH_BUCKET); // #55
        assertJson(
                sendAs(null, "GET", "/object/authenticated/probe-private/run1/a.bin", null),
                400,
                "{\"statusCode\":\"400\",\"error\":\"Error\",\"message\":\"headers must have required property 'authorization'\",\"code\":\"InvalidRequest\"}"); // #87
        assertJson(
                sendAs("not-a-jwt", "GET", "/object/authenticated/probe-private/run1/a.bin", null),
                400,
                "{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":\"Invalid Compact JWS\",\"code\":\"AccessDenied\"}"); // #88
        assertJson(
                sendAs("a.b.c", "GET", "/object/authenticated/probe-private/run1/a.bin", null),
                400,
                "{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":\"signature verification failed\",\"code\":\"AccessDenied\"}"); // #89
        // #93: the plain route falls back to the anon role, which cannot see a private bucket.
        assertJson(
                sendAs("a.b.c", "GET", "/object/probe-private/run1/a.bin", null),
                400,
                NO_SUCH_BUCKET);
        assertJson(
                sendAs(
                        SupabaseEmulator.ANON_KEY,
                        "DELETE",
                        "/object/probe-private/run1/a.bin",
                        null),
                400,
                "{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":\"Access denied\",\"code\":\"AccessDenied\"}"); // #102
        assertJson(
                send("POST", "/object/probe-private/names/caf%C3%A9.bin", octets(1)),
                400,
                "{\"statusCode\":\"400\",\"error\":\"InvalidKey\",\"message\":\"Invalid key: names/café.bin\",\"code\":\"InvalidKey\"}"); // #113
        assertThat(send("POST", "/object/probe-private/names/plus+sign.bin", octets(1)).body())
                .contains("names/plus+sign.bin"); // #107
    }

    @Test
    void listIsPerFolderWithOffsetPages() throws Exception {
        emulator.createBucket("probe-big", false, null);
        for (String key :
                List.of(
                        "run1/shard-1.bin",
                        "run1/shard-2.bin",
                        "run1/shard-3.bin",
                        "run1/shard-4.bin",
                        "run1/shard-5.bin",
                        "run1/sub/x.bin",
                        "run10/y.bin")) {
            emulator.putObject("probe-big", key, new byte[5], "application/octet-stream");
        }
        List<String> page =
                names(
                        send(
                                "POST",
                                "/object/list/probe-big",
                                json("{\"prefix\":\"run1/\",\"limit\":2,\"offset\":4}"))); // #63
        assertThat(page).containsExactly("shard-5.bin", "sub");
        assertThat(
                        JSON.readTree(
                                        send(
                                                        "POST",
                                                        "/object/list/probe-big",
                                                        json(
                                                                "{\"prefix\":\"run1/\",\"limit\":2,\"offset\":4}"))
                                                .body())
                                .get(1)
                                .get("id")
                                .isNull())
                .isTrue();
        assertJson(
                send(
                        "POST",
                        "/object/list/probe-big",
                        json("{\"prefix\":\"run1/\",\"limit\":2,\"offset\":6}")),
                200,
                "[]"); // #64
        assertJson(
                send("POST", "/object/list/probe-big", json("{\"prefix\":\"run\"}")),
                200,
                "[]"); // #65
        assertThat(
                        names(
                                send(
                                        "POST",
                                        "/object/list/probe-big",
                                        json("{\"prefix\":\"run1\",\"search\":\"shard-3\"}"))))
                .containsExactly("shard-3.bin"); // #66
        assertThat(names(send("POST", "/object/list/probe-big", json("{\"prefix\":\"\"}"))))
                .containsExactly("run1", "run10"); // #67
        assertJson(
                send("POST", "/object/list/probe-big", json("{}")),
                400,
                "{\"statusCode\":\"400\",\"error\":\"Error\",\"message\":\"body must have required property 'prefix'\",\"code\":\"InvalidRequest\"}"); // #68
        assertJson(
                send("POST", "/object/list/probe-nope", json("{\"prefix\":\"\"}")),
                200,
                "[]"); // #69
    }

    @Test
    void deletes() throws Exception {
        emulator.createBucket("probe-big", false, null);
        emulator.putObject(
                "probe-big", "run1/shard-3.bin", new byte[5], "application/octet-stream");
        emulator.putObject(
                "probe-big", "run1/shard-4.bin", new byte[5], "application/octet-stream");
        assertJson(
                send("DELETE", "/object/probe-big/run1/shard-3.bin", null),
                200,
                "{\"message\":\"Successfully deleted\"}"); // #79
        assertJson(
                send("DELETE", "/object/probe-big/run1/shard-3.bin", null),
                400,
                NO_SUCH_KEY); // #80
        HttpResponse<String> bulk =
                send(
                        "DELETE",
                        "/object/probe-big",
                        json("{\"prefixes\":[\"run1/shard-4.bin\",\"run1/nope.bin\"]}"));
        assertThat(names(bulk)).containsExactly("run1/shard-4.bin"); // #81
        assertJson(
                send("DELETE", "/object/probe-big", json("{\"prefixes\":[]}")),
                400,
                "{\"statusCode\":\"400\",\"error\":\"Error\",\"message\":\"body/prefixes must NOT have fewer than 1 items\",\"code\":\"InvalidRequest\"}"); // #84
        assertJson(send("DELETE", "/object/probe-nope/x.bin", null), 400, NO_SUCH_KEY); // #85
    }

    @Test
    void tusCreateHeadPatchAndItsErrors() throws Exception {
        emulator.createBucket("probe-big", false, null);
        emulator.createBucket("probe-small", false, 1_048_576L);
        String metadata = metadata("probe-big", "tus/shard-0001.faiss");
        HttpResponse<String> created =
                send(
                        "POST",
                        "/upload/resumable",
                        null,
                        "Tus-Resumable",
                        "1.0.0",
                        "Upload-Length",
                        "10",
                        "Upload-Metadata",
                        metadata); // #128
        assertThat(created.statusCode()).isEqualTo(201);
        String location = created.headers().firstValue("location").orElseThrow();
        assertThat(location).startsWith(root + "/upload/resumable/");
        String path = location.substring(root.length());
        HttpResponse<String> head = send("HEAD", path, null, "Tus-Resumable", "1.0.0");
        assertThat(head.headers().firstValue("upload-offset")).hasValue("0");
        assertThat(head.headers().firstValue("upload-length")).hasValue("10");
        assertThat(patch(path, 0, 6).statusCode()).isEqualTo(204);
        assertText(patch(path, 0, 4), 409, "Upload-Offset conflict"); // #131
        assertText(patch(path, 1000, 4), 409, "Upload-Offset conflict"); // #132
        assertText(patch(path, 6, 5), 413, "upload's size exceeded"); // #155
        assertText(
                send(
                        "PATCH",
                        path,
                        new byte[4],
                        "Tus-Resumable",
                        "1.0.0",
                        "Upload-Offset",
                        "6",
                        "Content-Type",
                        "application/octet-stream"),
                400,
                "Invalid content-type"); // #135
        HttpResponse<String> last = patch(path, 6, 4);
        assertThat(last.headers().firstValue("tus-complete")).hasValue("1");
        assertText(patch(path, 10, 1), 409, "The resource already exists"); // #138
        assertText(
                send(
                        "POST",
                        "/upload/resumable",
                        null,
                        "Tus-Resumable",
                        "1.0.0",
                        "Upload-Length",
                        "10",
                        "Upload-Metadata",
                        metadata),
                409,
                "The resource already exists"); // #142
        assertText(
                send(
                        "POST",
                        "/upload/resumable",
                        null,
                        "Tus-Resumable",
                        "1.0.0",
                        "Upload-Length",
                        "1048577",
                        "Upload-Metadata",
                        metadata("probe-small", "x.bin")),
                413,
                "Maximum size exceeded"); // #144
        assertText(
                send(
                        "POST",
                        "/upload/resumable",
                        null,
                        "Tus-Resumable",
                        "1.0.0",
                        "Upload-Length",
                        "10"),
                400,
                "Metadata header is required"); // #151
        assertText(
                send(
                        "POST",
                        "/upload/resumable",
                        null,
                        "Upload-Length",
                        "10",
                        "Upload-Metadata",
                        metadata),
                412,
                "Tus-Resumable Required"); // #152
        assertText(
                send(
                        "POST",
                        "/upload/resumable",
                        null,
                        "Tus-Resumable",
                        "1.0.0",
                        "Upload-Length",
                        "10",
                        "Upload-Metadata",
                        metadata("probe-nope", "x.bin")),
                404,
                "Bucket not found"); // #150

        // #165-#168: an upsert upload must say x-upsert on every PATCH, or the existing object
        // wins.
        HttpResponse<String> upsert =
                send(
                        "POST",
                        "/upload/resumable",
                        null,
                        "Tus-Resumable",
                        "1.0.0",
                        "Upload-Length",
                        "4",
                        "Upload-Metadata",
                        metadata,
                        "x-upsert",
                        "true");
        assertThat(upsert.statusCode()).isEqualTo(201); // #143
        String upsertPath =
                upsert.headers().firstValue("location").orElseThrow().substring(root.length());
        assertText(patch(upsertPath, 0, 4), 409, "The resource already exists");
        assertThat(
                        send(
                                        "PATCH",
                                        upsertPath,
                                        new byte[4],
                                        "Tus-Resumable",
                                        "1.0.0",
                                        "Upload-Offset",
                                        "0",
                                        "Content-Type",
                                        "application/offset+octet-stream",
                                        "x-upsert",
                                        "true")
                                .statusCode())
                .isEqualTo(204);

        // #158-#160: termination.
        HttpResponse<String> doomed =
                send(
                        "POST",
                        "/upload/resumable",
                        null,
                        "Tus-Resumable",
                        "1.0.0",
                        "Upload-Length",
                        "4",
                        "Upload-Metadata",
                        metadata("probe-big", "tus/doomed.bin"));
        String doomedPath =
                doomed.headers().firstValue("location").orElseThrow().substring(root.length());
        assertThat(send("DELETE", doomedPath, null, "Tus-Resumable", "1.0.0").statusCode())
                .isEqualTo(204);
        assertThat(send("HEAD", doomedPath, null, "Tus-Resumable", "1.0.0").statusCode())
                .isEqualTo(404);
        assertText(patch(doomedPath, 0, 4), 404, "The file for this url was not found");
    }

    private HttpResponse<String> patch(String path, long offset, int bytes) throws Exception {
        return send(
                "PATCH",
                path,
                new byte[bytes],
                "Tus-Resumable",
                "1.0.0",
                "Upload-Offset",
                Long.toString(offset),
                "Content-Type",
                "application/offset+octet-stream");
    }

    private HttpResponse<String> send(String method, String path, byte[] body, String... headers)
            throws Exception {
        return sendAs(SupabaseEmulator.SERVICE_KEY, method, path, body, headers);
    }

    private HttpResponse<String> sendAs(
            String key, String method, String path, byte[] body, String... headers)
            throws Exception {
        return sendVia(http, key, method, path, body, headers);
    }

    private HttpResponse<String> sendVia(
            HttpClient client,
            String key,
            String method,
            String path,
            byte[] body,
            String... headers)
            throws Exception {
        HttpRequest.Builder request = request(method, path, key);
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !typed) {
            request.header(
                    "Content-Type",
                    body.length > 0 && body[0] == '{' || body.length > 0 && body[0] == '['
                            ? "application/json"
                            : "application/octet-stream");
        }
        request.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String method, String path, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(root + path));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return request;
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] octets(int length) {
        byte[] data = new byte[length];
        data[0] = 1;
        return data;
    }

    private static String metadata(String bucket, String key) {
        Base64.Encoder b64 = Base64.getEncoder();
        return "bucketName "
                + b64.encodeToString(bucket.getBytes())
                + ",objectName "
                + b64.encodeToString(key.getBytes())
                + ",contentType "
                + b64.encodeToString("application/octet-stream".getBytes());
    }

    private static List<String> names(HttpResponse<String> response) {
        return JSON.readTree(response.body())
                .valueStream()
                .map(node -> node.get("name").asString())
                .toList();
    }

    private static void assertJson(HttpResponse<String> response, int status, String body) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readValue(response.body(), Object.class))
                .isEqualTo(JSON.readValue(body, Object.class));
    }

    private static void assertText(HttpResponse<String> response, int status, String body) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.body()).isEqualTo(body);
    }
}
