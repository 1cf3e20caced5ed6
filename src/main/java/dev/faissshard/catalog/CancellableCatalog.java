package dev.faissshard.catalog;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A catalogue read on a thread of its own, so that the job reading it can always let go: while it
 * waits for the next entry it looks at its stop signal a few times a second and, once it is set,
 * throws {@link CatalogReadCancelledException} and interrupts the reader (file reads go through
 * interruptible channels). Whatever the reader is stuck in (a file that never ends, a database that
 * stopped answering), cancel and shutdown therefore finish promptly; a reader stuck in something no
 * interrupt ends is a daemon thread and dies with the process.
 */
public final class CancellableCatalog implements Catalog {

    private static final long POLL_MILLIS = 100;
    private static final int BUFFERED_ENTRIES = 1024;
    private static final Object END = new Object();

    private final Catalog delegate;
    private final BooleanSupplier stopRequested;

    public CancellableCatalog(Catalog delegate, BooleanSupplier stopRequested) {
        this.delegate = delegate;
        this.stopRequested = stopRequested;
    }

    @Override
    public Stream<CatalogEntry> entries() {
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(BUFFERED_ENTRIES);
        Thread reader = daemon("catalog-reader", () -> produce(queue));
        reader.start();
        Iterator<CatalogEntry> entries =
                new Iterator<>() {

                    private Object next;

                    @Override
                    public boolean hasNext() {
                        while (next == null) {
                            next =
                                    await(
                                            () -> queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS),
                                            reader);
                        }
                        if (next instanceof RuntimeException failure) {
                            next = END;
                            throw failure;
                        }
                        if (next instanceof Error error) {
                            next = END;
                            throw error;
                        }
                        return next != END;
                    }

                    @Override
                    public CatalogEntry next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        CatalogEntry entry = (CatalogEntry) next;
                        next = null;
                        return entry;
                    }
                };
        return StreamSupport.stream(
                        Spliterators.spliteratorUnknownSize(
                                entries, Spliterator.ORDERED | Spliterator.NONNULL),
                        false)
                .onClose(reader::interrupt);
    }

    /** The delegate's size, unless the job is stopped first (the size only feeds the ETA). */
    @Override
    public OptionalLong size() {
        CompletableFuture<OptionalLong> size = new CompletableFuture<>();
        Thread counter =
                daemon(
                        "catalog-size",
                        () -> {
                            try {
                                size.complete(delegate.size());
                            } catch (RuntimeException | Error ex) {
                                size.complete(OptionalLong.empty());
                            }
                        });
        counter.start();
        try {
            OptionalLong result = null;
            while (result == null) {
                result =
                        await(
                                () -> {
                                    try {
                                        return size.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                                    } catch (TimeoutException ex) {
                                        return null;
                                    } catch (ExecutionException ex) {
                                        return OptionalLong.empty();
                                    }
                                },
                                counter);
            }
            return result;
        } catch (CatalogReadCancelledException ex) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String description() {
        return delegate.description();
    }

    private void produce(BlockingQueue<Object> queue) {
        Object last;
        try (Stream<CatalogEntry> entries = delegate.entries()) {
            Iterator<CatalogEntry> iterator = entries.iterator();
            while (iterator.hasNext()) {
                queue.put(iterator.next());
            }
            last = END;
        } catch (InterruptedException ex) {
            return;
        } catch (RuntimeException | Error ex) {
            last = ex;
        }
        try {
            queue.put(last);
        } catch (InterruptedException ex) {
            // the job let go: nobody waits for the end any more
        }
    }

    private interface Wait<T> {
        T poll() throws InterruptedException;
    }

    private <T> T await(Wait<T> wait, Thread worker) {
        if (stopRequested.getAsBoolean()) {
            worker.interrupt();
            throw new CatalogReadCancelledException();
        }
        try {
            return wait.poll();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            worker.interrupt();
            throw new CatalogReadCancelledException();
        }
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
