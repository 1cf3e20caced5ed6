package dev.faissshard.supabase;

/**
 * A resumable upload's {@code PATCH} was refused because the server's offset is not the one sent:
 * an earlier {@code PATCH} landed after all, or another writer moved it. TUS answers this and "the
 * object already exists" with the same bare 409, so the server's offset, read right after, tells
 * them apart.
 */
public final class SupabaseOffsetConflictException extends SupabaseHttpException {

    private final long sentOffset;
    private final long serverOffset;

    SupabaseOffsetConflictException(
            SupabaseHttpException conflict, long sentOffset, long serverOffset) {
        super(conflict.request(), conflict.httpStatus(), conflict.body(), null, conflict);
        this.sentOffset = sentOffset;
        this.serverOffset = serverOffset;
    }

    /** The offset the refused {@code PATCH} said. */
    public long sentOffset() {
        return sentOffset;
    }

    /** Where the server's upload stands: the next {@code PATCH} goes from here. */
    public long serverOffset() {
        return serverOffset;
    }
}
