package io.ringleader.samples.kv.node;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What a node knows per slot besides the data: whether its copy is complete ("synced"), the lock that makes a
 * catch-up copy atomic against the slot's writes, and the members that caught the slot up from this node and must
 * get every write from then on although this node's ring may not list them as replicas yet. A registration ends
 * when the ring lists the member, when the member leaves the view, or after {@link #REGISTRATION_NANOS}.
 */
final class SlotStates {
    /** How long a catch-up registration lasts without the member showing up in the view as a replica. */
    static final long REGISTRATION_NANOS = 30_000_000_000L;

    /** A member that caught up a slot from this node; it gets every later write of the slot. */
    record Target(String id, String host, int port, long registeredNanos) {}

    private final AtomicLongArray synced;
    private final ReentrantReadWriteLock[] locks;
    private final Map<Integer, Map<String, Target>> registered = new ConcurrentHashMap<>();
    private long generation; // guarded by this

    SlotStates(int slotCount) {
        this.synced = new AtomicLongArray((slotCount + 63) / 64);
        this.locks = new ReentrantReadWriteLock[slotCount];
        for (int i = 0; i < slotCount; i++) {
            locks[i] = new ReentrantReadWriteLock();
        }
    }

    int slotCount() {
        return locks.length;
    }

    /** Whether this node's copy of {@code slot} holds every acknowledged write. */
    boolean isSynced(int slot) {
        return (synced.get(slot >>> 6) & (1L << slot)) != 0;
    }

    /**
     * The sync generation, to read when a catch-up begins: it changes whenever a sync is forgotten, so that a copy
     * taken before cannot be marked synced after ({@link #markSynced}).
     */
    synchronized long generation() {
        return generation;
    }

    /**
     * Marks {@code slot} synced by a catch-up that began at {@code since}, unless a sync was forgotten meanwhile: the
     * copy may then miss writes acknowledged without this node, and the next catch-up takes it again.
     *
     * @return whether the slot was marked
     */
    synchronized boolean markSynced(int slot, long since) {
        if (since != generation) {
            return false;
        }
        set(slot, true);
        return true;
    }

    /** Forgets {@code slot}'s sync (it left this node's replicas: its writes go elsewhere from now on). */
    synchronized void markUnsynced(int slot) {
        generation++;
        set(slot, false);
    }

    /** Forgets every slot's sync (after the session was lost: writes may have been acknowledged without us). */
    synchronized void unsyncAll() {
        generation++;
        for (int i = 0; i < synced.length(); i++) {
            synced.set(i, 0);
        }
    }

    private void set(int slot, boolean value) {
        int word = slot >>> 6;
        long bit = 1L << slot;
        while (true) {
            long old = synced.get(word);
            long next = value ? old | bit : old & ~bit;
            if (old == next || synced.compareAndSet(word, old, next)) {
                return;
            }
        }
    }

    int syncedCount() {
        int n = 0;
        for (int i = 0; i < synced.length(); i++) {
            n += Long.bitCount(synced.get(i));
        }
        return n;
    }

    /** Writes of a slot hold its read lock (they may run together); a catch-up copy holds the write lock. */
    ReentrantReadWriteLock lock(int slot) {
        return locks[slot];
    }

    void register(int slot, Target target) {
        registered.computeIfAbsent(slot, s -> new ConcurrentHashMap<>()).put(target.id(), target);
    }

    void unregister(int slot, String memberId) {
        Map<String, Target> targets = registered.get(slot);
        if (targets != null) {
            targets.remove(memberId);
        }
    }

    /** The members registered for {@code slot}, dropping registrations older than the limit. */
    List<Target> registered(int slot, long nowNanos) {
        Map<String, Target> targets = registered.get(slot);
        if (targets == null) {
            return List.of();
        }
        targets.values().removeIf(t -> nowNanos - t.registeredNanos() > REGISTRATION_NANOS);
        return List.copyOf(targets.values());
    }
}
