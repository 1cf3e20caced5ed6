package dev.faissshard.storage;

import java.nio.file.Path;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where shards, the manifest and progress go.
 *
 * @param type which store
 * @param local settings of the local directory store
 */
@Validated
@ConfigurationProperties("fsb.storage")
public record StorageProperties(@DefaultValue("local") @NotNull Type type, @DefaultValue @Valid @NotNull Local local) {

    /** The kinds of store. */
    public enum Type {
        /** A directory laid out like the bucket. */
        LOCAL
    }

    /**
     * The local directory store.
     *
     * @param root the directory that stands for the bucket
     */
    public record Local(@DefaultValue("./data/storage") @NotNull Path root) {
    }
}
