package dev.faissshard.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Real pictures that Debian packages install (wallpapers, artwork, icons): PNGs made by many tools,
 * with alpha, palettes and odd sizes. {@code scripts/install-deps.sh} installs {@code desktop-base}
 * and {@code gnome-backgrounds} (which ships WebP wallpapers) and chromium (whose GTK brings the
 * Adwaita icons) so that they are there on CI too.
 *
 * <p>The picks are spread over each root separately: installing one icon theme (chromium brings
 * Adwaita's 4,800 icons) must not turn the whole sample into 16-pixel symbolic icons. PNGs under
 * {@value #MIN_SIDE} pixels on a side are left out: no catalogue holds product photos that small,
 * and the few edge pixels where two lossy decoders disagree dominate such a picture.
 */
public final class RealImages {

    // Only folders of packages that scripts/install-deps.sh installs (Adwaita comes with chromium's
    // GTK),
    // so CI measures the same pictures as a developer's machine, whatever else is installed there.
    private static final List<Path> ROOTS =
            List.of(
                    Path.of("/usr/share/desktop-base"),
                    Path.of("/usr/share/backgrounds/gnome"),
                    Path.of("/usr/share/icons/desktop-base"),
                    Path.of("/usr/share/icons/Adwaita"));

    private static final int MIN_SIDE = 48;

    private RealImages() {}

    /** Up to {@code count} PNGs spread over the roots, the same ones on every run. */
    public static List<Path> pngs(int count) {
        return spreadPerRoot(".png", count);
    }

    /** Up to {@code count} WebP files. */
    public static List<Path> webps(int count) {
        return spreadPerRoot(".webp", count);
    }

    private static List<Path> spreadPerRoot(String suffix, int count) {
        List<List<Path>> perRoot =
                ROOTS.stream()
                        .filter(Files::isDirectory)
                        .map(root -> find(root, suffix))
                        .filter(files -> !files.isEmpty())
                        .toList();
        List<Path> picked = new ArrayList<>();
        int left = count;
        for (int i = 0; i < perRoot.size(); i++) {
            List<Path> files = spread(perRoot.get(i), left / (perRoot.size() - i));
            picked.addAll(files);
            left -= files.size();
        }
        return picked;
    }

    private static List<Path> find(Path root, String suffix) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix))
                    .filter(f -> !Files.isSymbolicLink(f) && Files.isRegularFile(f))
                    .filter(f -> !suffix.equals(".png") || smallestSide(f) >= MIN_SIDE)
                    .sorted()
                    .toList();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The smaller of a PNG's width and height, from its IHDR chunk; 0 when the header is not a
     * PNG's.
     */
    private static int smallestSide(Path png) {
        try (InputStream in = Files.newInputStream(png)) {
            byte[] header = in.readNBytes(24);
            if (header.length < 24
                    || header[12] != 'I'
                    || header[13] != 'H'
                    || header[14] != 'D'
                    || header[15] != 'R') {
                return 0;
            }
            ByteBuffer ihdr = ByteBuffer.wrap(header, 16, 8);
            return Math.min(ihdr.getInt(), ihdr.getInt());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static List<Path> spread(List<Path> files, int count) {
        if (files.size() <= count) {
            return files;
        }
        return Stream.iterate(0, i -> i + 1)
                .limit(count)
                .map(i -> files.get((int) ((long) i * files.size() / count)))
                .toList();
    }
}
