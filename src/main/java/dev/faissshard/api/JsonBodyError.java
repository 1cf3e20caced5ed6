package dev.faissshard.api;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.InvalidNullException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;

/**
 * What was wrong with a JSON request body, in the caller's terms: the field ({@code
 * catalog.location}, {@code indexTypes[0]}) and what it must be. Jackson's own messages are not
 * passed on: they quote the offending value and name Java classes, and a request body is the
 * caller's content, not ours to echo.
 *
 * @param field the offending field, or null when the body is not JSON at all
 * @param message what the field must be
 */
record JsonBodyError(String field, String message) {

    static JsonBodyError of(JacksonException failure) {
        if (failure instanceof UnrecognizedPropertyException unknown) {
            return new JsonBodyError(
                    path(unknown), "is not a known field" + known(unknown.getKnownPropertyIds()));
        }
        if (failure instanceof ValueInstantiationException instantiation) {
            Class<?> type =
                    instantiation.getType() == null ? null : instantiation.getType().getRawClass();
            if (type != null && type.isEnum()) {
                // The enums' own creators quote the unknown name; say what is accepted instead.
                return new JsonBodyError(path(instantiation), "must be " + expected(type));
            }
            if (instantiation.getCause() instanceof IllegalArgumentException invalid) {
                // Our own records' checks (Partition), whose messages name only the bounds and the
                // number.
                return new JsonBodyError(path(instantiation), invalid.getMessage());
            }
        }
        if (failure instanceof InvalidNullException nullValue) {
            return new JsonBodyError(path(nullValue), "must not be null");
        }
        if (failure instanceof MismatchedInputException mismatch
                && mismatch.getTargetType() != null) {
            return new JsonBodyError(
                    path(mismatch), "must be " + expected(mismatch.getTargetType()));
        }
        if (failure instanceof DatabindException databind && !databind.getPath().isEmpty()) {
            return new JsonBodyError(path(databind), "has a value of the wrong type");
        }
        if (failure instanceof InputCoercionException overflow) {
            return new JsonBodyError(
                    parserPath(overflow),
                    "is out of range for " + expected(overflow.getTargetType()));
        }
        return new JsonBodyError(null, "is not valid JSON" + location(failure.getLocation()));
    }

    /** The problem {@code detail}: field and message in one line. */
    String detail() {
        return field == null ? "Request body " + message : field + " " + message;
    }

    private static String path(DatabindException failure) {
        StringBuilder path = new StringBuilder();
        for (var reference : failure.getPath()) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? null : path.toString();
    }

    /**
     * Stream-level failures (a number too large for its type) carry no path, but the parser still
     * knows where it was.
     */
    private static String parserPath(JacksonException failure) {
        if (!(failure.processor() instanceof JsonParser parser)) {
            return null;
        }
        String pointer = parser.streamReadContext().pathAsPointer().toString();
        if (pointer.isEmpty()) {
            return null;
        }
        StringBuilder path = new StringBuilder();
        for (String segment : pointer.substring(1).split("/")) {
            String name = segment.replace("~1", "/").replace("~0", "~");
            if (name.chars().allMatch(Character::isDigit) && !path.isEmpty()) {
                path.append('[').append(name).append(']');
            } else {
                path.append(path.isEmpty() ? "" : ".").append(name);
            }
        }
        return path.toString();
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "a value of another type";
        }
        if (type.isEnum()) {
            // The API spells every enum value in lower case (their @JsonValue keys).
            return "one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(value -> value.toString().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining(", "));
        }
        if (type == Integer.class || type == int.class) {
            return "a JSON integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE;
        }
        if (type == Long.class || type == long.class) {
            return "a JSON integer between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE;
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a JSON string";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a JSON array";
        }
        if (type.isRecord()) {
            return "a JSON object";
        }
        return "a " + type.getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static String known(Collection<Object> names) {
        if (names == null || names.isEmpty()) {
            return "";
        }
        return "; known fields: "
                + names.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }

    private static String location(TokenStreamLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
