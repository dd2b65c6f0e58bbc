package io.ringleader.agent.events;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One takeover as a timeline, from the {@link Event#TAKEOVER} events of its routing epoch: every member that became
 * primary of slots of a departed (drained, DOWN) primary reports one, with its own times.
 *
 * <ul>
 *   <li><b>detected</b>: the earliest time a reporter's member view held the change;
 *   <li><b>routers updated</b>: the latest time a reporter's router served the new routing table, after detected;
 *   <li><b>new primary</b>: the latest time a reporter had told its role listeners that it is primary, after
 *       detected.
 * </ul>
 *
 * <p>IMPORTANT: only the reporters' routers are measured, not those of other members, observers or routing
 * clients. Within one reporter the router is updated before its roles are derived (roles are derived from the table
 * the router serves), so routers updated is never later than new primary. Times of different reporters come from
 * their hosts' wall clocks: with several hosts, the durations include their clock offsets.
 *
 * @param epoch the routing epoch of the takeover (the same on every reporter)
 * @param detectedAtMicros the earliest detection, epoch microseconds
 * @param routersMicros routers updated, microseconds after detection
 * @param newPrimaryMicros new primary, microseconds after detection
 * @param slots slots taken over, over all reporters
 * @param previous the primaries the slots were taken from
 * @param departed the members that departed in the change
 * @param reporters the members that reported (the new primaries)
 * @param firstSequence the sequence number of the first of its events
 */
public record TakeoverTimeline(
        long epoch,
        long detectedAtMicros,
        long routersMicros,
        long newPrimaryMicros,
        long slots,
        List<String> previous,
        List<String> departed,
        List<String> reporters,
        long firstSequence) {

    /** Detail names of a takeover event. */
    public static final String SLOTS = "slots";

    public static final String PREVIOUS = "previous";
    public static final String DEPARTED = "departed";
    public static final String DETECTED_AT = "detectedAtMicros";
    public static final String ROUTER_AT = "routerAtMicros";
    public static final String NEW_PRIMARY_AT = "newPrimaryAtMicros";

    public TakeoverTimeline {
        previous = List.copyOf(previous);
        departed = List.copyOf(departed);
        reporters = List.copyOf(reporters);
    }

    /**
     * The {@link Event#TAKEOVER} event one new primary reports, times in epoch microseconds of its wall clock.
     *
     * @param member the reporter: the new primary
     * @param epoch the routing epoch of the takeover
     * @param slots how many slots it took over
     * @param previous the primaries it took them from
     * @param departed the members that departed in the change
     */
    public static Event report(
            String member,
            long epoch,
            long slots,
            List<String> previous,
            List<String> departed,
            long detectedAtMicros,
            long routerAtMicros,
            long newPrimaryAtMicros) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(SLOTS, slots);
        details.put(PREVIOUS, previous);
        details.put(DEPARTED, departed);
        details.put(DETECTED_AT, detectedAtMicros);
        details.put(ROUTER_AT, routerAtMicros);
        details.put(NEW_PRIMARY_AT, newPrimaryAtMicros);
        return Event.of(Event.TAKEOVER, newPrimaryAtMicros / 1000, member, epoch, details);
    }

    /**
     * The takeovers among {@code events}, one per epoch, in the order of their first event; other events are
     * ignored, and so is a takeover event without an epoch.
     */
    public static List<TakeoverTimeline> of(List<Event> events) {
        Map<Long, List<Event>> byEpoch = new LinkedHashMap<>();
        for (Event e : events) {
            if (Event.TAKEOVER.equals(e.type()) && e.epoch() != null) {
                byEpoch.computeIfAbsent(e.epoch(), k -> new ArrayList<>()).add(e);
            }
        }
        List<TakeoverTimeline> out = new ArrayList<>(byEpoch.size());
        byEpoch.forEach((epoch, reports) -> out.add(merge(epoch, reports)));
        return out;
    }

    private static TakeoverTimeline merge(long epoch, List<Event> reports) {
        long detected = Long.MAX_VALUE;
        long router = Long.MIN_VALUE;
        long primary = Long.MIN_VALUE;
        long slots = 0;
        TreeSet<String> previous = new TreeSet<>();
        TreeSet<String> departed = new TreeSet<>();
        List<String> reporters = new ArrayList<>();
        long first = Long.MAX_VALUE;
        for (Event e : reports) {
            long at = e.at() * 1000;
            detected = Math.min(detected, e.number(DETECTED_AT, at));
            router = Math.max(router, e.number(ROUTER_AT, at));
            primary = Math.max(primary, e.number(NEW_PRIMARY_AT, at));
            slots += e.number(SLOTS, 0);
            previous.addAll(e.strings(PREVIOUS));
            departed.addAll(e.strings(DEPARTED));
            if (e.member() != null && !reporters.contains(e.member())) {
                reporters.add(e.member());
            }
            first = Math.min(first, e.sequence());
        }
        return new TakeoverTimeline(
                epoch,
                detected,
                router - detected,
                primary - detected,
                slots,
                new ArrayList<>(previous),
                new ArrayList<>(departed),
                reporters,
                first);
    }

    /** {@code epoch 0x1a40: 5461 slots of [kv-2] to [kv-1, kv-3]: ...}, times in milliseconds. */
    public String describe() {
        return "epoch 0x" + Long.toHexString(epoch) + ": " + slots + " slots of " + previous + " to " + reporters
                + (departed.isEmpty() ? "" : " (departed " + departed + ")") + ": detected +0 ms, routers updated +"
                + millis(routersMicros) + " ms, new primary +" + millis(newPrimaryMicros) + " ms";
    }

    /** Microseconds as milliseconds with one decimal. */
    public static String millis(long micros) {
        return String.format(java.util.Locale.ROOT, "%.1f", micros / 1000.0);
    }
}
