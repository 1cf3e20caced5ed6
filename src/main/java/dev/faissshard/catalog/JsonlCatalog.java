package dev.faissshard.catalog;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One JSON object per line: {@code {"id": 1 | "uuid", "image_url": "..."}}; streamed. */
final class JsonlCatalog implements Catalog {

    private final Path file;
    private final String idField;
    private final List<String> urlFields;
    private final JsonMapper json;

    JsonlCatalog(Path file, String idField, List<String> urlFields, JsonMapper json) {
        this.file = file;
        this.idField = idField;
        this.urlFields = urlFields;
        this.json = json;
    }

    @Override
    public Stream<CatalogEntry> entries() {
        BufferedReader reader;
        try {
            reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new CatalogNotFoundException("Cannot read catalogue " + file + ": " + ex.getMessage());
        }
        AtomicLong line = new AtomicLong();
        return reader.lines().map(text -> new Object[] { line.incrementAndGet(), text })
            .filter(row -> !((String) row[1]).isBlank())
            .map(row -> parse((String) row[1], (Long) row[0]))
            .onClose(() -> {
                try {
                    reader.close();
                }
                catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
    }

    @Override
    public OptionalLong size() {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return OptionalLong.of(lines.filter(line -> !line.isBlank()).count());
        }
        catch (IOException | UncheckedIOException ex) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String description() {
        return "jsonl:" + file;
    }

    private CatalogEntry parse(String text, long line) {
        JsonNode node;
        try {
            node = json.readTree(text.charAt(0) == '\uFEFF' ? text.substring(1) : text);
        }
        catch (JacksonException ex) {
            throw new CatalogFormatException(file + " line " + line + ": invalid JSON: " + ex.getOriginalMessage(), ex);
        }
        if (!node.isObject()) {
            throw new CatalogFormatException(file + " line " + line + ": expected a JSON object");
        }
        JsonNode id = node.get(idField);
        String idText;
        if (id != null && id.isIntegralNumber()) {
            idText = id.bigIntegerValue().toString();
        }
        else if (id != null && id.isString() && !id.stringValue().isBlank()) {
            idText = id.stringValue().strip();
        }
        else {
            throw new CatalogFormatException(file + " line " + line + ": missing '" + idField
                    + "' (an integer or a non-empty string)");
        }
        for (String field : urlFields) {
            JsonNode url = node.get(field);
            if (url != null && url.isString()) {
                return new CatalogEntry(idText, ImageUrls.resolve(url.stringValue(), file, line), ImageUrls.folder(file));
            }
        }
        throw new CatalogFormatException(file + " line " + line + ": missing image URL field, one of " + urlFields);
    }
}
