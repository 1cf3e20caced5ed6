package dev.faissshard.fetch;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Reads {@code file:} URLs, off the caller's thread, confined to allowed folders: the path must lie
 * under one lexically (checked before the file system is touched, so that nothing outside is even
 * probed for existence), its real path too (so a symbolic link cannot lead out), and it must be a
 * regular file outside {@code /proc}, {@code /sys} and {@code /dev}. The size limit is enforced
 * while reading, never taken from the size the file system reports ({@code /proc} files report 0).
 */
final class FileImageFetcher {

    private static final List<Path> PSEUDO_FILE_SYSTEMS =
            List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));

    private final long maxBytes;
    private final FetchProperties.Files confinement;
    private final Executor executor;

    FileImageFetcher(long maxBytes, FetchProperties.Files confinement, Executor executor) {
        this.maxBytes = maxBytes;
        this.confinement = confinement;
        this.executor = executor;
    }

    /**
     * @param catalogueFolder the folder of the catalogue that named the URL, or null (then only the
     *     configured roots are allowed)
     */
    CompletableFuture<byte[]> fetch(URI url, Path catalogueFolder) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return read(url, catalogueFolder);
                    } catch (ImageRejectedException ex) {
                        throw new CompletionException(ex);
                    }
                },
                executor);
    }

    private byte[] read(URI url, Path catalogueFolder) throws ImageRejectedException {
        Path file;
        try {
            file = Path.of(url).toAbsolutePath().normalize();
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException ex) {
            throw new ImageRejectedException(
                    FailureReason.INVALID_URL, "not a local file URL (file:///path)");
        }
        List<Path> roots = roots(catalogueFolder);
        if (roots.stream()
                .noneMatch(
                        root ->
                                file.startsWith(root.toAbsolutePath().normalize())
                                        || real(root).filter(file::startsWith).isPresent())) {
            throw refused(
                    "outside the folders image files may be read from"
                            + (roots.isEmpty()
                                    ? " (none allowed for this catalogue; see fsb.fetch.files.roots)"
                                    : ""));
        }
        Path real;
        BasicFileAttributes attributes;
        try {
            real = file.toRealPath();
            attributes =
                    Files.readAttributes(
                            real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException ex) {
            throw new ImageRejectedException(FailureReason.NOT_FOUND, "no such file");
        } catch (AccessDeniedException ex) {
            throw refused("not readable by the service");
        } catch (IOException ex) {
            throw new ImageRejectedException(
                    FailureReason.READ_ERROR, "cannot resolve the file: " + ioReason(ex), ex);
        }
        if (roots.stream().noneMatch(root -> real(root).filter(real::startsWith).isPresent())) {
            throw refused("a symbolic link leads outside the folders image files may be read from");
        }
        if (!attributes.isRegularFile()
                || PSEUDO_FILE_SYSTEMS.stream().anyMatch(real::startsWith)) {
            throw refused(
                    "not a regular file (a folder, device, FIFO, socket or /proc, /sys, /dev entry)");
        }
        return bounded(real);
    }

    private byte[] bounded(Path real) throws ImageRejectedException {
        try (InputStream in = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS)) {
            byte[] data = in.readNBytes((int) maxBytes + 1);
            if (data.length > maxBytes) {
                throw new ImageRejectedException(
                        FailureReason.TOO_LARGE, "file over the limit of " + maxBytes + " bytes");
            }
            return data;
        } catch (AccessDeniedException ex) {
            throw refused("not readable by the service");
        } catch (IOException ex) {
            throw new ImageRejectedException(
                    FailureReason.READ_ERROR, "cannot read the file: " + ioReason(ex), ex);
        }
    }

    private List<Path> roots(Path catalogueFolder) {
        List<Path> roots = new ArrayList<>(confinement.roots());
        if (catalogueFolder != null && confinement.catalogueFolder()) {
            roots.add(catalogueFolder);
        }
        return roots;
    }

    /** A root's real path; empty for a root that does not exist (yet), which then holds no file. */
    private static Optional<Path> real(Path root) {
        try {
            return Optional.of(root.toRealPath());
        } catch (IOException ex) {
            return Optional.empty();
        }
    }

    private static ImageRejectedException refused(String why) {
        return new ImageRejectedException(FailureReason.FILE_REFUSED, why);
    }

    /** The OS's reason (such as "Input/output error") without the path the caller already knows. */
    private static String ioReason(IOException ex) {
        if (ex instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return ex.getClass().getSimpleName();
    }
}
