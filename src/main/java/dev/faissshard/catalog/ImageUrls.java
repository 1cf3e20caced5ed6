package dev.faissshard.catalog;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Turns the URL text of a manifest row into an absolute URI; relative paths are read beside the manifest. */
final class ImageUrls {

    // Two letters at least, so that a Windows drive letter is not taken for a scheme.
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*");

    private ImageUrls() {
    }

    static URI resolve(String text, Path manifest, long line) {
        String value = text.strip();
        if (value.isEmpty()) {
            throw new CatalogFormatException(manifest + " line " + line + ": empty image URL");
        }
        try {
            if (SCHEME.matcher(value).matches()) {
                return new URI(value);
            }
            return manifest.toAbsolutePath().getParent().resolve(value).normalize().toUri();
        }
        catch (URISyntaxException | InvalidPathException ex) {
            throw new CatalogFormatException(manifest + " line " + line + ": invalid image URL '" + value + "': "
                    + ex.getMessage(), ex);
        }
    }
}
