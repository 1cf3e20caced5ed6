package dev.faissshard.catalog;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides which files a catalogue may be read from. A location named in a request must lie, once
 * every symbolic link is followed, under one of the allowed roots, and be a regular file or a
 * folder on a real file system; anything else (a FIFO, a device, a socket, {@code /proc}, a symlink
 * out of the roots, a {@code ..} segment) is refused with one message, whatever the reason, so the
 * answer says nothing about files outside the roots. The configured default catalogue is the
 * operator's choice: it is not held to the roots, but a FIFO or device is refused there too, since
 * it would block or never end.
 */
final class CatalogLocations {

    /**
     * Kernel and pseudo file systems: their "regular files" are views of process or device state.
     */
    private static final Set<String> PSEUDO_FILE_SYSTEMS =
            Set.of(
                    "proc",
                    "sysfs",
                    "devtmpfs",
                    "devpts",
                    "cgroup",
                    "cgroup2",
                    "debugfs",
                    "tracefs",
                    "securityfs",
                    "configfs",
                    "bpf",
                    "pstore",
                    "efivarfs",
                    "mqueue",
                    "fusectl",
                    "binfmt_misc",
                    "hugetlbfs",
                    "autofs",
                    "rpc_pipefs",
                    "nsfs");

    private final List<Path> roots;

    CatalogLocations(List<Path> roots) {
        this.roots = List.copyOf(roots);
    }

    /**
     * The real path of a location taken from a request, or a {@link
     * CatalogLocationRefusedException}.
     */
    Path requested(String location) {
        if (roots.isEmpty() || location.isBlank() || location.indexOf('\0') >= 0) {
            throw new CatalogLocationRefusedException();
        }
        Path given;
        try {
            given = Path.of(location.strip());
        } catch (InvalidPathException ex) {
            throw new CatalogLocationRefusedException();
        }
        for (Path part : given) {
            if (part.toString().equals("..")) {
                throw new CatalogLocationRefusedException();
            }
        }
        Path absolute = (given.isAbsolute() ? given : roots.get(0).resolve(given)).normalize();
        // Checked before the file system is touched, so nothing is learnt about paths outside the
        // roots.
        if (roots.stream().noneMatch(absolute::startsWith)) {
            throw new CatalogLocationRefusedException();
        }
        Path real;
        try {
            real = absolute.toRealPath();
        } catch (IOException | SecurityException ex) {
            throw new CatalogLocationRefusedException();
        }
        if (realRoots().stream().noneMatch(real::startsWith) || !isReadableFileOrFolder(real)) {
            throw new CatalogLocationRefusedException();
        }
        return real;
    }

    /** The configured default catalogue: trusted, but it must still be a regular file or folder. */
    static Path configured(String location) {
        Path path;
        try {
            path = Path.of(location).toAbsolutePath().normalize();
        } catch (InvalidPathException ex) {
            throw new CatalogNotFoundException("fsb.catalog.location is not a valid path");
        }
        if (!Files.exists(path)) {
            throw new CatalogNotFoundException(
                    "Catalogue " + path + " (fsb.catalog.location) does not exist");
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException ex) {
            throw new CatalogNotFoundException(
                    "Catalogue " + path + " (fsb.catalog.location) cannot be resolved");
        }
        if (!isReadableFileOrFolder(real)) {
            throw new CatalogNotFoundException(
                    "Catalogue "
                            + path
                            + " (fsb.catalog.location) must be a readable regular file or folder");
        }
        return real;
    }

    private List<Path> realRoots() {
        List<Path> real = new ArrayList<>(roots.size());
        for (Path root : roots) {
            try {
                real.add(root.toRealPath());
            } catch (IOException | SecurityException ex) {
                // a root that does not exist (yet) admits nothing
            }
        }
        return real;
    }

    private static boolean isReadableFileOrFolder(Path real) {
        try {
            BasicFileAttributes attributes =
                    Files.readAttributes(
                            real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile() && !attributes.isDirectory()) {
                return false;
            }
            FileStore store = Files.getFileStore(real);
            return !PSEUDO_FILE_SYSTEMS.contains(store.type().toLowerCase(Locale.ROOT))
                    && Files.isReadable(real);
        } catch (IOException | SecurityException ex) {
            return false;
        }
    }
}
