package dev.faissshard.checksum;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/**
 * Against the FIPS 180-2 examples, so the one owner of SHA-256 is checked by someone else's sums.
 */
class Sha256Tests {

    private static final String ABC =
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void hexOfAbcIsTheStandardsExample() {
        assertThat(Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII))).isEqualTo(ABC);
    }

    @Test
    void hexOfNothingIsTheWellKnownEmptyDigest() {
        assertThat(Sha256.hex(new byte[0]))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void bytesAreTheThirtyTwoTheHexSpellsOut() {
        byte[] digest = Sha256.of("abc".getBytes(StandardCharsets.US_ASCII));
        assertThat(digest).hasSize(32);
        assertThat(digest[0]).isEqualTo((byte) 0xba);
        assertThat(digest[31]).isEqualTo((byte) 0xad);
    }

    @Test
    void aStreamedDigestEqualsTheOneOfTheWhole() {
        MessageDigest digest = Sha256.digest();
        digest.update("a".getBytes(StandardCharsets.US_ASCII));
        digest.update("bc".getBytes(StandardCharsets.US_ASCII));
        assertThat(Sha256.hex(digest)).isEqualTo(ABC);
    }
}
