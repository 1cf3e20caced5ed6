package dev.faissshard.catalog;

import dev.faissshard.fetch.ImageUrl;
import dev.faissshard.fetch.InvalidUrlException;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Turns the URL text of a catalogue row into the URI to fetch; relative paths are read beside the
 * manifest. Never fails the catalogue: text that is no URL becomes a stand-in that the fetcher
 * records as that row's {@code invalid_url} failure, so one bad row costs one image, not the job.
 */
final class ImageUrls {

    // Two letters at least, so that a Windows drive letter is not taken for a scheme.
    private static final Pattern SCHEME =
            Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*", Pattern.DOTALL);

    private ImageUrls() {}

    static URI resolve(String text, Path manifest, long line) {
        String value = text.strip();
        if (value.isEmpty()) {
            return ImageUrl.invalid("empty image URL");
        }
        if (SCHEME.matcher(value).matches()) {
            return absolute(value);
        }
        try {
            return manifest.toAbsolutePath().getParent().resolve(value).normalize().toUri();
        } catch (InvalidPathException ex) {
            return ImageUrl.invalid("not a usable relative file path (" + ex.getReason() + ")");
        }
    }

    /**
     * The URL of a row of a catalogue that is no file (a table): only absolute URLs make sense
     * there.
     */
    static URI absolute(String text) {
        try {
            return ImageUrl.parse(text);
        } catch (InvalidUrlException ex) {
            return ImageUrl.invalid(ex.getMessage());
        }
    }

    /** The folder whose files the manifest's rows may name (see {@code fsb.fetch.files}). */
    static Path folder(Path manifest) {
        return manifest.toAbsolutePath().normalize().getParent();
    }
}
