package dev.faissshard.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApiTokensTests {

    private static final String WRITE = "0123456789abcdef0123456789abcdef";
    private static final String READ = "fedcba9876543210fedcba9876543210";

    @Test
    void entriesAreSplitAtTheFirstColonAndMatchTheirRole() {
        ApiTokens tokens = ApiTokens.parse(List.of("write:" + WRITE, " READ:" + READ + " "));
        assertThat(tokens.roleOf(WRITE)).contains(ApiRole.WRITE);
        assertThat(tokens.roleOf(READ)).contains(ApiRole.READ);
        // Split at the first colon: the rest is the token, and a colon is not a bearer-token
        // character.
        assertThatThrownBy(() -> ApiTokens.parse(List.of("read:" + READ + ":more")))
                .isInstanceOf(WeakApiTokenException.class)
                .hasMessageContaining("characters a client cannot send");
        assertThat(tokens.count(ApiRole.WRITE)).isEqualTo(1);
        assertThat(tokens.count(ApiRole.READ)).isEqualTo(1);
    }

    @Test
    void unknownPrefixesSuffixesAndEmptyTokensDoNotMatch() {
        ApiTokens tokens = ApiTokens.parse(List.of("write:" + WRITE, "read:" + READ));
        assertThat(tokens.roleOf(READ)).contains(ApiRole.READ);
        assertThat(tokens.roleOf(WRITE.substring(1))).isEmpty();
        assertThat(tokens.roleOf(WRITE + "0")).isEmpty();
        assertThat(tokens.roleOf("")).isEmpty();
        assertThat(tokens.toString()).doesNotContain(WRITE).doesNotContain(READ);
    }

    @Test
    void noEntriesMeansUnauthenticated() {
        assertThat(ApiTokens.parse(List.of()).isEmpty()).isTrue();
        assertThat(ApiTokens.parse(List.of(" ", "")).isEmpty()).isTrue();
        assertThat(ApiTokens.parse(List.of()).roleOf(WRITE)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "write:short-secret1",
                "write:aaaaaaaaaaaaaaaaaaaaaaaa",
                "write:" + WRITE + " spaced",
                "admin:" + WRITE,
                WRITE,
                "write:" + WRITE + "é"
            })
    void weakOrMalformedEntriesAreRefusedWithoutQuotingThem(String entry) {
        assertThatThrownBy(() -> ApiTokens.parse(List.of("read:" + READ, entry)))
                .isInstanceOf(WeakApiTokenException.class)
                .hasMessageContaining("entry 2")
                .satisfies(
                        failure -> {
                            String token =
                                    entry.contains(":")
                                            ? entry.substring(entry.indexOf(':') + 1)
                                            : entry;
                            assertThat(failure.getMessage())
                                    .doesNotContain(token)
                                    .doesNotContain(READ);
                            assertThat(((WeakApiTokenException) failure).action())
                                    .contains("openssl rand -hex 32");
                        });
    }

    @Test
    void theSameTokenTwiceIsRefused() {
        assertThatThrownBy(() -> ApiTokens.parse(List.of("read:" + WRITE, "write:" + WRITE)))
                .isInstanceOf(WeakApiTokenException.class)
                .hasMessageContaining("repeats the token of entry 1")
                .hasMessageNotContaining(WRITE);
    }

    @Test
    void theFailureAnalysisSaysWhatToDo() {
        WeakApiTokenException failure =
                new WeakApiTokenException("fsb.security.api-tokens entry 1 (role write) ...");
        var analysis =
                new SecurityConfigurationFailureAnalyzer().analyze(new RuntimeException(failure));
        assertThat(analysis.getDescription()).contains("entry 1");
        assertThat(analysis.getAction())
                .contains("FSB_API_TOKENS")
                .contains("openssl rand -hex 32");
    }
}
