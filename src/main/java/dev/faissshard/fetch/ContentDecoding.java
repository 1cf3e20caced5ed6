package dev.faissshard.fetch;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import org.apache.hc.core5.http.Header;

/**
 * Undoes a {@code Content-Encoding} that a server applied although none was asked for: gzip and
 * deflate are decoded with the size limit applied to the decoded bytes (a small gzip can inflate to
 * gigabytes); any other coding is refused by name, rather than handing compressed bytes to the
 * image decoder.
 */
final class ContentDecoding {

    private ContentDecoding() {}

    static byte[] decode(byte[] body, Header[] encodingHeaders, long maxBytes)
            throws ImageRejectedException {
        List<String> codings = new ArrayList<>();
        for (Header header : encodingHeaders) {
            for (String value : header.getValue().split(",")) {
                String coding = value.strip().toLowerCase(Locale.ROOT);
                if (!coding.isEmpty() && !coding.equals("identity")) {
                    codings.add(coding);
                }
            }
        }
        if (codings.isEmpty()) {
            return body;
        }
        if (codings.size() > 1) {
            throw new ImageRejectedException(
                    FailureReason.UNSUPPORTED_ENCODING,
                    "the body has "
                            + codings.size()
                            + " content codings stacked; only one gzip or deflate is decoded");
        }
        String coding = codings.get(0);
        return switch (coding) {
            case "gzip", "x-gzip" -> inflate(coding, gzip(body), maxBytes);
            case "deflate" -> inflate(coding, deflate(body), maxBytes);
            default ->
                    throw new ImageRejectedException(
                            FailureReason.UNSUPPORTED_ENCODING,
                            "Content-Encoding "
                                    + (coding.matches("[a-z0-9._-]{1,24}")
                                            ? "'" + coding + "'"
                                            : "of an unknown coding")
                                    + " is not decoded (gzip and deflate are); serve the image without it");
        };
    }

    private static InputStream gzip(byte[] body) throws ImageRejectedException {
        try {
            return new GZIPInputStream(new ByteArrayInputStream(body));
        } catch (IOException ex) {
            throw damaged("gzip", ex);
        }
    }

    /**
     * HTTP's deflate is zlib-wrapped, but some servers send raw deflate: the first byte tells them
     * apart.
     */
    private static InputStream deflate(byte[] body) {
        boolean zlib =
                body.length >= 2
                        && (body[0] & 0x0F) == 8
                        && ((body[0] & 0xFF) << 8 | (body[1] & 0xFF)) % 31 == 0;
        return new InflaterInputStream(new ByteArrayInputStream(body), new Inflater(!zlib));
    }

    private static byte[] inflate(String coding, InputStream in, long maxBytes)
            throws ImageRejectedException {
        try (in) {
            byte[] decoded = in.readNBytes((int) maxBytes + 1);
            if (decoded.length > maxBytes) {
                throw new ImageRejectedException(
                        FailureReason.TOO_LARGE,
                        "the "
                                + coding
                                + "-decoded body is over the limit of "
                                + maxBytes
                                + " bytes");
            }
            return decoded;
        } catch (IOException ex) {
            throw damaged(coding, ex);
        }
    }

    private static ImageRejectedException damaged(String coding, IOException ex) {
        return new ImageRejectedException(
                FailureReason.CORRUPT, "the " + coding + " body is damaged or truncated", ex);
    }
}
