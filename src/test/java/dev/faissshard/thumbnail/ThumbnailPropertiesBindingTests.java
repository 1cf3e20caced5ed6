package dev.faissshard.thumbnail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;
import org.springframework.util.unit.DataSize;

/**
 * The shipped application.yml binds to the thumbnail settings, which are the record's own defaults;
 * out-of-range settings fail the binding.
 */
class ThumbnailPropertiesBindingTests {

    @Test
    void theShippedValuesAreTheDefaults() throws IOException {
        ThumbnailProperties shipped = bind(Map.of());
        assertThat(shipped).isEqualTo(ThumbnailProperties.defaults());
        assertThat(shipped.size()).isEqualTo(128);
        assertThat(shipped.cacheMaxBytes()).isEqualTo(DataSize.ofMegabytes(32));
        assertThat(shipped.maxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(shipped.maxConcurrent()).isEqualTo(4);
    }

    @Test
    void settingsOutsideTheirBoundsAreRefused() {
        assertThatThrownBy(() -> bind(Map.of("fsb.thumbnail.cache-ttl", "-1s")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("cache-ttl");
        assertThatThrownBy(() -> bind(Map.of("fsb.thumbnail.wait-timeout", "-5s")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("wait-timeout");
    }

    private static ThumbnailProperties bind(Map<String, Object> overrides) throws IOException {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", overrides));
        List<PropertySource<?>> yaml =
                new YamlPropertySourceLoader()
                        .load("application.yml", new FileSystemResource("application.yml"));
        yaml.forEach(env.getPropertySources()::addLast);
        return Binder.get(env).bindOrCreate("fsb.thumbnail", ThumbnailProperties.class);
    }
}
