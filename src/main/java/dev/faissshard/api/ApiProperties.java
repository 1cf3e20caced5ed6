package dev.faissshard.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Bounds of what a caller may send.
 *
 * @param maxRequestBody larger request bodies are refused with 413 before they are parsed; a job
 *     request is a few hundred bytes
 */
@ConfigurationProperties("fsb.api")
public record ApiProperties(@DefaultValue("64KB") DataSize maxRequestBody) {

    public ApiProperties {
        if (maxRequestBody.toBytes() < 1024 || maxRequestBody.toBytes() > 16L * 1024 * 1024) {
            throw new IllegalArgumentException(
                    "fsb.api.max-request-body must be between 1KB and 16MB, was " + maxRequestBody);
        }
    }
}
