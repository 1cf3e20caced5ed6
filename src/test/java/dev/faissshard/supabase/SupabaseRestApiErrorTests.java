package dev.faissshard.supabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Every failure of the PostgREST client arrives as its own type, against the PostgREST emulator on
 * loopback.
 */
class SupabaseRestApiErrorTests {

    private static final String QUERY = "select=id,image_url&order=id.asc&limit=10";

    private final List<SupabaseRestApi> apis = new ArrayList<>();
    private SupabaseEmulator emulator;

    @BeforeEach
    void start() throws IOException {
        emulator = new SupabaseEmulator();
        emulator.table(
                "images", List.of(Map.of("id", 1L, "image_url", "https://cdn.example/1.jpg")));
    }

    @AfterEach
    void stop() {
        apis.forEach(SupabaseRestApi::close);
        emulator.close();
    }

    @Test
    void readsRowsWhenAllIsWell() {
        assertThat(
                        api(emulator.url(), SupabaseEmulator.SERVICE_KEY, Duration.ofSeconds(15), 1)
                                .get("images", QUERY, Map.of())
                                .text())
                .contains("https://cdn.example/1.jpg");
    }

    @Test
    void anAnswerThatComesTooLateIsATimeout() {
        emulator.slowDelay(Duration.ofSeconds(3));
        emulator.failNextRest(Fault.SLOW);
        SupabaseRestApi impatient =
                api(emulator.url(), SupabaseEmulator.SERVICE_KEY, Duration.ofMillis(300), 1);

        assertThatThrownBy(() -> impatient.get("images", QUERY, Map.of()))
                .isInstanceOf(SupabaseTimeoutException.class)
                .hasMessageContaining("read images");
    }

    @Test
    void aBrokenConnectionAndAClosedPortAreUnreachable() throws IOException {
        emulator.failNextRest(Fault.RESET_BEFORE);
        assertThatThrownBy(
                        () ->
                                api(
                                                emulator.url(),
                                                SupabaseEmulator.SERVICE_KEY,
                                                Duration.ofSeconds(15),
                                                1)
                                        .get("images", QUERY, Map.of()))
                .isInstanceOf(SupabaseUnreachableException.class);
        assertThatThrownBy(
                        () ->
                                api(
                                                SupabaseStorageApiErrorTests.closedPortUrl(),
                                                SupabaseEmulator.SERVICE_KEY,
                                                Duration.ofSeconds(15),
                                                1)
                                        .get("images", QUERY, Map.of()))
                .isInstanceOf(SupabaseUnreachableException.class);
    }

    @Test
    void aTransientFailureIsRetried() {
        emulator.failNextRest(Fault.INTERNAL_ERROR);
        assertThat(
                        api(emulator.url(), SupabaseEmulator.SERVICE_KEY, Duration.ofSeconds(15), 2)
                                .get("images", QUERY, Map.of())
                                .text())
                .contains("https://cdn.example/1.jpg");
        assertThat(emulator.injected(Fault.INTERNAL_ERROR)).isEqualTo(1);
    }

    @Test
    void aMissingTableIsNotFoundWithPostgrestsCode() {
        SupabaseNotFoundException missing =
                catchThrowableOfType(
                        SupabaseNotFoundException.class,
                        () ->
                                api(
                                                emulator.url(),
                                                SupabaseEmulator.SERVICE_KEY,
                                                Duration.ofSeconds(15),
                                                1)
                                        .get("imagez", QUERY, Map.of()));
        assertThat(missing.body().code()).isEqualTo("PGRST205");
        assertThat(missing.isTransient()).isFalse();
    }

    @Test
    void anUnknownKeyIsAccessDenied() {
        assertThatThrownBy(
                        () ->
                                api(emulator.url(), "not-a-key", Duration.ofSeconds(15), 1)
                                        .get("images", QUERY, Map.of()))
                .isInstanceOf(SupabaseAccessDeniedException.class)
                .hasMessageNotContaining("not-a-key");
    }

    private SupabaseRestApi api(String url, String key, Duration readTimeout, int attempts) {
        SupabaseProperties properties =
                new SupabaseProperties(
                        URI.create(url),
                        key,
                        Duration.ofSeconds(2),
                        readTimeout,
                        new SupabaseProperties.Retry(
                                attempts, Duration.ofMillis(10), Duration.ofMillis(100), 2.0));
        SupabaseRestApi created = SupabaseRestApi.create(WebClient.builder(), properties);
        apis.add(created);
        return created;
    }
}
