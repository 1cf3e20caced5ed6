package dev.faissshard.fetch;

import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@link RoutingImageFetcher} exactly as the service builds it, through {@link
 * FetchConfiguration} (and a Storage API client when Supabase is configured), with one {@link
 * #destroy()} that closes all of it.
 */
final class TestImageFetcher implements ImageFetcher {

    private final FetchConfiguration configuration = new FetchConfiguration();
    private final SupabaseStorageApi storage;
    private final RoutingImageFetcher fetcher;

    TestImageFetcher(
            WebClient.Builder webClient,
            FetchProperties properties,
            SupabaseProperties supabase,
            JsonMapper json) {
        this(webClient, properties, supabase, json, SystemDefaultDnsResolver.INSTANCE);
    }

    TestImageFetcher(
            WebClient.Builder webClient,
            FetchProperties properties,
            SupabaseProperties supabase,
            JsonMapper json,
            DnsResolver resolver) {
        this(webClient, properties, supabase, json, resolver, new SimpleMeterRegistry());
    }

    TestImageFetcher(
            WebClient.Builder webClient,
            FetchProperties properties,
            SupabaseProperties supabase,
            JsonMapper json,
            DnsResolver resolver,
            MeterRegistry metrics) {
        this.storage =
                supabase.configured() ? SupabaseStorageApi.create(webClient, supabase, json) : null;
        this.fetcher = configuration.imageFetcher(properties, supabase, storage, resolver, metrics);
    }

    @Override
    public CompletableFuture<byte[]> fetch(URI url, Path catalogueFolder) {
        return fetcher.fetch(url, catalogueFolder);
    }

    void destroy() {
        configuration.destroy();
        if (storage != null) {
            storage.close();
        }
    }
}
