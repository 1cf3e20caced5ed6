package dev.faissshard.api;

import java.net.URI;

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
}
