package dev.faissshard.fetch;

import dev.faissshard.failure.Causes;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's {@link ImageFetcher}: picks the transport by URL: objects in a Supabase bucket
 * through the Storage API, other http(s) URLs directly, {@code file:} from disk. It only routes;
 * {@link FetchConfiguration} builds the transports and owns their threads and connections.
 *
 * <p>It also holds the contract for all of them: whatever a transport fails with that is not an
 * {@link ImageRejectedException} (a bug, a surprise from a library) becomes {@link
 * FailureReason#UNEXPECTED_ERROR}, transient, so that it costs one image a retry by the next job
 * and never passes for a fact about the image.
 */
public final class RoutingImageFetcher implements ImageFetcher {

    private static final Logger log = LoggerFactory.getLogger(RoutingImageFetcher.class);

    private final HttpImageFetcher http;
    private final FileImageFetcher file;
    private final URI supabaseUrl;
    private final SupabaseImageFetcher supabase;

    /**
     * @param supabaseUrl the configured project's URL, whose object URLs go through the Storage
     *     API; null when no project is configured
     * @param supabase the Storage API transport; null when no project is configured
     */
    RoutingImageFetcher(
            HttpImageFetcher http,
            FileImageFetcher file,
            URI supabaseUrl,
            SupabaseImageFetcher supabase) {
        this.http = http;
        this.file = file;
        this.supabaseUrl = supabaseUrl;
        this.supabase = supabase;
    }

    @Override
    public CompletableFuture<byte[]> fetch(URI url, Path catalogueFolder) {
        CompletableFuture<byte[]> routed;
        try {
            routed = route(url, catalogueFolder);
        } catch (RuntimeException ex) {
            routed = CompletableFuture.failedFuture(ex);
        }
        CompletableFuture<byte[]> transport = routed;
        CompletableFuture<byte[]> result =
                routed.exceptionallyCompose(
                        failure -> CompletableFuture.failedFuture(rejection(url, failure)));
        // Cancelling what the caller holds (a straggler given up) reaches the transport, which
        // drops the queued download or aborts the running one.
        result.whenComplete(
                (body, failure) -> {
                    if (result.isCancelled()) {
                        transport.cancel(true);
                    }
                });
        return result;
    }

    private CompletableFuture<byte[]> route(URI url, Path catalogueFolder) {
        Optional<String> invalid = ImageUrl.invalidReason(url);
        if (invalid.isPresent()) {
            return CompletableFuture.failedFuture(
                    new ImageRejectedException(
                            FailureReason.INVALID_URL,
                            "the catalogue's image URL is not a valid URL: " + invalid.get()));
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        var object = SupabaseObjectUrl.parse(url, supabaseUrl);
        if (object.isPresent() && object.get().invalidReason().isPresent()) {
            return CompletableFuture.failedFuture(
                    new ImageRejectedException(
                            FailureReason.INVALID_URL,
                            "the catalogue's Supabase object URL is "
                                    + object.get().invalidReason().get()
                                    + " ("
                                    + url
                                    + ")"));
        }
        if (object.isPresent()) {
            return supabase == null
                    ? CompletableFuture.failedFuture(
                            new ImageRejectedException(
                                    FailureReason.UNSUPPORTED_URL,
                                    "supabase:// URLs need fsb.supabase.url and fsb.supabase.key ("
                                            + url
                                            + ")"))
                    : supabase.fetch(url, object.get());
        }
        return switch (scheme) {
            case "http", "https" -> http.fetch(url);
            case "file" -> file.fetch(url, catalogueFolder);
            default ->
                    CompletableFuture.failedFuture(
                            new ImageRejectedException(
                                    FailureReason.UNSUPPORTED_URL,
                                    "unsupported URL scheme '" + scheme + "' in " + url));
        };
    }

    /**
     * The rejection a transport gave, or an unexpected one naming only the failure's type: its
     * message may quote data.
     */
    private static ImageRejectedException rejection(URI url, Throwable failure) {
        Throwable cause = Causes.unwrapped(failure);
        if (cause instanceof ImageRejectedException rejected) {
            return rejected;
        }
        log.warn(
                "Unexpected {} fetching an image; filed as {}",
                cause.getClass().getName(),
                FailureReason.UNEXPECTED_ERROR.key());
        return new ImageRejectedException(
                FailureReason.UNEXPECTED_ERROR,
                "unexpected " + cause.getClass().getSimpleName() + " (" + url + ")",
                cause);
    }
}
