package dev.faissshard.search;

import jakarta.servlet.MultipartConfigElement;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.faissshard.fetch.FetchProperties;

/**
 * Multipart uploads are bounded by the same size as a fetched image ({@code fsb.fetch.max-bytes}) plus
 * room for the {@code request} part, so one setting bounds a query image however it arrives. Replaces
 * Boot's {@code spring.servlet.multipart.*} settings. Parts above 1 MB wait in a temporary file, not
 * on the heap.
 */
@Configuration(proxyBeanMethods = false)
class UploadLimits {

    /** Room for the multipart framing and the JSON {@code request} part beside the image. */
    static final long ENVELOPE_BYTES = 64 * 1024;

    @Bean
    MultipartConfigElement multipartConfigElement(FetchProperties fetch) {
        long image = fetch.maxBytes().toBytes();
        return new MultipartConfigElement("", image, image + ENVELOPE_BYTES, 1024 * 1024);
    }
}
