package dev.faissshard.supabase;

import io.netty.channel.ChannelOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryListener;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.policy.SimpleRetryPolicy;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * One Supabase API (Storage or PostgREST) over WebClient: the base URL and both auth headers
 * applied once, timeouts, and every call run under Spring Retry. Calls block: they run on job
 * threads, never on Netty's.
 *
 * <p>Every failure leaves here typed ({@link SupabaseFailures}): callers catch {@link
 * SupabaseNotFoundException}, {@link SupabaseTimeoutException} and the like, and the retry policy
 * asks only {@link SupabaseException#isTransient()}.
 *
 * <p>The key goes only into the default headers; it is never part of a URL, a log line or a
 * message.
 */
final class SupabaseHttp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SupabaseHttp.class);

    /**
     * Large enough for a whole shard or a page of rows; Storage caps standard uploads at 50 MiB.
     */
    private static final int MAX_BODY_BYTES = 512 * 1024 * 1024;

    private final WebClient client;
    private final WebClient unpooledClient;
    private final RetryTemplate retry;
    private final ConnectionProvider connections;
    private final String baseUrl;

    SupabaseHttp(WebClient.Builder builder, SupabaseProperties properties, String apiPath) {
        this(builder, properties, apiPath, new RetryAfterBackOffPolicy(properties.retry()));
    }

    SupabaseHttp(
            WebClient.Builder builder,
            SupabaseProperties properties,
            String apiPath,
            BackOffPolicy backOff) {
        properties.requireConfigured("Supabase" + apiPath);
        this.baseUrl = properties.baseUrl() + apiPath;
        this.connections =
                ConnectionProvider.builder("supabase" + apiPath.replace('/', '-'))
                        .maxConnections(32)
                        .pendingAcquireMaxCount(-1)
                        .maxIdleTime(Duration.ofSeconds(20))
                        .build();
        this.client = webClient(builder, properties, HttpClient.create(connections));
        this.unpooledClient =
                webClient(
                        builder, properties, HttpClient.create(ConnectionProvider.newConnection()));
        this.retry = retryTemplate(properties.retry(), backOff);
    }

    /** The API's root URL, e.g. {@code https://<ref>.supabase.co/storage/v1}. */
    String baseUrl() {
        return baseUrl;
    }

    WebClient client() {
        return client;
    }

    /**
     * Like {@link #client()}, but each request on a connection of its own that is closed after the
     * answer: for requests the server may answer before reading their body, which would leave a
     * pooled connection with the unread rest of the body in front of the next request.
     */
    WebClient unpooledClient() {
        return unpooledClient;
    }

    /**
     * Runs {@code call} with retries of transient failures; rethrows the last failure when they are
     * exhausted.
     */
    <T> T withRetry(String description, Supplier<T> call) {
        return retry.execute(
                (RetryCallback<T, RuntimeException>)
                        context -> {
                            context.setAttribute(RetryContext.NAME, description);
                            return call.get();
                        });
    }

    /**
     * Sends one request (no retry) and reads the whole answer; a non-2xx answer is a {@link
     * SupabaseHttpException} of the subtype its status calls for, no answer a {@link
     * SupabaseTimeoutException} or {@link SupabaseUnreachableException}.
     */
    SupabaseResponse exchange(String description, WebClient.RequestHeadersSpec<?> request) {
        try {
            return request.exchangeToMono(response -> read(description, response)).block();
        } catch (RuntimeException ex) {
            throw SupabaseFailures.translate(description, ex);
        }
    }

    /** {@link #exchange} under {@link #withRetry}: for calls that are safe to repeat. */
    SupabaseResponse call(String description, Supplier<WebClient.RequestHeadersSpec<?>> request) {
        return withRetry(description, () -> exchange(description, request.get()));
    }

    @Override
    public void close() {
        connections.dispose();
    }

    private WebClient webClient(
            WebClient.Builder builder, SupabaseProperties properties, HttpClient connections) {
        HttpClient http =
                connections
                        .option(
                                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int) properties.connectTimeout().toMillis())
                        .responseTimeout(properties.readTimeout())
                        .compress(false);
        return builder.clone()
                .baseUrl(baseUrl)
                .clientConnector(new ReactorClientHttpConnector(http))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(MAX_BODY_BYTES))
                .defaultHeader("apikey", properties.key())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.key())
                .build();
    }

    private static Mono<SupabaseResponse> read(String description, ClientResponse response) {
        int status = response.statusCode().value();
        HttpHeaders headers = response.headers().asHttpHeaders();
        return DataBufferUtils.join(response.bodyToFlux(DataBuffer.class), MAX_BODY_BYTES)
                .map(
                        buffer -> {
                            try {
                                byte[] bytes = new byte[buffer.readableByteCount()];
                                buffer.read(bytes);
                                return bytes;
                            } finally {
                                DataBufferUtils.release(buffer);
                            }
                        })
                .defaultIfEmpty(new byte[0])
                .flatMap(
                        body -> {
                            if (status >= 200 && status < 300) {
                                return Mono.just(new SupabaseResponse(status, headers, body));
                            }
                            return Mono.error(
                                    SupabaseHttpException.of(
                                            description,
                                            status,
                                            SupabaseErrorBody.parse(
                                                    new String(body, StandardCharsets.UTF_8)),
                                            retryAfter(headers.getFirst(HttpHeaders.RETRY_AFTER))));
                        });
    }

    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip())));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration wait =
                        Duration.between(
                                ZonedDateTime.now(),
                                ZonedDateTime.parse(
                                        value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME));
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    private static RetryTemplate retryTemplate(
            SupabaseProperties.Retry settings, BackOffPolicy backOff) {
        RetryTemplate template = new RetryTemplate();
        template.setRetryPolicy(new TransientRetryPolicy(settings.maxAttempts()));
        template.setBackOffPolicy(backOff);
        template.setThrowLastExceptionOnExhausted(true);
        template.registerListener(
                new RetryListener() {
                    @Override
                    public <T, E extends Throwable> void onError(
                            RetryContext context, RetryCallback<T, E> callback, Throwable failure) {
                        if (isTransient(failure)
                                && context.getRetryCount() < settings.maxAttempts()) {
                            log.warn(
                                    "{} failed (attempt {} of {}), retrying: {}",
                                    context.getAttribute(RetryContext.NAME),
                                    context.getRetryCount(),
                                    settings.maxAttempts(),
                                    failure.getMessage());
                        }
                    }
                });
        return template;
    }

    static boolean isTransient(Throwable failure) {
        return failure instanceof SupabaseException supabase && supabase.isTransient();
    }

    /** Retries only what the failure's type says another attempt may cure. */
    private static final class TransientRetryPolicy extends SimpleRetryPolicy {

        TransientRetryPolicy(int maxAttempts) {
            super(maxAttempts);
        }

        @Override
        public boolean canRetry(RetryContext context) {
            Throwable last = context.getLastThrowable();
            return (last == null || isTransient(last))
                    && context.getRetryCount() < getMaxAttempts();
        }
    }
}
