package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
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
 * The shipped application.yml binds the egress and file settings; environment variables fill them;
 * bad entries stop startup.
 */
class FetchPropertiesBindingTests {

    @Test
    void shippedDefaultsAllowNoReservedRangeAndOnlyTheCatalogueFolder() throws IOException {
        FetchProperties fetch = binder(Map.of()).bindOrCreate("fsb.fetch", FetchProperties.class);
        assertThat(fetch.egress().allow()).isEmpty();
        assertThat(fetch.egress().deny()).isEmpty();
        assertThat(fetch.files().catalogueFolder()).isTrue();
        assertThat(fetch.files().roots()).isEmpty();
    }

    @Test
    void environmentVariablesFillTheListsAsCommaSeparatedValues() throws IOException {
        FetchProperties fetch =
                binder(
                                Map.of(
                                        "FSB_FETCH_EGRESS_ALLOW",
                                        "images.internal,10.20.0.0/16",
                                        "FSB_FETCH_EGRESS_DENY",
                                        "10.20.30.0/24",
                                        "FSB_FETCH_FILES_ROOTS",
                                        "/srv/images,/mnt/photos"))
                        .bindOrCreate("fsb.fetch", FetchProperties.class);
        assertThat(fetch.egress().allow()).containsExactly("images.internal", "10.20.0.0/16");
        assertThat(fetch.egress().deny()).containsExactly("10.20.30.0/24");
        assertThat(fetch.files().roots())
                .containsExactly(Path.of("/srv/images"), Path.of("/mnt/photos"));
    }

    @Test
    void malformedEntriesAreRefusedAtBinding() {
        assertThatThrownBy(
                        () ->
                                binder(Map.of("FSB_FETCH_EGRESS_ALLOW", "10.0.0.0/40"))
                                        .bindOrCreate("fsb.fetch", FetchProperties.class))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("10.0.0.0/40");
        assertThatThrownBy(
                        () ->
                                binder(Map.of("FSB_FETCH_EGRESS_DENY", "images.internal"))
                                        .bindOrCreate("fsb.fetch", FetchProperties.class))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("images.internal");
    }

    private static Binder binder(Map<String, Object> environment) throws IOException {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources()
                .addFirst(
                        new SystemEnvironmentPropertySource(
                                "test-"
                                        + StandardEnvironment
                                                .SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                environment));
        List<PropertySource<?>> yaml =
                new YamlPropertySourceLoader()
                        .load("application.yml", new FileSystemResource("application.yml"));
        yaml.forEach(env.getPropertySources()::addLast);
        return Binder.get(env);
    }
}
