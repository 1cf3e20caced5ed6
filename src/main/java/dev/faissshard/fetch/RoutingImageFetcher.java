package dev.faissshard.fetch;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

import dev.faissshard.image.FailureReason;
import dev.faissshard.image.ImageRejectedException;

/** The service's {@link ImageFetcher}: picks the transport by URL scheme. */
@Component
public class RoutingImageFetcher implements ImageFetcher, DisposableBean {

    private final HttpImageFetcher http;
    private final FileImageFetcher file;
    private final ExecutorService fileThreads;

    public RoutingImageFetcher(WebClient.Builder webClient, FetchProperties properties) {
        this.http = new HttpImageFetcher(webClient, properties);
        this.fileThreads = Executors.newFixedThreadPool(Math.min(8, properties.concurrency()),
                new CustomizableThreadFactory("file-fetch-"));
        this.file = new FileImageFetcher(properties.maxBytes().toBytes(), fileThreads);
    }

    @Override
    public CompletableFuture<byte[]> fetch(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "http", "https" -> http.fetch(url);
            case "file" -> file.fetch(url);
            default -> CompletableFuture.failedFuture(new ImageRejectedException(FailureReason.UNSUPPORTED_URL,
                    "unsupported URL scheme '" + scheme + "' in " + url));
        };
    }

    @Override
    public void destroy() {
        http.close();
        fileThreads.shutdownNow();
    }
}
