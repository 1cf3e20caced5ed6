package dev.faissshard.thumbnail;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.catalog.CatalogFactory;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.fetch.FetchProperties;
import dev.faissshard.fetch.ImageFetcher;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.thumbnail.ThumbnailFailure.Kind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;

/**
 * Makes thumbnails of catalogue entries: the entry is looked up in the configured catalogue, its
 * image fetched through the service's {@link ImageFetcher} (the egress policy, file confinement,
 * size, redirect and time limits of builds), decoded by the builds' {@link ImageDecoder}, shrunk
 * and encoded. Kept in a {@link ThumbnailCache}.
 *
 * <p>At most {@code maxConcurrent} thumbnails are made at once, so a burst of requests holds at
 * most that many images in memory and that many fetches beside the builds'; up to {@code
 * maxWaiting} more wait (bounded) for a slot, the rest are refused at once.
 */
@Service
class ThumbnailService {

    private final CatalogFactory catalogs;
    private final ImageFetcher fetcher;
    private final ImageDecoder decoder;
    private final FetchProperties fetch;
    private final ThumbnailProperties properties;
    private final ThumbnailEncoder encoder;
    private final ThumbnailCache cache;
    private final Clock clock;
    private final Semaphore slots;
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile Catalog configured;
    private final Counter hits;
    private final Counter made;
    private final Map<Kind, Counter> failures = new EnumMap<>(Kind.class);

    ThumbnailService(
            CatalogFactory catalogs,
            ImageFetcher fetcher,
            ImageDecoder decoder,
            FetchProperties fetch,
            ThumbnailProperties properties,
            MeterRegistry metrics) {
        this.catalogs = catalogs;
        this.fetcher = fetcher;
        this.decoder = decoder;
        this.fetch = fetch;
        this.properties = properties;
        this.encoder = new ThumbnailEncoder(properties.size(), properties.jpegQuality());
        this.clock = Clock.systemUTC();
        this.cache =
                new ThumbnailCache(
                        properties.cacheMaxEntries(),
                        properties.cacheMaxBytes().toBytes(),
                        properties.cacheTtl(),
                        clock);
        this.slots = new Semaphore(properties.maxConcurrent(), true);
        this.hits = outcome(metrics, "cached");
        this.made = outcome(metrics, "made");
        for (Kind kind : Kind.values()) {
            failures.put(kind, outcome(metrics, kind.slug));
        }
        metrics.gauge("fsb.thumbnail.cache.bytes", cache, ThumbnailCache::bytes);
        metrics.gauge("fsb.thumbnail.cache.entries", cache, ThumbnailCache::size);
    }

    /** The thumbnail of a catalogue entry; the id is already validated by {@link ThumbnailIds}. */
    Thumbnail thumbnail(String id) {
        var kept = cache.get(id);
        if (kept.isPresent()) {
            hits.increment();
            return kept.get();
        }
        try {
            Thumbnail thumbnail = withSlot(() -> make(id));
            cache.put(id, thumbnail);
            made.increment();
            return thumbnail;
        } catch (ThumbnailFailure ex) {
            failures.get(ex.kind()).increment();
            throw ex;
        }
    }

    private Thumbnail make(String id) {
        // Another request may have made it while this one waited for its slot.
        var kept = cache.get(id);
        if (kept.isPresent()) {
            return kept.get();
        }
        CatalogEntry entry = find(id).orElseThrow(() -> new ThumbnailFailure(Kind.UNKNOWN_ID));
        byte[] image = download(entry);
        byte[] encoded;
        try {
            encoded = encoder.encode(decoder.decode(image));
        } catch (ImageRejectedException ex) {
            throw new ThumbnailFailure(kindOf(ex));
        }
        return new Thumbnail(encoded, MediaType.IMAGE_JPEG, etag(encoded), clock.instant());
    }

    /**
     * Looks the id up in the configured catalogue, opened once (opening a table checks it with a
     * query) and opened again after a failure, so that a catalogue that was down or missing is
     * found once it is back. Lookups themselves are stateless: file catalogues read the file anew.
     */
    private Optional<CatalogEntry> find(String id) {
        Catalog catalog = configured;
        try {
            if (catalog == null) {
                catalog = catalogs.openConfigured();
                configured = catalog;
            }
            return catalog.find(id);
        } catch (RuntimeException ex) {
            configured = null;
            throw ex;
        }
    }

    private byte[] download(CatalogEntry entry) {
        CompletableFuture<byte[]> download = fetcher.fetch(entry.imageUrl(), entry.folder());
        try {
            // The fetcher bounds its own time; this wait only guards against one that never
            // completes.
            return download.get(fetch.totalTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException ex) {
            throw new ThumbnailFailure(
                    ex.getCause() instanceof ImageRejectedException rejected
                            ? kindOf(rejected)
                            : Kind.FETCH_FAILED);
        } catch (TimeoutException ex) {
            download.cancel(true);
            throw new ThumbnailFailure(Kind.FETCH_FAILED);
        } catch (InterruptedException ex) {
            download.cancel(true);
            Thread.currentThread().interrupt();
            throw new ThumbnailFailure(Kind.FETCH_FAILED);
        }
    }

    private static Kind kindOf(ImageRejectedException ex) {
        return switch (ex.reason()) {
            case TOO_LARGE, TOO_MANY_PIXELS -> Kind.TOO_LARGE;
            case NOT_AN_IMAGE, UNSUPPORTED_FORMAT, CORRUPT, EMBEDDING_FAILED -> Kind.UNDECODABLE;
            case EGRESS_REFUSED, FILE_REFUSED, UNSUPPORTED_URL, INVALID_URL -> Kind.URL_REFUSED;
            default -> Kind.FETCH_FAILED;
        };
    }

    private interface Work {
        Thumbnail run();
    }

    private Thumbnail withSlot(Work work) {
        if (!slots.tryAcquire()) {
            if (waiting.incrementAndGet() > properties.maxWaiting()) {
                waiting.decrementAndGet();
                throw new ThumbnailFailure(Kind.BUSY);
            }
            try {
                if (!slots.tryAcquire(properties.waitTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new ThumbnailFailure(Kind.BUSY);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new ThumbnailFailure(Kind.BUSY);
            } finally {
                waiting.decrementAndGet();
            }
        }
        try {
            return work.run();
        } finally {
            slots.release();
        }
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            String tag = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
            return "\"" + tag.substring(0, 22) + "\"";
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", ex);
        }
    }

    private static Counter outcome(MeterRegistry metrics, String outcome) {
        return Counter.builder("fsb.thumbnails")
                .description("Thumbnail requests by outcome")
                .tag("outcome", outcome)
                .register(metrics);
    }
}
