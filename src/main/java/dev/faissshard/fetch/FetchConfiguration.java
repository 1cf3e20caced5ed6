package dev.faissshard.fetch;

import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Builds the image transports behind the {@link RoutingImageFetcher} and owns what they run on: the
 * HTTP client with its connection pool and threads, the file readers' threads, the threads that
 * wait on Supabase downloads (the Storage API client itself is shared with the store and owned by
 * its own bean). All of it is shut down with the context.
 */
@Configuration(proxyBeanMethods = false)
class FetchConfiguration implements DisposableBean {

    private final List<HttpImageFetcher> transports = new ArrayList<>();
    private final List<ExecutorService> pools = new ArrayList<>();

    @Bean
    RoutingImageFetcher imageFetcher(
            FetchProperties properties,
            SupabaseProperties supabase,
            ObjectProvider<SupabaseStorageApi> supabaseStorage,
            ObjectProvider<DnsResolver> resolver,
            ObjectProvider<MeterRegistry> metrics) {
        return imageFetcher(
                properties,
                supabase,
                supabaseStorage.getIfAvailable(),
                resolver.getIfAvailable(() -> SystemDefaultDnsResolver.INSTANCE),
                metrics.getIfAvailable(SimpleMeterRegistry::new));
    }

    synchronized RoutingImageFetcher imageFetcher(
            FetchProperties properties,
            SupabaseProperties supabase,
            SupabaseStorageApi supabaseStorage,
            DnsResolver resolver) {
        return imageFetcher(
                properties, supabase, supabaseStorage, resolver, new SimpleMeterRegistry());
    }

    /**
     * @param supabaseStorage the Storage API, or null when no project is configured
     * @param resolver the name resolver under the egress policy: the system's, or a test's that
     *     maps its host names to 127.0.0.1 (a {@link DnsResolver} bean, which only tests define)
     * @param metrics where the per-host politeness state is published
     */
    synchronized RoutingImageFetcher imageFetcher(
            FetchProperties properties,
            SupabaseProperties supabase,
            SupabaseStorageApi supabaseStorage,
            DnsResolver resolver,
            MeterRegistry metrics) {
        HttpImageFetcher http =
                new HttpImageFetcher(properties, policy(properties, supabase), resolver, metrics);
        transports.add(http);
        FileImageFetcher file =
                new FileImageFetcher(
                        properties.maxBytes().toBytes(),
                        properties.files(),
                        pool(Math.min(8, properties.concurrency()), "file-fetch-"));
        if (supabaseStorage == null) {
            return new RoutingImageFetcher(http, file, null, null);
        }
        // Blocking downloads: as many threads as downloads may be in flight.
        SupabaseImageFetcher storage =
                new SupabaseImageFetcher(
                        supabaseStorage.objects(),
                        properties.maxBytes().toBytes(),
                        pool(properties.concurrency(), "supabase-fetch-"));
        return new RoutingImageFetcher(http, file, supabase.url(), storage);
    }

    /**
     * The configured policy, with the operator's own Supabase project admitted: its URL is
     * configuration, not catalogue content, and may well be a private address (self-hosted
     * Supabase).
     */
    private static EgressPolicy policy(FetchProperties properties, SupabaseProperties supabase) {
        List<String> allow = new ArrayList<>(properties.egress().allow());
        if (supabase.configured() && !ImageUrl.host(supabase.url()).isEmpty()) {
            allow.add(ImageUrl.host(supabase.url()));
        }
        return new EgressPolicy(allow, properties.egress().deny());
    }

    private ExecutorService pool(int threads, String prefix) {
        ExecutorService pool =
                Executors.newFixedThreadPool(threads, new CustomizableThreadFactory(prefix));
        pools.add(pool);
        return pool;
    }

    @Override
    public synchronized void destroy() {
        transports.forEach(HttpImageFetcher::close);
        pools.forEach(ExecutorService::shutdownNow);
        transports.clear();
        pools.clear();
    }
}
