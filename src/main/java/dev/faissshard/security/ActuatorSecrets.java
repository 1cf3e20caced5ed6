package dev.faissshard.security;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.core.env.Environment;

/**
 * Masks the Supabase key, the database password and the API tokens in every Actuator endpoint that
 * shows configuration ({@code env}, {@code configprops}), whatever {@code show-values} says. Spring
 * Boot applies sanitizing functions whenever it would otherwise show a value unmasked.
 *
 * <p>Two nets: by key (every name the secrets can be set under: properties, environment variables,
 * configprops paths), and by value, for a secret that also appears inside another property, such as
 * a {@code --fsb.supabase.key=…} flag inside {@code sun.java.command}, {@code JAVA_TOOL_OPTIONS},
 * or a password inside a connection URL.
 */
final class ActuatorSecrets implements SanitizingFunction {

    /** Normalised key fragments: lower case, without '.', '-', '_' and '[n]'. */
    private static final List<String> SECRET_KEYS =
            List.of(
                    "apitokens",
                    "supabasekey",
                    "password",
                    "databaseurl",
                    "postgresurl",
                    "secret",
                    "credentials",
                    "token",
                    "javacommand",
                    "javatooloptions",
                    "jdkjavaoptions",
                    "javaopts");

    /** Shorter values would mask harmless properties that happen to contain them. */
    private static final int MIN_SECRET_LENGTH = 4;

    private final List<String> secretValues;

    private ActuatorSecrets(List<String> secretValues) {
        this.secretValues = List.copyOf(secretValues);
    }

    /** Collects the configured secret values once, at startup. */
    static ActuatorSecrets of(Environment environment, ApiSecurityProperties security) {
        List<String> values = new ArrayList<>();
        for (String entry : security.apiTokens()) {
            int colon = entry.indexOf(':');
            values.add((colon < 0 ? entry : entry.substring(colon + 1)).trim());
        }
        values.add(environment.getProperty("fsb.supabase.key", ""));
        values.add(environment.getProperty("fsb.catalog.postgres.password", ""));
        values.add(passwordOf(environment.getProperty("fsb.catalog.postgres.url", "")));
        values.removeIf(value -> value == null || value.length() < MIN_SECRET_LENGTH);
        return new ActuatorSecrets(values);
    }

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (data.getValue() == null) {
            return data;
        }
        return isSecretKey(data.getKey()) || containsSecret(String.valueOf(data.getValue()))
                ? data.withSanitizedValue()
                : data;
    }

    private static boolean isSecretKey(String key) {
        String normalised = key.toLowerCase(Locale.ROOT).replaceAll("\\[\\d+]|[^a-z0-9]", "");
        return SECRET_KEYS.stream().anyMatch(normalised::contains);
    }

    private boolean containsSecret(String value) {
        for (String secret : secretValues) {
            if (value.contains(secret)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The password of {@code postgresql://user:password@host/db} or of a JDBC URL's {@code
     * password=} parameter.
     */
    private static String passwordOf(String url) {
        String plain = url.startsWith("jdbc:") ? url.substring(5) : url;
        try {
            String userInfo = URI.create(plain).getRawUserInfo();
            if (userInfo != null && userInfo.contains(":")) {
                return userInfo.substring(userInfo.indexOf(':') + 1);
            }
            String query = URI.create(plain).getRawQuery();
            if (query != null) {
                for (String parameter : query.split("&")) {
                    if (parameter.startsWith("password=")) {
                        return parameter.substring("password=".length());
                    }
                }
            }
        } catch (IllegalArgumentException ex) {
            // Not a URI: the key-based net still masks the whole URL.
        }
        return "";
    }
}
