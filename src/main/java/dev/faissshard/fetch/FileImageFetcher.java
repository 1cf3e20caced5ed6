package dev.faissshard.fetch;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import dev.faissshard.image.FailureReason;
import dev.faissshard.image.ImageRejectedException;

/** Reads {@code file:} URLs, off the caller's thread, with the same size limit as HTTP. */
final class FileImageFetcher {

    private final long maxBytes;
    private final Executor executor;

    FileImageFetcher(long maxBytes, Executor executor) {
        this.maxBytes = maxBytes;
        this.executor = executor;
    }

    CompletableFuture<byte[]> fetch(URI url) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return read(url);
            }
            catch (ImageRejectedException ex) {
                throw new CompletionException(ex);
            }
        }, executor);
    }

    private byte[] read(URI url) throws ImageRejectedException {
        Path file;
        try {
            file = Path.of(url);
        }
        catch (IllegalArgumentException ex) {
            throw new ImageRejectedException(FailureReason.UNSUPPORTED_URL, "not a local file URL: " + url);
        }
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new ImageRejectedException(FailureReason.TOO_LARGE, size + " bytes over the limit of " + maxBytes);
            }
            if (!Files.isRegularFile(file)) {
                throw new ImageRejectedException(FailureReason.NOT_FOUND, "not a regular file: " + file);
            }
            return Files.readAllBytes(file);
        }
        catch (NoSuchFileException ex) {
            throw new ImageRejectedException(FailureReason.NOT_FOUND, "no such file: " + file);
        }
        catch (IOException ex) {
            throw new ImageRejectedException(FailureReason.CONNECTION, "cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }
}
