package dev.faissshard.apidocs;

import java.util.List;

/**
 * Every problem type the service answers with, as the OpenAPI description lists them. A new problem
 * type belongs here too: {@code OpenApiDescriptionTests} fails for a slug used in the code but
 * missing here.
 */
final class ProblemCatalogue {

    /**
     * One problem type.
     *
     * @param slug last segment of the type URI
     * @param status HTTP status it comes with
     * @param title its fixed title
     */
    record Entry(String slug, int status, String title) {}

    static final List<Entry> ENTRIES =
            List.of(
                    new Entry("invalid-request", 400, "Invalid request"),
                    new Entry("catalog-unusable", 400, "Catalogue cannot be read"),
                    new Entry("invalid-operation", 400, "Request does not fit its operation"),
                    new Entry("catalog-location-refused", 400, "Catalogue location not allowed"),
                    new Entry("authentication-required", 401, "Authentication required"),
                    new Entry("invalid-token", 401, "Invalid bearer token"),
                    new Entry("forbidden", 403, "Forbidden"),
                    new Entry("insufficient-role", 403, "Role does not allow this"),
                    new Entry("non-local-request", 403, "Not a local request"),
                    new Entry("not-found", 404, "Not found"),
                    new Entry("job-not-found", 404, "Job not found"),
                    new Entry("catalog-entry-not-found", 404, "No catalogue entry with this id"),
                    new Entry("index-not-found", 404, "No index at this prefix"),
                    new Entry("method-not-allowed", 405, "Method not allowed"),
                    new Entry("not-acceptable", 406, "Not acceptable"),
                    new Entry("job-state-conflict", 409, "Job state does not allow this"),
                    new Entry("index-location-busy", 409, "Index is being built by another job"),
                    new Entry("index-lease-held", 409, "Index is being built by another process"),
                    new Entry(
                            "index-incompatible",
                            409,
                            "Index was built with another model or settings"),
                    new Entry("progress-unreadable", 409, "progress.json cannot be used"),
                    new Entry("payload-too-large", 413, "Request body too large"),
                    new Entry("unsupported-media-type", 415, "Unsupported media type"),
                    new Entry("internal-error", 500, "Internal error"),
                    new Entry("thumbnail-url-refused", 502, "Image URL not allowed"),
                    new Entry("thumbnail-fetch-failed", 502, "Image could not be fetched"),
                    new Entry("thumbnail-undecodable", 502, "Image cannot be decoded"),
                    new Entry("thumbnail-image-too-large", 502, "Image too large"),
                    new Entry("service-unavailable", 503, "Service unavailable"),
                    new Entry("job-capacity", 503, "Too many jobs"),
                    new Entry("thumbnail-busy", 503, "Too many thumbnail requests"),
                    new Entry("storage-unavailable", 503, "Storage unavailable"),
                    new Entry("catalog-unavailable", 503, "Catalogue unavailable"),
                    new Entry("service-stopping", 503, "Service is shutting down"));

    private ProblemCatalogue() {}
}
