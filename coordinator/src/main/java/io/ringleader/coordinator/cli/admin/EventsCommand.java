package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventReader;
import io.ringleader.agent.events.TakeoverTimeline;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterJson;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringleader admin events [--limit N] [--follow]}: the cluster's history, oldest first, each takeover as one
 * timeline; with {@code --follow}, new events as they come until interrupted.
 */
@Command(
        name = "events",
        description = {
            "The cluster's history: members, rings, coordinators, takeovers.",
            "Members that joined, left or changed state, every ring written with what moved, coordinator terms, and "
                    + "each takeover as one timeline (detected, routers updated, new primary, in ms), oldest first."
        })
final class EventsCommand extends ReadTask {
    /** How long one wait for new events lasts while following; the loop waits again until interrupted. */
    private static final Duration FOLLOW_WAIT = Duration.ofSeconds(1);
    /** Epochs whose takeover reports a follower keeps, to merge the late reports of a takeover into its timeline. */
    private static final int FOLLOWED_EPOCHS = 64;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "50",
            description = "Show the latest N events, 0 for all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(
            names = {"-f", "--follow"},
            description = "Then keep printing new events as they are written, until interrupted (Ctrl-C).")
    boolean follow;

    private final Map<Long, List<Event>> takeoverReports = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<Event>> eldest) {
            return size() > FOLLOWED_EPOCHS;
        }
    };

    @Override
    void prepare() {
        checkLimit(limit);
    }

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        EventReader reader = cluster.eventReader(problem -> err().println("warning: " + problem));
        List<Event> events = cluster.latestEvents(reader, limit);
        if (json() && !follow) {
            printJson(cluster, events);
            return;
        }
        if (json()) {
            events.forEach(e -> print(followed(e)));
        } else if (events.isEmpty() && !follow) {
            out().println("no events in cluster '" + cluster.path().cluster() + "'");
        } else {
            printText(events);
        }
        out().flush();
        if (follow) {
            follow(
                    cluster,
                    reader,
                    events.isEmpty() ? -1 : events.get(events.size() - 1).sequence());
        }
    }

    /** Prints what comes after {@code last} until interrupted. */
    private void follow(ClusterAdmin cluster, EventReader reader, long last) throws AdminException {
        long seen = last;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (Event e : cluster.awaitEvents(reader, seen, FOLLOW_WAIT)) {
                    if (json()) {
                        print(followed(e));
                    } else if (Event.TAKEOVER.equals(e.type()) && e.epoch() != null) {
                        List<Event> reports = reportsOf(e);
                        TakeoverTimeline t = TakeoverTimeline.of(reports).get(0);
                        out().println(line(Instant.ofEpochMilli(t.detectedAtMicros() / 1000), e.type(), t.describe())
                                + (reports.size() > 1 ? " (" + reports.size() + " reports so far)" : ""));
                    } else {
                        out().println(line(e));
                    }
                    seen = e.sequence();
                }
                out().flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<Event> reportsOf(Event takeover) {
        List<Event> reports = takeoverReports.computeIfAbsent(takeover.epoch(), k -> new ArrayList<>());
        reports.add(takeover);
        return reports;
    }

    private void printText(List<Event> events) {
        Map<Long, TakeoverTimeline> timelines = new LinkedHashMap<>();
        TakeoverTimeline.of(events).forEach(t -> timelines.put(t.epoch(), t));
        Set<Long> printed = new HashSet<>();
        for (Event e : events) {
            if (Event.TAKEOVER.equals(e.type()) && e.epoch() != null) {
                reportsOf(e);
                if (printed.add(e.epoch())) {
                    TakeoverTimeline t = timelines.get(e.epoch());
                    out().println(line(Instant.ofEpochMilli(t.detectedAtMicros() / 1000), e.type(), t.describe()));
                }
            } else {
                out().println(line(e));
            }
        }
    }

    private static String line(Event e) {
        return line(Instant.ofEpochMilli(e.at()), e.type(), describe(e));
    }

    private static String line(Instant at, String type, String what) {
        return String.format(Locale.ROOT, "%-24s  %-13s  %s", at, type, what);
    }

    /** One event in words. */
    static String describe(Event e) {
        String member = e.member() == null ? "?" : e.member();
        String epoch = e.epoch() == null ? "?" : hex(e.epoch());
        return switch (e.type()) {
            case Event.COORDINATOR -> member + " active at epoch " + epoch;
            case Event.MEMBER_JOINED -> member + " (" + e.text("state")
                    + (e.text("zone") == null ? "" : ", zone " + e.text("zone")) + ")";
            case Event.MEMBER_LEFT -> member;
            case Event.MEMBER_STATE -> member + " " + e.text("from") + " → " + e.text("to");
            case Event.RING -> "epoch " + epoch + ": " + e.number("members", 0)
                    + (e.number("members", 0) == 1 ? " member, " : " members, ")
                    + e.number(Coordinator.SLOTS_MOVED, 0) + " slots moved (" + e.number(Coordinator.ENTRIES_MOVED, 0)
                    + " entries, "
                    + e.number(Coordinator.PRIMARIES_MOVED, 0) + " primaries)"
                    + (e.counts(Coordinator.REASONS).isEmpty()
                            ? ""
                            : ": "
                                    + e.counts(Coordinator.REASONS).entrySet().stream()
                                            .map(r -> r.getKey() + " " + r.getValue())
                                            .collect(Collectors.joining(", ")))
                    + (e.text("coordinator") == null ? "" : ", by " + e.text("coordinator"));
            default -> (e.member() == null ? "" : member + " ")
                    + (e.epoch() == null ? "" : "at epoch " + epoch + " ")
                    + e.details();
        };
    }

    private void printJson(ClusterAdmin cluster, List<Event> events) throws AdminException {
        ObjectNode node = object();
        node.put("cluster", cluster.path().cluster());
        node.put("cap", cluster.eventsCap());
        ClusterJson.putEvents(node, events);
        print(node);
    }

    /** An event while following: with the timeline of its takeover so far, if it reports one. */
    private ObjectNode followed(Event e) {
        ObjectNode node = ClusterJson.event(e);
        if (Event.TAKEOVER.equals(e.type()) && e.epoch() != null) {
            node.set(
                    "timeline",
                    ClusterJson.timeline(TakeoverTimeline.of(reportsOf(e)).get(0)));
        }
        return node;
    }
}
