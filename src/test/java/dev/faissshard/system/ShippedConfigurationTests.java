package dev.faissshard.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.type.filter.AnnotationTypeFilter;

/**
 * The properties records are the one source of the service's defaults ({@code @DefaultValue}); the
 * shipped {@code application.yml} may only name environment variables for them ({@code
 * ${SUPABASE_URL:}}), and then with the record's default as the fallback, so that the jar starts
 * with exactly the records' defaults. Every record under {@code dev.faissshard} is checked,
 * including ones added later.
 */
class ShippedConfigurationTests {

    private static final Path SHIPPED = Path.of("application.yml");

    /**
     * An environment variable with a fallback: the only form an fsb value may take in the shipped
     * file.
     */
    private static final Pattern ENV_ALIAS = Pattern.compile("\\$\\{[A-Z][A-Z0-9_]*:[^${}]*}");

    @Test
    void shippedFileSetsNoServiceDefaultOnlyEnvironmentAliases() throws IOException {
        EnumerablePropertySource<?> shipped = shipped();
        List<String> restated = new ArrayList<>();
        for (String name : shipped.getPropertyNames()) {
            Object value = shipped.getProperty(name);
            if (name.startsWith("fsb.") && !ENV_ALIAS.matcher(String.valueOf(value)).matches()) {
                restated.add(name + " = " + value);
            }
        }
        assertThat(restated)
                .as(
                        "fsb values in application.yml: put defaults in the record's @DefaultValue instead")
                .isEmpty();
    }

    @Test
    void everyRecordBindsTheShippedFileToItsOwnDefaults() throws Exception {
        MutablePropertySources sources = new MutablePropertySources();
        sources.addLast(shipped());
        Binder fromShipped =
                new Binder(
                        ConfigurationPropertySources.from(sources),
                        new PropertySourcesPlaceholdersResolver(sources));
        MutablePropertySources none = new MutablePropertySources();
        none.addLast(new MapPropertySource("none", Map.of()));
        Binder fromNothing = new Binder(ConfigurationPropertySources.from(none));

        List<Class<?>> records = propertiesRecords();
        assertThat(records).as("properties records found").hasSizeGreaterThanOrEqualTo(10);
        List<String> differences = new ArrayList<>();
        for (Class<?> type : records) {
            String prefix = prefix(type);
            Object defaults = fromNothing.bindOrCreate(prefix, Bindable.of(type));
            Object shipped = fromShipped.bindOrCreate(prefix, Bindable.of(type));
            if (!Objects.equals(defaults, shipped)) {
                differences.add(prefix + ": record " + defaults + ", application.yml " + shipped);
            }
        }
        assertThat(differences)
                .as("application.yml restates a default differently from the record")
                .isEmpty();
    }

    private static EnumerablePropertySource<?> shipped() throws IOException {
        List<PropertySource<?>> documents =
                new YamlPropertySourceLoader()
                        .load("application.yml", new FileSystemResource(SHIPPED));
        assertThat(documents).hasSize(1);
        return (EnumerablePropertySource<?>) documents.get(0);
    }

    private static List<Class<?>> propertiesRecords() throws ClassNotFoundException {
        ClassPathScanningCandidateComponentProvider scanner =
                new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        List<Class<?>> records = new ArrayList<>();
        for (BeanDefinition candidate : scanner.findCandidateComponents("dev.faissshard")) {
            Class<?> type = Class.forName(candidate.getBeanClassName());
            if (type.isRecord()) {
                records.add(type);
            }
        }
        return records;
    }

    private static String prefix(Class<?> type) {
        ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
        return annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
    }
}
