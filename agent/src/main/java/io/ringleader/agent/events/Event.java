package io.ringleader.agent.events;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of a cluster's event history ({@code events/e-<seq>}, see {@code docs/zookeeper-layout.md}): what
 * happened, when, to whom, at which epoch, and the details of its type.
 *
 * @param sequence the znode's sequence number once stored (the order of the history), -1 before
 * @param type what happened: one of the constants of this class, or a type a later version writes
 * @param at when, in epoch milliseconds of the writer's wall clock
 * @param member the member (or coordinator) it is about, or null
 * @param epoch the ring, routing or term epoch it belongs to, or null
 * @param details the fields of its type: strings, integers, booleans, lists of strings, maps of integers; never
 *     one of the reserved names {@code format, type, at, member, epoch}
 */
public record Event(long sequence, String type, long at, String member, Long epoch, Map<String, Object> details) {

    /** A member's record appeared. Details: {@code state}, and {@code zone} if it has one. */
    public static final String MEMBER_JOINED = "member-joined";

    /** A member's record went away (a graceful close or a session expiry). */
    public static final String MEMBER_LEFT = "member-left";

    /** A member's state changed. Details: {@code from}, {@code to}. */
    public static final String MEMBER_STATE = "member-state";

    /**
     * The active coordinator wrote a ring. Details: {@code members}, {@code slots}, {@code entriesMoved}, {@code
     * slotsMoved}, {@code primariesMoved}, {@code reasons} (move reason → entries).
     */
    public static final String RING = "ring";

    /** A coordinator's term started; {@code member} is its id, {@code epoch} the term's. */
    public static final String COORDINATOR = "coordinator";

    /**
     * A member became primary of slots whose primary departed, drained or went DOWN. Details: {@code slots},
     * {@code previous}, {@code departed} and the times in {@link TakeoverTimeline#DETECTED_AT}, {@link
     * TakeoverTimeline#ROUTER_AT}, {@link TakeoverTimeline#NEW_PRIMARY_AT}.
     */
    public static final String TAKEOVER = "takeover";

    /** Field names of the record itself, which details must not use. */
    public static final Set<String> RESERVED = Set.of("format", "type", "at", "member", "epoch");

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if the type is blank or a detail uses a reserved name
     */
    public Event {
        Objects.requireNonNull(type, "type");
        if (type.isBlank()) {
            throw new IllegalArgumentException("event type must not be blank");
        }
        details = details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
        for (String key : details.keySet()) {
            if (RESERVED.contains(key)) {
                throw new IllegalArgumentException("event detail '" + key + "' uses a reserved name " + RESERVED);
            }
        }
    }

    /** An event to write (not stored yet). */
    public static Event of(String type, long at, String member, Long epoch, Map<String, Object> details) {
        return new Event(-1, type, at, member, epoch, details);
    }

    /** This event as stored under {@code sequence}. */
    Event stored(long storedSequence) {
        return new Event(storedSequence, type, at, member, epoch, details);
    }

    /** The detail {@code key} as a number, or {@code fallback} if absent or not a number. */
    public long number(String key, long fallback) {
        return details.get(key) instanceof Number n ? n.longValue() : fallback;
    }

    /** The detail {@code key} as text, or null if absent. */
    public String text(String key) {
        Object value = details.get(key);
        return value == null ? null : value.toString();
    }

    /** The detail {@code key} as a list of strings; empty if absent or not a list. */
    public List<String> strings(String key) {
        if (!(details.get(key) instanceof Collection<?> values)) {
            return List.of();
        }
        List<String> out = new ArrayList<>(values.size());
        values.forEach(v -> out.add(String.valueOf(v)));
        return out;
    }

    /** The detail {@code key} as a map of numbers; empty if absent or not an object of numbers. */
    public Map<String, Long> counts(String key) {
        if (!(details.get(key) instanceof Map<?, ?> values)) {
            return Map.of();
        }
        Map<String, Long> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v instanceof Number n) {
                out.put(String.valueOf(k), n.longValue());
            }
        });
        return out;
    }

    /**
     * At most {@code max} of {@code ids}, so that an event about many members stays within its size budget.
     */
    public static List<String> firstIds(Collection<String> ids, int max) {
        List<String> all = new ArrayList<>(ids);
        return all.size() <= max ? all : List.copyOf(all.subList(0, max));
    }
}
