package io.ringleader.samples.kv.store;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The newest entry of every key, one map per slot, created when the slot gets its first key. Reads never lock; one
 * thread at a time writes (recovery, then the log writer), and a write of a slot and a copy of that slot exclude
 * each other, so that a copy is the slot as it was at one moment.
 */
final class SlotTable {
    private final AtomicReferenceArray<ConcurrentHashMap<String, Entry>> slots;
    private final AtomicLong keys = new AtomicLong();

    SlotTable(int slotCount) {
        this.slots = new AtomicReferenceArray<>(slotCount);
    }

    int slotCount() {
        return slots.length();
    }

    Optional<Entry> get(int slot, String key) {
        ConcurrentHashMap<String, Entry> map = slots.get(slot);
        return map == null ? Optional.empty() : Optional.ofNullable(map.get(key));
    }

    /** Whether {@code entry} is newer than what its key holds now. */
    boolean isNewer(Entry entry) {
        return get(entry.slot(), entry.key())
                .map(current -> entry.version().isAfter(current.version()))
                .orElse(true);
    }

    /** Makes {@code entry} its key's entry if it is newer; returns whether it was. Called by one thread at a time. */
    boolean putIfNewer(Entry entry) {
        ConcurrentHashMap<String, Entry> map = slots.get(entry.slot());
        if (map == null) {
            slots.compareAndSet(entry.slot(), null, new ConcurrentHashMap<>());
            map = slots.get(entry.slot());
        }
        synchronized (map) {
            Entry current = map.get(entry.key());
            if (current != null && !entry.version().isAfter(current.version())) {
                return false;
            }
            map.put(entry.key(), entry);
            if (current == null) {
                keys.incrementAndGet();
            }
            return true;
        }
    }

    /** Every entry of {@code slot} at one moment, tombstones included. */
    List<Entry> copy(int slot) {
        ConcurrentHashMap<String, Entry> map = slots.get(slot);
        if (map == null) {
            return List.of();
        }
        synchronized (map) {
            return List.copyOf(map.values());
        }
    }

    /** The keys held, tombstones included. */
    long keyCount() {
        return keys.get();
    }
}
