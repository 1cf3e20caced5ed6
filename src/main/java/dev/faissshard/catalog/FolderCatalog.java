package dev.faissshard.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every image file under a folder, recursively, in sorted order. The id is the path relative to the
 * folder without its extension ({@code shoes/red-42}), so renaming nothing keeps ids stable.
 * Symbolic links are neither followed into folders nor taken as images, so nothing outside the
 * folder is listed.
 */
final class FolderCatalog implements Catalog {

    private static final Set<String> EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "gif", "bmp", "webp");

    private final Path folder;

    FolderCatalog(Path folder) {
        this.folder = folder.toAbsolutePath().normalize();
    }

    @Override
    public Stream<CatalogEntry> entries() {
        try {
            return Files.walk(folder)
                    .filter(FolderCatalog::isPlainFile)
                    .filter(FolderCatalog::isImage)
                    .sorted()
                    .map(file -> new CatalogEntry(id(file), file.toUri(), folder));
        } catch (IOException ex) {
            throw new CatalogNotFoundException(
                    "Cannot read catalogue folder "
                            + folder
                            + " ("
                            + ex.getClass().getSimpleName()
                            + ")");
        }
    }

    @Override
    public OptionalLong size() {
        try (Stream<Path> files = Files.walk(folder)) {
            return OptionalLong.of(
                    files.filter(FolderCatalog::isPlainFile)
                            .filter(FolderCatalog::isImage)
                            .count());
        } catch (IOException | UncheckedIOException ex) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String description() {
        return "folder:" + folder;
    }

    private String id(Path file) {
        String relative = folder.relativize(file).toString().replace('\\', '/');
        int dot = relative.lastIndexOf('.');
        return dot > relative.lastIndexOf('/') + 1 ? relative.substring(0, dot) : relative;
    }

    private static boolean isPlainFile(Path file) {
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
