package dev.faissshard.search;

import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the parts of an upload: the image, bounded by {@code fsb.fetch.max-bytes} before it is read
 * whole, and a JSON part read as strictly as the API's JSON bodies.
 */
@Component
class UploadedImages {

    private final QueryImages images;
    private final JsonMapper strict;

    UploadedImages(QueryImages images, SearchJson json) {
        this.images = images;
        this.strict = json.strict();
    }

    byte[] bytes(MultipartFile image) {
        if (image.getSize() > images.maxBytes()) {
            throw new QueryImageTooLargeException(
                    "the image is larger than fsb.fetch.max-bytes ("
                            + images.maxBytes()
                            + " bytes)");
        }
        try (InputStream in = image.getInputStream()) {
            return checked(in.readNBytes((int) images.maxBytes() + 1));
        } catch (IOException ex) {
            throw new QueryImageUndecodableException("the uploaded image could not be read");
        }
    }

    byte[] checked(byte[] image) {
        if (image.length > images.maxBytes()) {
            throw new QueryImageTooLargeException(
                    "the image is larger than fsb.fetch.max-bytes ("
                            + images.maxBytes()
                            + " bytes)");
        }
        return image;
    }

    /**
     * A JSON part, with a failure answered like an unreadable JSON body (400, field named, nothing
     * echoed).
     */
    <T> T json(String part, Class<T> type) {
        try {
            return strict.readValue(part, type);
        } catch (JacksonException ex) {
            throw new HttpMessageNotReadableException("request part is not readable", ex, EMPTY);
        }
    }

    private static final HttpInputMessage EMPTY =
            new HttpInputMessage() {
                @Override
                public InputStream getBody() {
                    return InputStream.nullInputStream();
                }

                @Override
                public HttpHeaders getHeaders() {
                    return new HttpHeaders();
                }
            };
}
