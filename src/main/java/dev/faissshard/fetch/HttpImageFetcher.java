package dev.faissshard.fetch;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.ReadTimeoutHandler;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import dev.faissshard.image.FailureReason;
import dev.faissshard.image.ImageRejectedException;

/**
 * Downloads over HTTP(S) with WebClient on Reactor Netty: bounded concurrency, connect / read / total
 * timeouts, a body size limit enforced while streaming, and redirects followed by hand so that their
 * number is bounded and loops are caught.
 */
final class HttpImageFetcher {

    private final WebClient client;
    private final FetchProperties properties;
    private final ConcurrencyLimiter limiter;
    private final ConnectionProvider connections;

    HttpImageFetcher(WebClient.Builder builder, FetchProperties properties) {
        this.properties = properties;
        this.limiter = new ConcurrencyLimiter(properties.concurrency());
        this.connections = ConnectionProvider.builder("image-fetch").maxConnections(properties.concurrency())
            .pendingAcquireMaxCount(-1).maxIdleTime(Duration.ofSeconds(30)).build();
        HttpClient http = HttpClient.create(connections)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.connectTimeout().toMillis())
            .responseTimeout(properties.readTimeout())
            .doOnConnected(connection -> connection
                .addHandlerLast(new ReadTimeoutHandler(properties.readTimeout().toMillis(),
                        java.util.concurrent.TimeUnit.MILLISECONDS)))
            // Hang up as soon as the headers announce too big a body: WebClient would otherwise drain
            // it to keep the connection reusable, downloading the very bytes we refuse.
            .doOnResponse((response, connection) -> {
                String length = response.responseHeaders().get(HttpHeaders.CONTENT_LENGTH);
                if (length != null && isOver(length, properties.maxBytes().toBytes())) {
                    connection.dispose();
                }
            })
            .followRedirect(false)
            .compress(false);
        // No per-request observation: the service counts fetches itself (fsb_images_fetched_total, failures
        // by reason), and an http.client.requests timer per image URL is cardinality and garbage for nothing.
        this.client = builder.clone().observationRegistry(ObservationRegistry.NOOP)
            .clientConnector(new ReactorClientHttpConnector(http))
            .defaultHeader(HttpHeaders.USER_AGENT, properties.userAgent())
            .defaultHeader(HttpHeaders.ACCEPT, "image/*,*/*;q=0.5")
            .build();
    }

    CompletableFuture<byte[]> fetch(URI url) {
        return limiter.submit(() -> download(url).toFuture());
    }

    int inFlight() {
        return limiter.inFlight();
    }

    void close() {
        connections.dispose();
    }

    private Mono<byte[]> download(URI url) {
        Mono<byte[]> attempt = Mono.defer(() -> get(url, properties.maxRedirects(), new HashSet<>()));
        return attempt
            .retryWhen(Retry.backoff(properties.retries(), Duration.ofMillis(200)).filter(HttpImageFetcher::isRetryable)
                .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
            .timeout(properties.totalTimeout())
            .onErrorMap(failure -> !(failure instanceof ImageRejectedException), failure -> translate(url, failure));
    }

    private Mono<byte[]> get(URI url, int redirectsLeft, Set<URI> visited) {
        visited.add(url);
        return client.get().uri(url).exchangeToMono(response -> {
            int status = response.statusCode().value();
            if (status >= 300 && status < 400 && response.headers().asHttpHeaders().getLocation() != null) {
                URI next = url.resolve(response.headers().asHttpHeaders().getLocation());
                return response.releaseBody().then(Mono.defer(() -> redirect(url, next, redirectsLeft, visited)));
            }
            if (status < 200 || status >= 300) {
                FailureReason reason = status >= 500 || status == 429 ? FailureReason.SERVER_UNAVAILABLE
                        : FailureReason.HTTP_STATUS;
                return response.releaseBody().then(Mono.error(new ImageRejectedException(reason,
                        "HTTP " + status + " from " + url)));
            }
            return body(response, url);
        });
    }

    private Mono<byte[]> redirect(URI from, URI to, int redirectsLeft, Set<URI> visited) {
        if (visited.contains(to)) {
            return Mono.error(new ImageRejectedException(FailureReason.TOO_MANY_REDIRECTS, "redirect loop at " + to));
        }
        if (redirectsLeft <= 0) {
            return Mono.error(new ImageRejectedException(FailureReason.TOO_MANY_REDIRECTS,
                    "more than " + properties.maxRedirects() + " redirects from " + from));
        }
        String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Mono.error(new ImageRejectedException(FailureReason.UNSUPPORTED_URL, "redirect to " + to));
        }
        return get(to, redirectsLeft - 1, visited);
    }

    private Mono<byte[]> body(ClientResponse response, URI url) {
        long max = properties.maxBytes().toBytes();
        long declared = response.headers().contentLength().orElse(-1);
        if (declared > max) {
            return Mono.error(new ImageRejectedException(FailureReason.TOO_LARGE,
                    declared + " bytes (Content-Length) over the limit of " + max));
        }
        return DataBufferUtils.join(response.bodyToFlux(DataBuffer.class), (int) max).map(buffer -> {
            try {
                byte[] bytes = new byte[buffer.readableByteCount()];
                buffer.read(bytes);
                return bytes;
            }
            finally {
                DataBufferUtils.release(buffer);
            }
        }).defaultIfEmpty(new byte[0]).onErrorMap(DataBufferLimitException.class,
                ex -> new ImageRejectedException(FailureReason.TOO_LARGE, "body over the limit of " + max + " bytes"));
    }

    private static boolean isOver(String contentLength, long max) {
        try {
            return Long.parseLong(contentLength.trim()) > max;
        }
        catch (NumberFormatException ex) {
            return false;
        }
    }

    private static boolean isRetryable(Throwable failure) {
        if (failure instanceof ImageRejectedException rejected) {
            return rejected.reason() == FailureReason.SERVER_UNAVAILABLE;
        }
        FailureReason reason = classify(failure);
        return reason == FailureReason.CONNECTION;
    }

    private ImageRejectedException translate(URI url, Throwable failure) {
        FailureReason reason = classify(failure);
        String what = reason == FailureReason.TIMEOUT && isTotalTimeout(failure)
                ? "no complete answer within " + properties.totalTimeout().toMillis() + " ms"
                : rootMessage(failure);
        return new ImageRejectedException(reason, what + " (" + url + ")", failure);
    }

    private static boolean isTotalTimeout(Throwable failure) {
        return failure instanceof TimeoutException;
    }

    private static FailureReason classify(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TimeoutException || cause instanceof ReadTimeoutException
                    || cause instanceof ConnectTimeoutException
                    || cause instanceof io.netty.handler.timeout.TimeoutException) {
                return FailureReason.TIMEOUT;
            }
            if (cause instanceof ConnectException || cause instanceof UnknownHostException
                    || cause instanceof PrematureCloseException || cause instanceof ClosedChannelException
                    || cause instanceof java.io.IOException) {
                return FailureReason.CONNECTION;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return FailureReason.CONNECTION;
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
