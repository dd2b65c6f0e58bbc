package io.ringleader.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The rebalance delay: when each member of the ring left, and which departed members stay in place while their delay
 * runs (their backups serve their slots meanwhile; a member that comes back inside it finds its slots where it left
 * them). No clock of its own (the time is passed in) and no I/O; its state is the departures it has seen. Confined to
 * the coordinator's thread.
 */
final class DepartureDelays {
    private final Map<String, Instant> departedAt = new HashMap<>();

    /** The departed members kept in place at some instant, and when the first of their delays ends (null if none). */
    record Kept(List<String> ids, Instant nextExpiry) {}

    /** Forgets every departure (a new term: the new active coordinator counts from its own first view). */
    void clear() {
        departedAt.clear();
    }

    /** The member is in the view: its delay, if one ran, is over without a move. */
    void present(String id) {
        departedAt.remove(id);
    }

    /** The member left the view at {@code now}; an earlier departure that was not followed by a return stands. */
    void departed(String id, Instant now) {
        departedAt.putIfAbsent(id, now);
    }

    /**
     * Of the previous ring's {@code members}, those {@code gone} (absent from the view), the ones whose delay still runs
     * at {@code now}, in the ring's order. A gone member not seen leaving starts its delay now. {@code waive} (the
     * operator asked for a rebalance) ends every delay now.
     */
    Kept keep(Collection<String> members, Predicate<String> gone, Instant now, Duration delay, boolean waive) {
        List<String> kept = new ArrayList<>();
        Instant next = null;
        for (String id : members) {
            if (!gone.test(id)) {
                continue;
            }
            if (waive) {
                departedAt.put(id, now.minus(delay));
            }
            Instant expiry = departedAt.computeIfAbsent(id, k -> now).plus(delay);
            if (expiry.isAfter(now)) {
                kept.add(id);
                next = next == null || expiry.isBefore(next) ? expiry : next;
            }
        }
        return new Kept(List.copyOf(kept), next);
    }
}
