package dev.faissshard.fetch;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

import dev.faissshard.image.FailureReason;
import dev.faissshard.image.ImageRejectedException;
import dev.faissshard.storage.supabase.SupabaseObjects;
import dev.faissshard.supabase.SupabaseHttp;
import dev.faissshard.supabase.SupabaseProperties;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service's {@link ImageFetcher}: picks the transport by URL: objects in a Supabase bucket through the
 * Storage API, other http(s) URLs directly, {@code file:} from disk.
 */
@Component
public class RoutingImageFetcher implements ImageFetcher, DisposableBean {

    private final HttpImageFetcher http;
    private final FileImageFetcher file;
    private final ExecutorService fileThreads;
    private final URI supabaseUrl;
    private final SupabaseHttp supabaseHttp;
    private final SupabaseImageFetcher supabase;
    private final ExecutorService supabaseThreads;

    @Autowired
    public RoutingImageFetcher(WebClient.Builder webClient, FetchProperties properties, SupabaseProperties supabase,
            JsonMapper json) {
        this(webClient, properties, supabase, json, SystemDefaultDnsResolver.INSTANCE);
    }

    /** With another name resolver under the egress policy: tests map their host names to 127.0.0.1. */
    RoutingImageFetcher(WebClient.Builder webClient, FetchProperties properties, SupabaseProperties supabase,
            JsonMapper json, DnsResolver resolver) {
        this.http = new HttpImageFetcher(properties, policy(properties, supabase), resolver);
        this.fileThreads = Executors.newFixedThreadPool(Math.min(8, properties.concurrency()),
                new CustomizableThreadFactory("file-fetch-"));
        this.file = new FileImageFetcher(properties.maxBytes().toBytes(), properties.files(), fileThreads);
        if (supabase.configured()) {
            this.supabaseUrl = supabase.url();
            this.supabaseHttp = new SupabaseHttp(webClient, supabase, "/storage/v1");
            // Blocking downloads: as many threads as downloads may be in flight.
            this.supabaseThreads = Executors.newFixedThreadPool(properties.concurrency(),
                    new CustomizableThreadFactory("supabase-fetch-"));
            this.supabase = new SupabaseImageFetcher(new SupabaseObjects(supabaseHttp, json), properties.maxBytes().toBytes(),
                    supabaseThreads);
        }
        else {
            this.supabaseUrl = null;
            this.supabaseHttp = null;
            this.supabaseThreads = null;
            this.supabase = null;
        }
    }

    /**
     * The configured policy, with the operator's own Supabase project admitted: its URL is configuration,
     * not catalogue content, and may well be a private address (self-hosted Supabase).
     */
    private static EgressPolicy policy(FetchProperties properties, SupabaseProperties supabase) {
        List<String> allow = new ArrayList<>(properties.egress().allow());
        if (supabase.configured() && !ImageUrl.host(supabase.url()).isEmpty()) {
            allow.add(ImageUrl.host(supabase.url()));
        }
        return new EgressPolicy(allow, properties.egress().deny());
    }

    @Override
    public CompletableFuture<byte[]> fetch(URI url, Path catalogueFolder) {
        try {
            return route(url, catalogueFolder);
        }
        catch (RuntimeException ex) {
            // A bug here must cost one image a transient failure, never a false permanent verdict.
            return CompletableFuture.failedFuture(new ImageRejectedException(FailureReason.UNEXPECTED_ERROR,
                    "unexpected " + ex.getClass().getSimpleName() + " (" + url + ")", ex));
        }
    }

    private CompletableFuture<byte[]> route(URI url, Path catalogueFolder) {
        Optional<String> invalid = ImageUrl.invalidReason(url);
        if (invalid.isPresent()) {
            return CompletableFuture.failedFuture(new ImageRejectedException(FailureReason.INVALID_URL,
                    "the catalogue's image URL is not a valid URL: " + invalid.get()));
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        var object = SupabaseObjectUrl.parse(url, supabaseUrl);
        if (object.isPresent()) {
            return supabase == null ? CompletableFuture.failedFuture(new ImageRejectedException(FailureReason.UNSUPPORTED_URL,
                    "supabase:// URLs need fsb.supabase.url and fsb.supabase.key (" + url + ")"))
                    : supabase.fetch(url, object.get());
        }
        return switch (scheme) {
            case "http", "https" -> http.fetch(url);
            case "file" -> file.fetch(url, catalogueFolder);
            default -> CompletableFuture.failedFuture(new ImageRejectedException(FailureReason.UNSUPPORTED_URL,
                    "unsupported URL scheme '" + scheme + "' in " + url));
        };
    }

    @Override
    public void destroy() {
        http.close();
        fileThreads.shutdownNow();
        if (supabaseHttp != null) {
            supabaseThreads.shutdownNow();
            supabaseHttp.close();
        }
    }
}
