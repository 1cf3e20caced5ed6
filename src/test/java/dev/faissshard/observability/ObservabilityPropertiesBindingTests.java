package dev.faissshard.observability;

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
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.FileSystemResource;

/**
 * The shipped application.yml binds the progress-line and gauge settings; environment variables
 * change them.
 */
class ObservabilityPropertiesBindingTests {

    @Test
    void shippedDefaultsLogProgressInRunOnceModeEveryThirtySeconds() throws IOException {
        ObservabilityProperties properties = bind(Map.of());
        assertThat(properties.progressLog())
                .isEqualTo(ObservabilityProperties.ProgressLogMode.RUN_ONCE);
        assertThat(properties.progressLogInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.jobGaugesRefresh()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void environmentVariablesChooseTheModeAndInterval() throws IOException {
        ObservabilityProperties properties =
                bind(
                        Map.of(
                                "FSB_OBSERVABILITY_PROGRESS_LOG",
                                "always",
                                "FSB_OBSERVABILITY_PROGRESS_LOG_INTERVAL",
                                "5s"));
        assertThat(properties.progressLog())
                .isEqualTo(ObservabilityProperties.ProgressLogMode.ALWAYS);
        assertThat(properties.progressLogInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aZeroIntervalIsRefused() {
        assertThatThrownBy(() -> bind(Map.of("FSB_OBSERVABILITY_PROGRESS_LOG_INTERVAL", "0s")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("progress-log-interval");
    }

    private static ObservabilityProperties bind(Map<String, Object> environment)
            throws IOException {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources()
                .addFirst(
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME
                                        + "-test",
                                environment));
        List<PropertySource<?>> yaml =
                new YamlPropertySourceLoader()
                        .load("application.yml", new FileSystemResource("application.yml"));
        yaml.forEach(env.getPropertySources()::addLast);
        return Binder.get(env).bindOrCreate("fsb.observability", ObservabilityProperties.class);
    }
}
