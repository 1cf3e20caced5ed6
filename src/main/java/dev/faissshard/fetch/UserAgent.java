package dev.faissshard.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The {@code User-Agent} sent to image hosts: the configured one, or the service's name and version
 * (from the build's {@code META-INF/build-info.properties}), so that a host's operator can tell
 * what is fetching. No contact URL is invented; operators add their own.
 */
final class UserAgent {

    static final String PRODUCT = "faiss-shard-builder";

    private UserAgent() {}

    static String of(FetchProperties properties) {
        return properties.userAgent().isBlank()
                ? PRODUCT + "/" + version()
                : properties.userAgent();
    }

    static String version() {
        try (InputStream in =
                UserAgent.class.getResourceAsStream("/META-INF/build-info.properties")) {
            if (in != null) {
                Properties build = new Properties();
                build.load(in);
                String version = build.getProperty("build.version", "");
                if (version.matches("[A-Za-z0-9._+-]{1,64}")) {
                    return version;
                }
            }
        } catch (IOException ex) {
            // The unversioned name below is still honest.
        }
        return "dev";
    }
}
