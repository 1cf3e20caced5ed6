package dev.faissshard.job;

import java.awt.image.BufferedImage;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.fetch.ImageFetcher;
import dev.faissshard.image.ImageDecoder;

/** From catalogue entries to vectors: fetch, decode, embed. */
@Component
class ImagePipeline {

    private final BatchPreparer preparer;
    private final EmbeddingService embeddings;

    ImagePipeline(ImageFetcher fetcher, ImageDecoder decoder, EmbeddingService embeddings,
            @Qualifier("decodeExecutor") Executor decodeExecutor, JobMetrics metrics) {
        this.preparer = new BatchPreparer(fetcher, decoder, decodeExecutor, metrics);
        this.embeddings = embeddings;
    }

    CompletableFuture<PreparedBatch> prepare(List<CatalogEntry> entries, JobStats stats) {
        return preparer.prepare(entries, stats);
    }

    Map<IndexType, float[]> embed(List<BufferedImage> images, Set<IndexType> types) {
        return embeddings.embed(images, types);
    }

    Map<IndexType, ModelInfo> models(Set<IndexType> types) {
        Map<IndexType, ModelInfo> models = new EnumMap<>(IndexType.class);
        for (IndexType type : types) {
            models.put(type, embeddings.model(type));
        }
        return models;
    }
}
