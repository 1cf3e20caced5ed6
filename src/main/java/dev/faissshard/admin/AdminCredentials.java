package dev.faissshard.admin;

import de.codecentric.boot.admin.client.registration.metadata.MetadataContributor;
import java.util.Map;

/**
 * Adds the credentials a Spring Boot Admin server needs for this instance's secured Actuator to the
 * registration's metadata, under the keys the server reads ({@code user.name}, {@code
 * user.password}); the server masks {@code *password} keys wherever it shows metadata. Nothing here
 * logs them, and Spring Boot Admin's client logs an application without its metadata.
 */
final class AdminCredentials implements MetadataContributor {

    private final AdminProperties properties;

    AdminCredentials(AdminProperties properties) {
        this.properties = properties;
    }

    @Override
    public Map<String, String> getMetadata() {
        if (properties.token() == null) {
            return Map.of();
        }
        return Map.of("user.name", properties.username(), "user.password", properties.token());
    }

    @Override
    public String toString() {
        return "AdminCredentials[PROTECTED]";
    }
}
