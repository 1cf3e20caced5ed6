package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.supabase.SupabaseProperties;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * What goes on the wire and what comes back, against a raw socket server on 127.0.0.1 that records
 * the exact request-line bytes and answers with any headers: IRIs leave as UTF-8 percent-escapes,
 * compressed bodies are decoded within the size limit, and unusable URLs fail alone with
 * invalid_url.
 */
class RequestEncodingTests {

    private static final int MAX_BYTES = 64 * 1024;

    private ServerSocket server;
    private Thread acceptor;
    private final List<byte[]> requestLines = new CopyOnWriteArrayList<>();
    private volatile Function<String, byte[]> answer =
            path -> response("", "image bytes".getBytes(StandardCharsets.US_ASCII));
    private TestImageFetcher fetcher;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::serve, "raw-server");
        acceptor.setDaemon(true);
        acceptor.start();
        SupabaseProperties noSupabase =
                new SupabaseProperties(
                        null,
                        null,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(60),
                        new SupabaseProperties.Retry(
                                1, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0));
        fetcher =
                new TestImageFetcher(
                        WebClient.builder(),
                        new FetchProperties(
                                2,
                                Duration.ofSeconds(2),
                                Duration.ofSeconds(2),
                                Duration.ofSeconds(10),
                                DataSize.ofBytes(MAX_BYTES),
                                3,
                                0,
                                "fsb-test",
                                new FetchProperties.Egress(List.of("127.0.0.1/32"), List.of()),
                                new FetchProperties.Files(true, List.of()),
                                8,
                                0,
                                List.of(),
                                Duration.ofMinutes(5),
                                Duration.ofSeconds(1),
                                Duration.ofMinutes(2),
                                Duration.ZERO),
                        noSupabase,
                        JsonMapper.builder().build());
    }

    @AfterEach
    void stop() throws Exception {
        fetcher.destroy();
        server.close();
        acceptor.join(5000);
    }

    @Test
    void aLiteralSpaceIsSentAsPercent20() throws Exception {
        URI url =
                ImageUrl.parse("http://127.0.0.1:" + server.getLocalPort() + "/shoes/red shoe.jpg");
        assertThat(fetcher.fetch(url).get(10, TimeUnit.SECONDS)).hasSize(11);
        assertThat(requestLines).hasSize(1);
        assertThat(requestLines.get(0))
                .isEqualTo(
                        "GET /shoes/red%20shoe.jpg HTTP/1.1".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void nonAsciiPathsAndQueriesAreSentAsUtf8PercentEscapes() throws Exception {
        URI url =
                ImageUrl.parse(
                        "http://127.0.0.1:"
                                + server.getLocalPort()
                                + "/caf\u00e9/\u65e5\u672c \u00fc.jpg?name=\u00e9t\u00e9&x=1");
        assertThat(fetcher.fetch(url).get(10, TimeUnit.SECONDS)).hasSize(11);
        assertThat(new String(requestLines.get(0), StandardCharsets.ISO_8859_1))
                .isEqualTo(
                        "GET /caf%C3%A9/%E6%97%A5%E6%9C%AC%20%C3%BC.jpg?name=%C3%A9t%C3%A9&x=1 HTTP/1.1");
        for (byte b : requestLines.get(0)) {
            assertThat(b & 0xFF).as("every byte on the wire is ASCII").isLessThan(0x80);
        }
    }

    @Test
    void aRedirectToAnIriIsEscapedTheSameWay() throws Exception {
        answer =
                path ->
                        path.equals("/start")
                                ? redirect("/\u00e9t\u00e9 2.jpg")
                                : response("", new byte[] {1, 2, 3});
        URI url = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/start");
        assertThat(fetcher.fetch(url).get(10, TimeUnit.SECONDS)).containsExactly(1, 2, 3);
        assertThat(new String(requestLines.get(1), StandardCharsets.ISO_8859_1))
                .isEqualTo("GET /%C3%A9t%C3%A9%202.jpg HTTP/1.1");
    }

    @Test
    void gzipAndDeflateBodiesAreDecoded() throws Exception {
        byte[] image = new byte[20_000];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i % 251);
        }
        answer =
                path ->
                        switch (path) {
                            case "/gzip.jpg" -> response("Content-Encoding: gzip\r\n", gzip(image));
                            case "/zlib.jpg" ->
                                    response(
                                            "Content-Encoding: deflate\r\n", deflate(image, false));
                            case "/raw-deflate.jpg" ->
                                    response("Content-Encoding: deflate\r\n", deflate(image, true));
                            default -> response("Content-Encoding: identity\r\n", image);
                        };
        for (String path : List.of("/gzip.jpg", "/zlib.jpg", "/raw-deflate.jpg", "/plain.jpg")) {
            assertThat(fetcher.fetch(url(path)).get(10, TimeUnit.SECONDS))
                    .as(path)
                    .isEqualTo(image);
        }
    }

    @Test
    void aGzipBombIsRefusedOnItsDecodedSize() throws Exception {
        byte[] bomb = gzip(new byte[MAX_BYTES * 50]);
        assertThat(bomb.length).isLessThan(MAX_BYTES);
        answer = path -> response("Content-Encoding: gzip\r\n", bomb);
        ImageRejectedException failure = failure(fetcher.fetch(url("/bomb.jpg")));
        assertThat(failure.reason()).isEqualTo(FailureReason.TOO_LARGE);
        assertThat(failure.detail()).contains("decoded");
    }

    @Test
    void otherEncodingsAndDamagedGzipAreRefusedPrecisely() throws Exception {
        answer =
                path ->
                        path.equals("/br.jpg")
                                ? response(
                                        "Content-Encoding: br\r\n",
                                        "SECRET-BODY".getBytes(StandardCharsets.US_ASCII))
                                : response(
                                        "Content-Encoding: gzip\r\n",
                                        "SECRET-BODY not gzip".getBytes(StandardCharsets.US_ASCII));
        ImageRejectedException br = failure(fetcher.fetch(url("/br.jpg")));
        assertThat(br.reason()).isEqualTo(FailureReason.UNSUPPORTED_ENCODING);
        assertThat(br.detail()).contains("'br'").doesNotContain("SECRET");
        ImageRejectedException damaged = failure(fetcher.fetch(url("/bad.jpg")));
        assertThat(damaged.reason()).isEqualTo(FailureReason.CORRUPT);
        assertThat(damaged.detail()).contains("gzip").doesNotContain("SECRET");
    }

    @Test
    void unusableUrlsFailAloneAsInvalidUrl() throws Exception {
        for (URI url :
                List.of(
                        ImageUrl.invalid("the host is not a valid name"),
                        URI.create("http:/no-host.jpg"),
                        URI.create("http://a_b:1/x.jpg"))) {
            ImageRejectedException failure = failure(fetcher.fetch(url));
            assertThat(failure.reason()).as(url.toString()).isEqualTo(FailureReason.INVALID_URL);
        }
        answer = path -> redirect("http://[::1/x");
        assertThat(failure(fetcher.fetch(url("/bad-redirect"))).reason())
                .isEqualTo(FailureReason.INVALID_URL);
        assertThat(requestLines).as("only the redirecting request went out").hasSize(1);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    head.write(b);
                    byte[] seen = head.toByteArray();
                    int n = seen.length;
                    if (n >= 4
                            && seen[n - 4] == '\r'
                            && seen[n - 3] == '\n'
                            && seen[n - 2] == '\r'
                            && seen[n - 1] == '\n') {
                        break;
                    }
                }
                byte[] all = head.toByteArray();
                int end = 0;
                while (end < all.length && all[end] != '\r') {
                    end++;
                }
                byte[] line = java.util.Arrays.copyOf(all, end);
                requestLines.add(line);
                String path = new String(line, StandardCharsets.ISO_8859_1).split(" ")[1];
                OutputStream out = socket.getOutputStream();
                out.write(answer.apply(path));
                out.flush();
            } catch (IOException ex) {
                // closed at the end of the test, or the client hung up
            }
        }
    }

    private static byte[] response(String headers, byte[] body) {
        byte[] head =
                ("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nConnection: close\r\nContent-Length: "
                                + body.length
                                + "\r\n"
                                + headers
                                + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private static byte[] redirect(String location) {
        return ("HTTP/1.1 302 Found\r\nLocation: "
                        + location
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data, boolean raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate =
                new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
            deflate.write(data);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        return out.toByteArray();
    }

    private static ImageRejectedException failure(CompletableFuture<byte[]> fetched)
            throws Exception {
        try {
            byte[] body = fetched.get(10, TimeUnit.SECONDS);
            return fail("expected a failure, got %d bytes", body.length);
        } catch (ExecutionException ex) {
            assertThat(ex.getCause()).isInstanceOf(ImageRejectedException.class);
            return (ImageRejectedException) ex.getCause();
        }
    }
}
