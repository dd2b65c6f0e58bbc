package io.ringleader.samples.kv.store;

import java.util.Objects;

/**
 * One write of a key: its value at a version, or its deletion. A deletion is a tombstone ({@code value == null})
 * that the store keeps, so that an older write arriving later cannot bring the key back.
 *
 * @param slot the key's slot, {@code >= 0} (and below the store's slot count when applied)
 * @param key the key, not null
 * @param version the version the slot's primary gave this write, not null
 * @param value the value, or null for a tombstone
 */
public record Entry(int slot, String key, Version version, String value) {
    /**
     * @throws IllegalArgumentException if {@code slot < 0}
     * @throws NullPointerException if {@code key} or {@code version} is null
     */
    public Entry {
        if (slot < 0) {
            throw new IllegalArgumentException("slot must be >= 0, was " + slot);
        }
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(version, "version");
    }

    /** Whether this entry deletes its key. */
    public boolean isTombstone() {
        return value == null;
    }
}
