package dev.faissshard.index;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.shard.ShardSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/** Refuses to mix vectors of another model, dimension, metric or factory into an existing index. */
final class IndexCompatibility {

    private IndexCompatibility() {}

    static void check(
            String location,
            Progress progress,
            Map<IndexType, ModelInfo> models,
            IntFunction<ShardSettings> settingsByDimension) {
        List<String> differences = new ArrayList<>();
        models.forEach(
                (type, model) -> {
                    // factory: auto resolves per dimension, and progress records the resolved one.
                    ShardSettings settings = settingsByDimension.apply(model.dimension());
                    IndexProgress existing = progress.indexes().get(type.key());
                    if (existing == null || existing.vectors() == 0) {
                        return;
                    }
                    ModelInfo stored = existing.model();
                    compare(differences, type, "model", stored.id(), model.id());
                    compare(differences, type, "model sha256", stored.sha256(), model.sha256());
                    compare(differences, type, "dimension", stored.dimension(), model.dimension());
                    compare(
                            differences,
                            type,
                            "metric",
                            existing.metric(),
                            settings.metric().name());
                    compare(differences, type, "factory", existing.factory(), settings.factory());
                });
        if (!differences.isEmpty()) {
            throw new IndexIncompatibleException(location, differences);
        }
    }

    private static void compare(
            List<String> differences, IndexType type, String what, Object stored, Object wanted) {
        if (!Objects.equals(stored, wanted)) {
            differences.add(
                    type.key()
                            + " "
                            + what
                            + " is "
                            + stored
                            + " in storage but "
                            + wanted
                            + " here");
        }
    }
}
