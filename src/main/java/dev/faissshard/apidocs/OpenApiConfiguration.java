package dev.faissshard.apidocs;

import dev.faissshard.api.ProblemTypes;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI 3.1 description at {@code /v3/api-docs}: springdoc reads the controllers; this adds
 * the bearer-token scheme and the RFC 9457 problem details every operation may answer with, one
 * schema listing every problem type of {@link ProblemCatalogue}.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String PROBLEM_SCHEMA = "Problem";
    static final String BEARER = "bearerToken";
    private static final String PROBLEM_JSON = "application/problem+json";

    @Bean
    OpenAPI faissShardBuilderOpenApi(ObjectProvider<BuildProperties> build) {
        BuildProperties properties = build.getIfAvailable();
        String version = properties == null ? "development" : properties.getVersion();
        return new OpenAPI()
                .info(
                        new Info()
                                .title("faiss-shard-builder")
                                .version(version)
                                .description(
                                        "Builds sharded FAISS indexes (color, structure, combined) of a product image "
                                                + "catalogue into object storage. Without configured API tokens the service listens "
                                                + "on loopback and every local caller may do everything; with tokens, GET needs a "
                                                + "read or write token and everything else a write token.")
                                .license(new License().name("see the repository")))
                .components(
                        new Components()
                                .addSecuritySchemes(
                                        BEARER,
                                        new SecurityScheme()
                                                .type(SecurityScheme.Type.HTTP)
                                                .scheme("bearer")
                                                .description(
                                                        "A token of FSB_API_TOKENS (read: or write:)")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }

    /**
     * Every operation may answer with a problem: the status-specific ones first, then a default.
     */
    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            // Here rather than in the OpenAPI bean: springdoc rebuilds the schemas from the
            // controllers.
            if (openApi.getComponents() == null) {
                openApi.setComponents(new Components());
            }
            openApi.getComponents().addSchemas(PROBLEM_SCHEMA, problemSchema());
            if (openApi.getPaths() == null) {
                return;
            }
            openApi.getPaths()
                    .values()
                    .forEach(path -> path.readOperations().forEach(this::addProblems));
        };
    }

    private void addProblems(Operation operation) {
        Map<Integer, List<String>> byStatus = new TreeMap<>();
        ProblemCatalogue.ENTRIES.forEach(
                entry ->
                        byStatus.computeIfAbsent(entry.status(), s -> new java.util.ArrayList<>())
                                .add(entry.slug()));
        for (int status : new int[] {400, 401, 403}) {
            if (operation.getResponses().get(String.valueOf(status)) == null) {
                operation
                        .getResponses()
                        .addApiResponse(
                                String.valueOf(status),
                                problemResponse(
                                        "Problem of type "
                                                + String.join(", ", byStatus.get(status))));
            }
        }
        operation
                .getResponses()
                .addApiResponse(
                        "default",
                        problemResponse(
                                "An RFC 9457 problem; its type is one of the Problem schema's"));
    }

    private static ApiResponse problemResponse(String description) {
        return new ApiResponse()
                .description(description)
                .content(
                        new Content()
                                .addMediaType(
                                        PROBLEM_JSON,
                                        new MediaType()
                                                .schema(
                                                        new Schema<>()
                                                                .$ref(
                                                                        "#/components/schemas/"
                                                                                + PROBLEM_SCHEMA))));
    }

    private static Schema<?> problemSchema() {
        StringBuilder table =
                new StringBuilder(
                        "RFC 9457 problem details. Problem types:\n\n| type | status | title |\n|---|---|---|\n");
        List<String> types = new java.util.ArrayList<>();
        for (ProblemCatalogue.Entry entry : ProblemCatalogue.ENTRIES) {
            String uri = ProblemTypes.BASE + entry.slug();
            types.add(uri);
            table.append("| ")
                    .append(uri)
                    .append(" | ")
                    .append(entry.status())
                    .append(" | ")
                    .append(entry.title())
                    .append(" |\n");
        }
        Schema<String> type =
                new Schema<String>()
                        .types(java.util.Set.of("string"))
                        .format("uri")
                        ._enum(types)
                        .description("Stable problem type");
        return new Schema<>()
                .types(java.util.Set.of("object"))
                .description(table.toString())
                .addProperty("type", type)
                .addProperty("title", new Schema<String>().types(java.util.Set.of("string")))
                .addProperty("status", new Schema<Integer>().types(java.util.Set.of("integer")))
                .addProperty("detail", new Schema<String>().types(java.util.Set.of("string")))
                .addProperty("instance", new Schema<String>().types(java.util.Set.of("string")))
                .addProperty(
                        "errors",
                        new Schema<>()
                                .types(java.util.Set.of("array"))
                                .description(
                                        "Field errors of an invalid request: field and message"))
                .required(List.of("type", "title", "status"));
    }
}
