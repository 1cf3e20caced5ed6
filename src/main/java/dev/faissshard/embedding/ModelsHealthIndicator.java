package dev.faissshard.embedding;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The models are loaded (they are, or the service would not have started): which ones, and their
 * checksums.
 */
@Component("models")
class ModelsHealthIndicator implements HealthIndicator {

    private final EmbeddingService embeddings;

    ModelsHealthIndicator(EmbeddingService embeddings) {
        this.embeddings = embeddings;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up();
        for (IndexType type : IndexType.values()) {
            ModelInfo model = embeddings.model(type);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("id", model.id());
            details.put("sha256", model.sha256());
            details.put("dimension", model.dimension());
            health.withDetail(type.key(), details);
        }
        return health.build();
    }
}
