package dev.faissshard.admin.server;

import de.codecentric.boot.admin.server.config.EnableAdminServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Spring Boot Admin's server and UI, for compose's {@code admin} profile. It has no login of its
 * own: it is published on 127.0.0.1 only, and whoever reaches it reads the service's Actuator with
 * the token the service registered.
 */
@SpringBootApplication
@EnableAdminServer
public class AdminServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(AdminServerApplication.class, args);
    }
}
