package io.ringleader.coordinator.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.TakeoverTimeline;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.OperatorConfigCodec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON forms of what a cluster is, shared by {@code ringleader admin ... --json} and the coordinator's HTTP API,
 * so that both print the same fields (documented in {@code docs/admin.md}).
 */
public final class ClusterJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClusterJson() {}

    /** An empty object to fill. */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** {@code admin status}: the cluster at a glance. */
    public static ObjectNode status(ClusterState s) {
        ObjectNode node = object();
        node.put("cluster", s.path().cluster());
        node.put("root", s.path().root());
        putOptional(node, "coordinator", s.coordinator());
        putRing(node, "ring", s.ring());
        if (s.ring() == null) {
            node.putNull("slotsWithoutPrimary");
        } else {
            node.put("slotsWithoutPrimary", s.table().slotsWithoutPrimary());
        }
        node.put("ringProblem", s.ringProblem());
        ObjectNode members = node.putObject("members");
        members.put("live", s.members().size());
        ObjectNode states = members.putObject("byState");
        byState(s).forEach((state, ids) -> array(states, state.name(), ids));
        array(members, "departedInRing", s.absentFromRing());
        ObjectNode malformed = members.putObject("malformed");
        s.malformedMembers().forEach(malformed::put);
        node.set("config", OperatorConfigCodec.toTree(s.config()));
        node.put("configProblem", s.configProblem());
        if (s.failovers() == null) {
            node.putNull("slotsFailedOver");
        } else {
            node.put("slotsFailedOver", s.failovers().count());
        }
        return node;
    }

    /** The ids of the live members of {@code s} by state, for the states present. */
    public static Map<MemberState, List<String>> byState(ClusterState s) {
        Map<MemberState, List<String>> byState = new EnumMap<>(MemberState.class);
        for (Member m : s.members()) {
            byState.computeIfAbsent(m.state(), k -> new ArrayList<>()).add(m.id());
        }
        return byState;
    }

    /** {@code admin members}: {@code {"members":[…]}}, one object per member. */
    public static ObjectNode members(List<MemberSummary> members) {
        ObjectNode node = object();
        ArrayNode list = node.putArray("members");
        for (MemberSummary summary : members) {
            Member m = summary.record();
            ObjectNode e = list.addObject();
            e.put("id", summary.id());
            e.put("state", summary.state());
            if (m == null) {
                e.putNull("host");
                e.putNull("port");
                e.putNull("zone");
                e.putNull("recordWeight");
            } else {
                e.put("host", m.endpoint().host());
                e.put("port", m.endpoint().port());
                e.put("zone", m.zone());
                e.put("recordWeight", m.weight());
            }
            e.put("weight", summary.weight());
            e.put("primarySlots", summary.primarySlots());
            e.put("replicaEntries", summary.replicaEntries());
            e.put("inRing", summary.inRing());
            e.put("drained", summary.drained());
            e.put("spare", summary.spare());
        }
        return node;
    }

    /** {@code admin ring}: the ring's shape, each member's counts in table order, and the balance. */
    public static ObjectNode ring(RingSummary summary) {
        Ring ring = summary.ring();
        ObjectNode node = object();
        node.put("epoch", ring.epoch());
        node.put("slots", ring.slotCount());
        node.put("replication", ring.replication());
        node.put("slotsWithoutPrimary", summary.slotsWithoutPrimary());
        ArrayNode members = node.putArray("members");
        for (RingSummary.Entry e : summary.members()) {
            ObjectNode m = members.addObject();
            m.put("id", e.id());
            m.put("live", e.live());
            m.put("weight", e.weight());
            m.put("primary", e.primary());
            m.put("replicas", e.replicas());
        }
        ObjectNode balance = node.putObject("balance");
        balance.put("primary", summary.primaryBalance());
        balance.put("replicas", summary.replicaBalance());
        return node;
    }

    /** Puts {@code values} as an array of strings. */
    public static ArrayNode array(ObjectNode parent, String field, Collection<String> values) {
        ArrayNode array = parent.putArray(field);
        values.forEach(array::add);
        return array;
    }

    /** The ring's epoch, slot count, replication and member count, or null without a ring. */
    public static void putRing(ObjectNode node, String field, Ring ring) {
        if (ring == null) {
            node.putNull(field);
            return;
        }
        ObjectNode r = node.putObject(field);
        r.put("epoch", ring.epoch());
        r.put("slots", ring.slotCount());
        r.put("replication", ring.replication());
        r.put("members", ring.members().size());
    }

    /** Puts the value, or null if it is empty. */
    public static void putOptional(ObjectNode node, String field, Optional<String> value) {
        if (value.isPresent()) {
            node.put(field, value.get());
        } else {
            node.putNull(field);
        }
    }

    /** Puts {@code events} (oldest first) and their takeovers grouped as timelines: {@code admin events --json}. */
    public static void putEvents(ObjectNode node, List<Event> events) {
        ArrayNode array = node.putArray("events");
        events.forEach(e -> array.add(event(e)));
        ArrayNode takeovers = node.putArray("takeovers");
        TakeoverTimeline.of(events).forEach(t -> takeovers.add(timeline(t)));
    }

    /** One event's fields. */
    public static ObjectNode event(Event e) {
        ObjectNode node = object();
        node.put("sequence", e.sequence());
        node.put("type", e.type());
        node.put("at", e.at());
        node.put("member", e.member());
        if (e.epoch() == null) {
            node.putNull("epoch");
        } else {
            node.put("epoch", e.epoch());
        }
        node.set("details", JSON.valueToTree(e.details()));
        return node;
    }

    /** One takeover timeline's fields. */
    public static ObjectNode timeline(TakeoverTimeline t) {
        ObjectNode node = object();
        node.put("epoch", t.epoch());
        node.put("detectedAt", t.detectedAtMicros() / 1000);
        node.put("routersUpdatedMs", t.routersMicros() / 1000.0);
        node.put("newPrimaryMs", t.newPrimaryMicros() / 1000.0);
        node.put("slots", t.slots());
        array(node, "previous", t.previous());
        array(node, "departed", t.departed());
        array(node, "reporters", t.reporters());
        return node;
    }
}
