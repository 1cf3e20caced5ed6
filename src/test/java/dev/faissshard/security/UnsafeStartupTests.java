package dev.faissshard.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.faissshard.FaissShardBuilderApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Settings that would expose an unauthenticated or weakly protected service stop it before it
 * listens. (Nothing is bound: the checks run while the web server is being configured.)
 */
class UnsafeStartupTests {

    @Test
    void aNonLoopbackAddressWithoutTokensRefusesToStart() throws Exception {
        Throwable failure = start("--server.address=0.0.0.0");
        AnonymousExposureException cause = causeOf(failure, AnonymousExposureException.class);
        assertThat(cause.getMessage())
                .contains("server.address")
                .contains("0.0.0.0")
                .contains("not loopback");
        FailureAnalysis analysis = new SecurityConfigurationFailureAnalyzer().analyze(failure);
        assertThat(analysis.getAction())
                .contains("FSB_API_TOKENS")
                .contains("fsb.security.allow-anonymous=true");
    }

    @Test
    void aSeparateManagementPortOnAllInterfacesWithoutTokensRefusesToStart() throws Exception {
        Throwable failure = start("--management.server.port=0");
        assertThat(causeOf(failure, AnonymousExposureException.class).getMessage())
                .contains("management.server.address");
    }

    @Test
    void aWeakTokenRefusesToStartWithoutQuotingIt() throws Exception {
        Throwable failure =
                start("--fsb.security.api-tokens=write:0123456789abcdef0123,read:tooShort42");
        WeakApiTokenException cause = causeOf(failure, WeakApiTokenException.class);
        assertThat(cause.getMessage())
                .contains("entry 2")
                .contains("role read")
                .doesNotContain("tooShort42");
    }

    private static Throwable start(String... arguments) throws Exception {
        Path root = Files.createTempDirectory("unsafe");
        String[] all = new String[arguments.length + 3];
        all[0] = "--server.port=0";
        all[1] = "--fsb.storage.local.root=" + root;
        all[2] =
                "--fsb.catalog.location="
                        + Files.writeString(root.resolve("c.csv"), "id,image_url\n");
        System.arraycopy(arguments, 0, all, 3, arguments.length);
        Throwable failure =
                catchThrowable(
                        () -> {
                            ConfigurableApplicationContext context =
                                    new SpringApplicationBuilder(FaissShardBuilderApplication.class)
                                            .run(all);
                            context.close();
                        });
        assertThat(failure).as("startup failure").isNotNull();
        return failure;
    }

    private static <T extends Throwable> T causeOf(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + failure);
    }
}
