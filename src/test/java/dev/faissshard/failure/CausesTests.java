package dev.faissshard.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class CausesTests {

    @Test
    void findReturnsTheFirstOfTheTypeItselfIncluded() {
        IOException io = new IOException("disk");
        UncheckedIOException unchecked = new UncheckedIOException(io);
        RuntimeException outer = new RuntimeException(unchecked);

        assertThat(Causes.find(outer, IOException.class)).containsSame(io);
        assertThat(Causes.find(outer, RuntimeException.class)).containsSame(outer);
        assertThat(Causes.find(outer, IllegalStateException.class)).isEmpty();
        assertThat(Causes.contains(outer, IllegalStateException.class, IOException.class)).isTrue();
        assertThat(Causes.contains(outer, IllegalStateException.class)).isFalse();
    }

    @Test
    void rootIsTheInnermostCause() {
        IOException io = new IOException("disk");
        assertThat(Causes.root(new RuntimeException(new IllegalStateException(io)))).isSameAs(io);
        assertThat(Causes.root(io)).isSameAs(io);
    }

    @Test
    void aChainThatLoopsEndsTheWalkInsteadOfHangingIt() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);

        assertThat(Causes.find(first, IOException.class)).isEmpty();
        assertThat(Causes.root(first)).isIn(first, second);
    }

    @Test
    void unwrappedTakesOffOnlyTheFuturesWrappers() {
        IOException io = new IOException("disk");
        UncheckedIOException unchecked = new UncheckedIOException(io);
        Throwable wrapped = new CompletionException(new ExecutionException(unchecked));

        assertThat(Causes.unwrapped(wrapped)).isSameAs(unchecked);
        assertThat(Causes.unwrapped(unchecked)).isSameAs(unchecked);
        CompletionException empty = new CompletionException("no cause", null);
        assertThat(Causes.unwrapped(empty)).isSameAs(empty);
    }

    @Test
    void uncheckedGivesBackTheTasksOwnRuntimeFailure() {
        IllegalArgumentException own = new IllegalArgumentException("bad");
        assertThat(Causes.unchecked(new ExecutionException(own), "task failed")).isSameAs(own);
    }

    @Test
    void uncheckedWrapsACheckedFailureAndThrowsAnError() {
        IOException io = new IOException("disk");
        RuntimeException wrapped = Causes.unchecked(new ExecutionException(io), "task failed");
        assertThat(wrapped).isInstanceOf(IllegalStateException.class).hasMessage("task failed");
        assertThat(wrapped.getCause()).isSameAs(io);

        OutOfMemoryError error = new OutOfMemoryError("heap");
        assertThatThrownBy(() -> Causes.unchecked(new ExecutionException(error), "task failed"))
                .isSameAs(error);
    }
}
