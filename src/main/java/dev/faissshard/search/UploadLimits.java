package dev.faissshard.search;

import jakarta.servlet.MultipartConfigElement;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Multipart uploads are bounded where every other body is: the request body limit lets an upload to
 * {@code /search} or {@code /embed} be as large as a fetched image ({@code fsb.fetch.max-bytes})
 * plus its envelope, and {@link UploadedImages} refuses an image part over {@code
 * fsb.fetch.max-bytes} with a 413 problem. Tomcat's own multipart limits would answer 413 without a
 * problem body, so they are left open here (this replaces Boot's {@code spring.servlet.multipart.*}
 * settings). Parts above 1 MB wait in a temporary file, not on the heap.
 */
@Configuration(proxyBeanMethods = false)
class UploadLimits {

    @Bean
    MultipartConfigElement multipartConfigElement() {
        return new MultipartConfigElement("", -1, -1, 1024 * 1024);
    }
}
