package dev.faissshard.embedding;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Opens every index type's model in ONNX Runtime once, at startup, so that a bad model stops the start. */
@Configuration(proxyBeanMethods = false)
class EmbeddingConfiguration {

    @Bean(destroyMethod = "close")
    OnnxEmbeddingService embeddingService(EmbeddingProperties properties) {
        return ModelLoader.load(properties);
    }
}
