package dev.faissshard.embedding;

import dev.faissshard.image.ImageProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Opens every index type's model in ONNX Runtime once, at startup, so that a bad model stops the
 * start.
 */
@Configuration(proxyBeanMethods = false)
class EmbeddingConfiguration {

    @Bean(destroyMethod = "close")
    OnnxEmbeddingService embeddingService(EmbeddingProperties properties, ImageProperties images) {
        OnnxEmbeddingService service = ModelLoader.load(properties);
        try {
            requireDecodeSize(service, images.decodeSize());
            return service;
        } catch (RuntimeException ex) {
            service.close();
            throw ex;
        }
    }

    /**
     * Pictures are decoded at reduced resolution down to {@code fsb.image.decode-size} on the
     * shorter side; a model taking more would be fed upscaled, blurred pictures.
     */
    static void requireDecodeSize(OnnxEmbeddingService service, int decodeSize) {
        service.inputSizes()
                .forEach(
                        (type, size) -> {
                            if (size > decodeSize) {
                                throw new ModelConfigurationException(
                                        "Model "
                                                + service.model(type).id()
                                                + " (fsb.embedding."
                                                + type.key()
                                                + ") takes "
                                                + size
                                                + " px, but fsb.image.decode-size is "
                                                + decodeSize
                                                + ": pictures would be decoded smaller than the model sees them; set fsb.image.decode-size: "
                                                + size
                                                + " or more");
                            }
                        });
    }
}
