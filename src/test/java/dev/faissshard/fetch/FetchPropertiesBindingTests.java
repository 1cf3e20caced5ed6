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

    @Test
    void hostPatternsBindFromTheEnvironmentAndPickTheFirstMatchingEntry() throws IOException {
        FetchProperties fetch =
                binder(
                                Map.of(
                                        "FSB_FETCH_HOSTS_0_PATTERN", "*.Shopify.com",
                                        "FSB_FETCH_HOSTS_0_MAX_CONCURRENCY", "2",
                                        "FSB_FETCH_HOSTS_0_RATE_PER_SECOND", "5",
                                        "FSB_FETCH_HOSTS_1_PATTERN", "images.shop.example",
                                        "FSB_FETCH_HOST_CONCURRENCY", "6"))
                        .bindOrCreate("fsb.fetch", FetchProperties.class);
        HostRules rules = new HostRules(fetch);
        assertThat(rules.limits("cdn.shopify.com"))
                .isEqualTo(new HostRules.Limits("*.shopify.com", 2, 5.0));
        assertThat(rules.limits("shopify.com").hostClass()).isEqualTo(HostRules.OTHER);
        assertThat(rules.limits("images.shop.example"))
                .isEqualTo(new HostRules.Limits("images.shop.example", 6, 0.0));
        assertThat(rules.limits("x.images.shop.example"))
                .isEqualTo(new HostRules.Limits(HostRules.OTHER, 6, 0.0));
        assertThat(rules.classes())
                .containsExactly("*.shopify.com", "images.shop.example", HostRules.OTHER);
    }

    @Test
    void politenessDefaultsAreThoseTheReadmeStates() throws IOException {
        FetchProperties fetch = binder(Map.of()).bindOrCreate("fsb.fetch", FetchProperties.class);
        assertThat(fetch.hostConcurrency()).isEqualTo(8);
        assertThat(fetch.hostRate()).isZero();
        assertThat(fetch.hosts()).isEmpty();
        assertThat(fetch.maxRetryAfter()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(fetch.throttleBackoff()).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(fetch.throttleBudget()).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(fetch.tailTimeout()).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(UserAgent.of(fetch)).startsWith("faiss-shard-builder/");
    }

    @Test
    void malformedHostPatternsAndDurationsAreRefusedAtBinding() {
        for (Map<String, Object> bad :
                List.<Map<String, Object>>of(
                        Map.of("FSB_FETCH_HOSTS_0_PATTERN", "*shop.example"),
                        Map.of("FSB_FETCH_HOSTS_0_PATTERN", "https://shop.example/"),
                        Map.of("FSB_FETCH_THROTTLE_BUDGET", "0s"),
                        Map.of("FSB_FETCH_TAIL_TIMEOUT", "-1s"),
                        Map.of(
                                "FSB_FETCH_USER_AGENT",
                                "bot\r\nX-Injected: 1".translateEscapes()))) {
            assertThatThrownBy(() -> binder(bad).bindOrCreate("fsb.fetch", FetchProperties.class))
                    .as("%s", bad)
                    .isInstanceOf(BindException.class);
        }
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
