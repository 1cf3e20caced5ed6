package dev.faissshard.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Real pictures that Debian packages install (wallpapers, artwork, icons): PNGs made by many tools,
 * with alpha, palettes and odd sizes. {@code scripts/install-deps.sh} installs {@code desktop-base} and
 * {@code gnome-backgrounds} (which ships WebP wallpapers) so that they are there on CI too.
 */
public final class RealImages {

    private static final List<Path> ROOTS = List.of(Path.of("/usr/share/desktop-base"), Path.of("/usr/share/backgrounds"),
            Path.of("/usr/share/pixmaps"), Path.of("/usr/share/icons"));

    private RealImages() {
    }

    /** Up to {@code count} PNGs spread over the roots, the same ones on every run. */
    public static List<Path> pngs(int count) {
        return spread(find(".png"), count);
    }

    /** Up to {@code count} WebP files. */
    public static List<Path> webps(int count) {
        return spread(find(".webp"), count);
    }

    private static List<Path> find(String suffix) {
        return ROOTS.stream().filter(Files::isDirectory).flatMap(root -> {
            try (Stream<Path> files = Files.walk(root)) {
                return files.filter(f -> f.getFileName().toString().endsWith(suffix))
                    .filter(f -> !Files.isSymbolicLink(f) && Files.isRegularFile(f))
                    // The browser test's chromium installs its own icons; leaving them out keeps the same
                    // pictures (and the thresholds measured on them) with or without it.
                    .filter(f -> !f.getFileName().toString().startsWith("chromium"))
                    .sorted()
                    .toList()
                    .stream();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }).toList();
    }

    private static List<Path> spread(List<Path> files, int count) {
        if (files.size() <= count) {
            return files;
        }
        return Stream.iterate(0, i -> i + 1).limit(count).map(i -> files.get((int) ((long) i * files.size() / count))).toList();
    }
}
