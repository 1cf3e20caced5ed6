package dev.faissshard.supabase;

/**
 * 404: the object (or upload, table, route) is not there; {@link #bucketMissing()} when the bucket
 * itself is not.
 */
public final class SupabaseNotFoundException extends SupabaseHttpException {

    private final boolean bucketMissing;

    SupabaseNotFoundException(
            String request, int httpStatus, SupabaseErrorBody body, boolean bucketMissing) {
        super(request, httpStatus, body, null);
        this.bucketMissing = bucketMissing || body.code().equals("NoSuchBucket");
    }

    /**
     * The same answer, known from the request to be about the bucket (TUS says so only in plain
     * text).
     */
    SupabaseNotFoundException ofBucket() {
        SupabaseNotFoundException bucket =
                new SupabaseNotFoundException(request(), httpStatus(), body(), true);
        bucket.setStackTrace(getStackTrace());
        return bucket;
    }

    /** Whether the bucket is missing (or hidden from this key), rather than an object in it. */
    public boolean bucketMissing() {
        return bucketMissing;
    }
}
