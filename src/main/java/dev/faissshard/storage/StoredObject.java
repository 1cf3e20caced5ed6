package dev.faissshard.storage;

/** A listed object: its full key and size in bytes. */
public record StoredObject(String key, long size) {}
