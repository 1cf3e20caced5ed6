package dev.faissshard.search;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IndexPrefix;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A search request after every field has been checked: a valid prefix, known types, a bounded
 * {@code k}, exactly one query source with bounded, finite values.
 *
 * @param prefix the index's prefix without trailing slash ("" for the root)
 * @param types the types to search, in the order asked
 * @param k hits per type
 * @param excludeSelf whether a query by id leaves its own id out
 * @param source what to search for
 */
record SearchCommand(
        String prefix, List<IndexType> types, int k, boolean excludeSelf, Source source) {

    static final int MAX_ID_LENGTH = 1024;

    /** What the query vectors come from. */
    sealed interface Source {}

    record ById(String id) implements Source {}

    record ByUrl(URI url) implements Source {}

    record ByImage(byte[] image) implements Source {}

    record ByVectors(Map<IndexType, float[]> vectors) implements Source {}

    /**
     * From a JSON request; {@code image} is the uploaded image of a multipart request, else null.
     */
    static SearchCommand of(SearchRequest request, byte[] image, String defaultPrefix, int maxK) {
        if (request == null) {
            request = new SearchRequest(null, null, null, null, null);
        }
        Source source = source(request.query(), image);
        List<IndexType> types =
                request.types() == null && source instanceof ByVectors vectors
                        ? List.copyOf(vectors.vectors().keySet())
                        : types(request.types());
        if (source instanceof ByVectors vectors) {
            for (IndexType type : types) {
                if (!vectors.vectors().containsKey(type)) {
                    throw new InvalidSearchRequestException(
                            "query.vector", "must hold a vector for every requested type");
                }
            }
        }
        boolean excludeSelf = request.excludeSelf() != null && request.excludeSelf();
        return new SearchCommand(
                prefix(request.index(), defaultPrefix),
                types,
                k(request.k(), maxK),
                excludeSelf,
                source);
    }

    /** From query parameters, for a raw image body. */
    static SearchCommand ofImage(
            byte[] image, String index, String types, Integer k, String defaultPrefix, int maxK) {
        return new SearchCommand(
                prefix(index, defaultPrefix),
                types(splitTypes(types)),
                k(k, maxK),
                false,
                new ByImage(image));
    }

    static String prefix(String index, String defaultPrefix) {
        String prefix = index == null ? defaultPrefix : index;
        if (prefix == null) {
            return "";
        }
        IndexPrefix.violation(prefix)
                .ifPresent(
                        reason -> {
                            throw new InvalidSearchRequestException("index", reason);
                        });
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return trimmed.startsWith("/") ? trimmed.substring(1) : trimmed;
    }

    static List<String> splitTypes(String types) {
        if (types == null) {
            return null;
        }
        if (types.length() > 64) {
            throw new InvalidSearchRequestException(
                    "types", "must be a comma-separated list of color, structure, combined");
        }
        return List.of(types.split(",", -1));
    }

    static List<IndexType> types(List<String> names) {
        if (names == null) {
            return List.of(IndexType.COMBINED);
        }
        if (names.isEmpty() || names.size() > IndexType.values().length) {
            throw new InvalidSearchRequestException(
                    "types", "must name 1 to 3 of color, structure, combined");
        }
        Set<IndexType> types = new LinkedHashSet<>();
        for (String name : names) {
            types.add(type(name, "types"));
        }
        return List.copyOf(types);
    }

    private static IndexType type(String name, String field) {
        for (IndexType type : IndexType.values()) {
            if (name != null && type.key().equals(name.strip())) {
                return type;
            }
        }
        throw new InvalidSearchRequestException(field, "must be color, structure or combined");
    }

    private static int k(Integer k, int maxK) {
        if (k == null) {
            return Math.min(10, maxK);
        }
        if (k < 1 || k > maxK) {
            throw new InvalidSearchRequestException("k", "must be between 1 and " + maxK);
        }
        return k;
    }

    private static Source source(SearchRequest.Query query, byte[] image) {
        if (image != null) {
            if (query != null) {
                throw new InvalidSearchRequestException(
                        "query", "must be absent when an image is uploaded");
            }
            return new ByImage(image);
        }
        if (query == null) {
            throw new InvalidSearchRequestException(
                    "query", "is required: one of id, url, vector (or upload an image)");
        }
        int given =
                (query.id() != null ? 1 : 0)
                        + (query.url() != null ? 1 : 0)
                        + (query.vector() != null ? 1 : 0);
        if (given != 1) {
            throw new InvalidSearchRequestException(
                    "query", "must hold exactly one of id, url, vector");
        }
        if (query.id() != null) {
            if (query.id().isEmpty() || query.id().length() > MAX_ID_LENGTH) {
                throw new InvalidSearchRequestException(
                        "query.id", "must be 1 to " + MAX_ID_LENGTH + " characters");
            }
            return new ById(query.id());
        }
        if (query.url() != null) {
            return new ByUrl(QueryImages.url(query.url()));
        }
        return new ByVectors(vectors(query.vector()));
    }

    private static Map<IndexType, float[]> vectors(Map<String, float[]> given) {
        if (given.isEmpty() || given.size() > IndexType.values().length) {
            throw new InvalidSearchRequestException(
                    "query.vector", "must hold 1 to 3 vectors keyed by index type");
        }
        Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
        List<String> names = new ArrayList<>(given.keySet());
        for (String name : names) {
            IndexType type = type(name, "query.vector");
            float[] vector = given.get(name);
            if (vector == null || vector.length == 0) {
                throw new InvalidSearchRequestException(
                        "query.vector." + type.key(), "must be a non-empty array of numbers");
            }
            for (float value : vector) {
                if (!Float.isFinite(value)) {
                    throw new InvalidSearchRequestException(
                            "query.vector." + type.key(),
                            "must hold finite numbers within float range");
                }
            }
            vectors.put(type, vector);
        }
        return vectors;
    }
}
