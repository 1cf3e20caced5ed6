package dev.faissshard.security;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * What a caller may do: {@code read} may GET (job views, Actuator), {@code write} may also start,
 * pause, resume and cancel jobs and call Actuator's write operations.
 */
public enum ApiRole {
    READ,
    WRITE;

    /**
     * The Spring Security role name, as used by {@code hasRole} and {@code
     * management.endpoint.health.roles}.
     */
    public String roleName() {
        return name();
    }

    /** A writer may also read. */
    List<GrantedAuthority> authorities() {
        return this == WRITE
                ? List.of(authority(READ), authority(WRITE))
                : List.of(authority(READ));
    }

    /** The role named in a {@code ROLE:TOKEN} entry, case-insensitively. */
    static Optional<ApiRole> named(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "read" -> Optional.of(READ);
            case "write" -> Optional.of(WRITE);
            default -> Optional.empty();
        };
    }

    private static GrantedAuthority authority(ApiRole role) {
        return new SimpleGrantedAuthority("ROLE_" + role.name());
    }
}
