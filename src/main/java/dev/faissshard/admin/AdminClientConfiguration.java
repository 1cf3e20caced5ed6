package dev.faissshard.admin;

import de.codecentric.boot.admin.client.registration.metadata.MetadataContributor;
import dev.faissshard.security.ApiTokens;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot Admin support: the metadata credentials of {@link AdminCredentials}, checked at
 * startup against the configured API tokens so that a typo fails now rather than as a silent "DOWN,
 * 401" in the admin server.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(MetadataContributor.class)
class AdminClientConfiguration {

    @Bean
    MetadataContributor adminCredentials(
            AdminProperties properties, ObjectProvider<ApiTokens> tokens) {
        ApiTokens configured = tokens.getIfAvailable();
        if (properties.token() != null
                && configured != null
                && !configured.isEmpty()
                && configured.roleOf(properties.token()).isEmpty()) {
            throw new AdminTokenNotConfiguredException(
                    "fsb.admin.token is not one of fsb.security.api-tokens: Spring Boot Admin would"
                            + " be refused by Actuator");
        }
        return new AdminCredentials(properties);
    }
}
