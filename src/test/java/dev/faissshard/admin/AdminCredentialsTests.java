package dev.faissshard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import de.codecentric.boot.admin.client.config.SpringBootAdminClientAutoConfiguration;
import de.codecentric.boot.admin.client.registration.ApplicationRegistrator;
import de.codecentric.boot.admin.client.registration.metadata.MetadataContributor;
import dev.faissshard.security.ApiTokens;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The metadata credentials: present only with a token, refused at startup when the token is not one
 * of the API tokens, and never quoted in that refusal.
 */
class AdminCredentialsTests {

    private static final String READ_TOKEN = "read-8e1f4b2c9d7a0356";

    private final ApplicationContextRunner context =
            new ApplicationContextRunner()
                    .withUserConfiguration(Tokens.class, AdminClientConfiguration.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AdminProperties.class)
    static class Tokens {
        @Bean
        ApiTokens apiTokens() {
            return ApiTokens.parse(List.of("read:" + READ_TOKEN));
        }
    }

    @Test
    void aConfiguredTokenBecomesTheBasicCredentialsOfTheRegistration() {
        context.withPropertyValues("fsb.admin.token=" + READ_TOKEN)
                .run(
                        started ->
                                assertThat(started.getBean(MetadataContributor.class).getMetadata())
                                        .containsEntry("user.name", "spring-boot-admin")
                                        .containsEntry("user.password", READ_TOKEN)
                                        .hasSize(2));
    }

    @Test
    void withoutATokenNoCredentialsAreRegistered() {
        context.run(
                started ->
                        assertThat(started.getBean(MetadataContributor.class).getMetadata())
                                .isEmpty());
    }

    @Test
    void aTokenThatIsNoApiTokenFailsStartupWithoutBeingQuoted() {
        String typo = "read-8e1f4b2c9d7a0357";
        context.withPropertyValues("fsb.admin.token=" + typo)
                .run(
                        started -> {
                            assertThat(started).hasFailed();
                            Throwable failure = started.getStartupFailure();
                            while (failure.getCause() != null
                                    && !(failure instanceof AdminTokenNotConfiguredException)) {
                                failure = failure.getCause();
                            }
                            assertThat(failure)
                                    .isInstanceOf(AdminTokenNotConfiguredException.class)
                                    .hasMessageContaining("fsb.admin.token")
                                    .hasMessageNotContaining(typo);
                        });
    }

    @Test
    void registrationStaysOffWhileTheServerUrlIsEmptyAsComposeLeavesIt() {
        new WebApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(SpringBootAdminClientAutoConfiguration.class))
                .withPropertyValues("spring.boot.admin.client.url=")
                .run(started -> assertThat(started).doesNotHaveBean(ApplicationRegistrator.class));
        new WebApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(SpringBootAdminClientAutoConfiguration.class))
                .run(started -> assertThat(started).doesNotHaveBean(ApplicationRegistrator.class));
        // The control: with a URL the same runner switches registration on (and, lacking the
        // Actuator beans a full application has, fails building it).
        new WebApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(SpringBootAdminClientAutoConfiguration.class))
                .withPropertyValues("spring.boot.admin.client.url=http://127.0.0.1:9")
                .run(
                        started ->
                                assertThat(started.getStartupFailure())
                                        .hasMessageContaining(
                                                "SpringBootAdminClientAutoConfiguration"));
    }

    @Test
    void propertiesNeverShowTheToken() {
        assertThat(new AdminProperties(READ_TOKEN, "sba").toString()).doesNotContain(READ_TOKEN);
        assertThat(new AdminCredentials(new AdminProperties(READ_TOKEN, "sba")).toString())
                .doesNotContain(READ_TOKEN);
    }
}
