package dev.faissshard.build;

/** Pipeline stages timed per job; they overlap, so their sum exceeds the wall time. */
public enum Stage {
    FETCH,
    DECODE,
    EMBED,
    ADD,
    SERIALIZE,
    UPLOAD
}
