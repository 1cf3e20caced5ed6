package dev.faissshard.security;

import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** Secret masking for Actuator, in every kind of application context (web or not, JMX included). */
@Configuration(proxyBeanMethods = false)
class ActuatorSecretsConfiguration {

    @Bean
    SanitizingFunction actuatorSecrets(Environment environment, ApiSecurityProperties properties) {
        return ActuatorSecrets.of(environment, properties);
    }
}
