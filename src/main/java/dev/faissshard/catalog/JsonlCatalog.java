package dev.faissshard.catalog;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON object per line: {@code {"id": 1 | "uuid", "image_url": "..."}}; streamed within the
 * configured bounds. Errors name the line (and column of a JSON syntax error), never the text.
 */
final class JsonlCatalog implements Catalog {

    private final CatalogFile file;
    private final String idField;
    private final List<String> urlFields;
    private final JsonMapper json;
    private final int maxLineChars;

    JsonlCatalog(
            CatalogFile file,
            String idField,
            List<String> urlFields,
            JsonMapper json,
            int maxLineChars) {
        this.file = file;
        this.idField = idField;
        this.urlFields = urlFields;
        this.json = json;
        this.maxLineChars = maxLineChars;
    }

    @Override
    public Stream<CatalogEntry> entries() {
        Reader reader = file.open();
        LineReader lines = new LineReader(reader, maxLineChars);
        Iterator<CatalogEntry> rows =
                new Iterator<>() {

                    private CatalogEntry next;

                    @Override
                    public boolean hasNext() {
                        while (next == null) {
                            String text = readLine(lines);
                            if (text == null) {
                                return false;
                            }
                            if (!text.isBlank()) {
                                next = parse(text, lines.lineNumber());
                            }
                        }
                        return true;
                    }

                    @Override
                    public CatalogEntry next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        CatalogEntry entry = next;
                        next = null;
                        return entry;
                    }
                };
        return file.stream(reader, rows);
    }

    @Override
    public OptionalLong size() {
        return file.nonBlankLines();
    }

    @Override
    public String description() {
        return "jsonl:" + file.path();
    }

    private String readLine(LineReader lines) {
        try {
            return lines.next();
        } catch (CatalogFormatException ex) {
            throw new CatalogFormatException(file.path() + " " + ex.getMessage());
        } catch (IOException ex) {
            throw file.unreadable(ex);
        }
    }

    private CatalogEntry parse(String text, long line) {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JacksonException ex) {
            // Jackson's own message quotes the offending token: only its position is kept, and no
            // cause.
            String column =
                    ex.getLocation() == null || ex.getLocation().getColumnNr() < 1
                            ? ""
                            : " column " + ex.getLocation().getColumnNr();
            throw new CatalogFormatException(
                    file.path() + " line " + line + column + ": invalid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new CatalogFormatException(
                    file.path() + " line " + line + ": expected a JSON object");
        }
        JsonNode id = node.get(idField);
        String idText;
        if (id != null && id.isIntegralNumber()) {
            idText = id.bigIntegerValue().toString();
        } else if (id != null && id.isString() && !id.stringValue().isBlank()) {
            idText = id.stringValue().strip();
        } else {
            throw new CatalogFormatException(
                    file.path()
                            + " line "
                            + line
                            + ": missing '"
                            + idField
                            + "' (an integer or a non-empty string)");
        }
        for (String field : urlFields) {
            JsonNode url = node.get(field);
            if (url != null && url.isString()) {
                return new CatalogEntry(
                        idText,
                        imageUrl(url.stringValue(), line),
                        ImageUrls.folder(file.path()),
                        revision(node));
            }
        }
        throw new CatalogFormatException(
                file.path() + " line " + line + ": missing image URL field, one of " + urlFields);
    }

    private static String revision(JsonNode node) {
        java.util.List<String> values = new java.util.ArrayList<>(Revision.COLUMNS.size());
        for (String field : Revision.COLUMNS) {
            JsonNode value = node.get(field);
            values.add(
                    value == null
                            ? null
                            : value.isString()
                                    ? value.stringValue()
                                    : value.isNumber() ? value.numberValue().toString() : null);
        }
        return Revision.of(values);
    }

    // Never fails the catalogue: a URL that is empty or malformed fails its own row as invalid_url.
    private URI imageUrl(String text, long line) {
        return ImageUrls.resolve(text, file.path(), line);
    }
}
