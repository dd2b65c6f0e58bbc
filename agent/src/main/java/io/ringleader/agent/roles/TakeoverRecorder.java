package io.ringleader.agent.roles;

import io.micrometer.core.instrument.Timer;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.events.TakeoverTimeline;
import io.ringleader.agent.internal.SerialThread;
import io.ringleader.agent.internal.ViewThread;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.membership.Membership;
import io.ringleader.agent.membership.MembershipListener;
import io.ringleader.agent.routing.Router;
import io.ringleader.agent.routing.RoutingListener;
import io.ringleader.agent.routing.RoutingTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records this member's takeovers in the cluster's history: when it becomes primary of slots whose primary departed,
 * drained or went DOWN, it writes one {@link Event#TAKEOVER} event with its own timeline (see {@link
 * TakeoverTimeline}), and times the takeover (member view changed → role listeners told) in a Micrometer timer;
 * either may be off.
 *
 * <p>Off the takeover path: the membership and router threads only note the time a view or table was published
 * (one clock read and a map entry; over the ZooKeeper membership the view is noted as its first follower, before the
 * router follows it on the same thread), the roles thread only notes the time its listeners were told and hands the
 * rest to this recorder's own thread, which works out what was taken over from whom and writes the event. A failed
 * write is logged and dropped.
 */
final class TakeoverRecorder {
    private static final Logger log = LoggerFactory.getLogger(TakeoverRecorder.class);
    /** Publication times kept, per kind: enough for the tables the roles thread may still be deriving. */
    private static final int KEPT = 64;
    /** Member ids named in one event at most, so that it stays within its size budget. */
    private static final int MAX_IDS = 20;

    private final String memberId;
    private final Membership membership;
    private final Router router;
    /** Null when takeovers are not recorded in the history. */
    private final EventLog events;
    /** Null when takeovers are not timed. */
    private final Timer duration;

    private final Clock clock;
    private final String logPrefix;
    private final SerialThread executor;
    private final Map<Long, Long> viewSeenAt = bounded();
    private final Map<Long, Long> tableServedAt = bounded();
    private final MembershipListener viewListener = new MembershipListener() {
        @Override
        public void viewChanged(MemberView previous, MemberView now) {
            noteView(now);
        }
    };
    /** The view's time, noted before the router follows it when both share the membership's thread. */
    private final Consumer<MemberView> viewFollower = this::noteView;

    private final RoutingListener tableListener = (previous, now) -> {
        long at = micros();
        synchronized (tableServedAt) {
            tableServedAt.putIfAbsent(now.epoch(), at);
        }
    };

    TakeoverRecorder(
            String memberId,
            Membership membership,
            Router router,
            EventLog events,
            Timer duration,
            Clock clock,
            String threadName) {
        this.memberId = memberId;
        this.membership = membership;
        this.router = router;
        this.events = events;
        this.duration = duration;
        this.clock = clock;
        this.logPrefix = "[member=" + memberId + "] ";
        this.executor = new SerialThread(threadName, log, logPrefix, "takeover events");
    }

    /** Call before the router starts, so that a view's time is noted before the router follows it. */
    void start() {
        if (membership instanceof ViewThread shared) {
            shared.addFollower(viewFollower);
        } else {
            membership.listenable().addListener(viewListener);
        }
        router.listenable().addListener(tableListener);
    }

    void close() {
        if (membership instanceof ViewThread shared) {
            shared.removeFollower(viewFollower);
        } else {
            membership.listenable().removeListener(viewListener);
        }
        router.listenable().removeListener(tableListener);
        executor.stop(Duration.ofSeconds(1));
    }

    /**
     * On the roles thread, right after the role listeners were told {@code change}, derived from {@code after}; the
     * roles told before it were derived from {@code before} (null if none).
     */
    void told(RoutingTable before, RoutingTable after, RoleChange change) {
        long toldAt = micros();
        if (before != null && !change.gainedPrimary().isEmpty()) {
            executor.execute(() -> record(before, after, change, toldAt));
        }
    }

    private void record(RoutingTable before, RoutingTable after, RoleChange change, long toldAt) {
        int slotCount = before.ring().map(r -> r.slotCount()).orElse(0);
        Set<String> eligible = after.members().stream()
                .filter(m -> RoutingTable.eligible(m.state()))
                .map(Member::id)
                .collect(Collectors.toSet());
        Set<String> previous = new TreeSet<>();
        int[] taken = {0};
        change.gainedPrimary().forEach(slot -> {
            Member was = slot < slotCount ? before.primary(slot) : null;
            // A primary that is still present and eligible handed the slot over in a ring change: not a takeover.
            if (was != null && !was.id().equals(memberId) && !eligible.contains(was.id())) {
                taken[0]++;
                previous.add(was.id());
            }
        });
        if (taken[0] == 0) {
            return;
        }
        Set<String> present = new HashSet<>();
        after.members().forEach(m -> present.add(m.id()));
        Set<String> departed = new TreeSet<>();
        before.members().stream()
                .map(Member::id)
                .filter(id -> !present.contains(id))
                .forEach(departed::add);

        long served;
        synchronized (tableServedAt) {
            served = tableServedAt.getOrDefault(after.epoch(), toldAt);
        }
        long seen;
        synchronized (viewSeenAt) {
            seen = viewSeenAt.getOrDefault(after.membersZxid(), served);
        }
        // The times were noted on two or three threads (the view and the table on the membership's thread when the
        // router shares it); the order they were noted in is not always the order of the facts: the view was seen
        // before the router served a table computed from it, which was before roles derived from it.
        served = Math.min(served, toldAt);
        seen = Math.min(seen, served);
        if (duration != null) {
            duration.record(toldAt - seen, TimeUnit.MICROSECONDS);
        }
        if (events == null) {
            return;
        }

        Event event = TakeoverTimeline.report(
                memberId,
                after.epoch(),
                taken[0],
                Event.firstIds(previous, MAX_IDS),
                Event.firstIds(departed, MAX_IDS),
                seen,
                served,
                toldAt);
        try {
            events.append(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn(
                    "{}could not record the takeover of {} slots at epoch 0x{} ({}); dropped",
                    logPrefix,
                    taken[0],
                    Long.toHexString(after.epoch()),
                    e.toString());
        }
    }

    private void noteView(MemberView view) {
        long at = micros();
        synchronized (viewSeenAt) {
            viewSeenAt.putIfAbsent(view.zxid(), at);
        }
    }

    private long micros() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    private static Map<Long, Long> bounded() {
        return new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
                return size() > KEPT;
            }
        };
    }
}
