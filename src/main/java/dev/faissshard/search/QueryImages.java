package dev.faissshard.search;

import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.fetch.FetchProperties;
import dev.faissshard.fetch.ImageFetcher;
import dev.faissshard.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Component;

/**
 * Turns a query image into vectors with exactly the models and decoder the builds use: uploaded
 * bytes as they are, a URL through the image fetcher (egress policy, size and time limits) like a
 * catalogue image, but http(s) only, since a caller's {@code file:} URL would read the server's
 * disk.
 */
@Component
class QueryImages {

    /** Longest query URL accepted, in characters. */
    static final int MAX_URL_LENGTH = 4096;

    private final ImageDecoder decoder;
    private final EmbeddingService embeddings;
    private final ImageFetcher fetcher;
    private final FetchProperties fetch;

    QueryImages(
            ImageDecoder decoder,
            EmbeddingService embeddings,
            ImageFetcher fetcher,
            FetchProperties fetch) {
        this.decoder = decoder;
        this.embeddings = embeddings;
        this.fetcher = fetcher;
        this.fetch = fetch;
    }

    ModelInfo model(IndexType type) {
        return embeddings.model(type);
    }

    /** The largest image accepted, uploaded or fetched: {@code fsb.fetch.max-bytes}. */
    long maxBytes() {
        return fetch.maxBytes().toBytes();
    }

    /** A query URL as the fetcher takes it; refuses anything but an absolute http(s) URL. */
    static URI url(String text) {
        if (text == null || text.isBlank() || text.length() > MAX_URL_LENGTH) {
            throw new InvalidSearchRequestException(
                    "query.url",
                    "must be an http(s) URL of at most " + MAX_URL_LENGTH + " characters");
        }
        URI url;
        try {
            url = new URI(text.strip());
        } catch (URISyntaxException ex) {
            throw new InvalidSearchRequestException("query.url", "is not a URL");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new QueryUrlRefusedException("only absolute http and https URLs may be fetched");
        }
        return url;
    }

    /**
     * Downloads a query image on the calling thread (not a search thread: a slow server holds no
     * search).
     */
    byte[] fetch(URI url) {
        try {
            // The fetcher bounds its own time; this wait only guards against a fetcher that never
            // completes.
            return fetcher.fetch(url)
                    .get(fetch.totalTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof ImageRejectedException rejected) {
                throw rejection(rejected);
            }
            throw new QueryImageFetchException("the image could not be fetched");
        } catch (TimeoutException ex) {
            throw new QueryImageFetchException("the image server did not answer in time");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new QueryImageFetchException("interrupted while fetching the image");
        }
    }

    /** The image's vectors, one per type. */
    Map<IndexType, float[]> embed(byte[] image, Set<IndexType> types) {
        if (image.length > maxBytes()) {
            throw new QueryImageTooLargeException(
                    "the image is larger than fsb.fetch.max-bytes (" + maxBytes() + " bytes)");
        }
        BufferedImage decoded;
        try {
            decoded = decoder.decode(image);
        } catch (ImageRejectedException ex) {
            throw rejection(ex);
        }
        return embeddings.embed(List.of(decoded), EnumSet.copyOf(types));
    }

    /**
     * Fixed details per reason: a rejection's own message may quote the URL or the server's answer.
     */
    private static RuntimeException rejection(ImageRejectedException ex) {
        String reason = ex.reason().key();
        return switch (ex.reason()) {
            case TOO_LARGE ->
                    new QueryImageTooLargeException("the image is larger than fsb.fetch.max-bytes");
            case NOT_AN_IMAGE, UNSUPPORTED_FORMAT, CORRUPT, TOO_MANY_PIXELS, EMBEDDING_FAILED ->
                    new QueryImageUndecodableException(
                            "the bytes are not an image that can be embedded (" + reason + ")");
            case EGRESS_REFUSED, FILE_REFUSED, UNSUPPORTED_URL, INVALID_URL ->
                    new QueryUrlRefusedException("the URL may not be fetched (" + reason + ")");
            default ->
                    new QueryImageFetchException("the image could not be fetched (" + reason + ")");
        };
    }
}
