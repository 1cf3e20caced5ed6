package dev.faissshard.api;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The stable {@code type} URIs of every problem the service answers with, so that the security
 * layer, which answers before any controller runs, names its problems the same way the controllers
 * do.
 */
public final class ProblemTypes {

    public static final String BASE = "https://faiss-shard-builder.dev/problems/";

    private ProblemTypes() {}

    /** The type URI of a problem slug such as {@code invalid-request}. */
    public static URI of(String slug) {
        return URI.create(BASE + slug);
    }

    /** A problem of the slug's type with its title and detail, as every handler answers one. */
    public static ProblemDetail problem(
            HttpStatus status, String slug, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(of(slug));
        problem.setTitle(title);
        return problem;
    }
}
