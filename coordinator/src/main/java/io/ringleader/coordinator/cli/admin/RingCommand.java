package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code ringleader admin ring}: the ring's shape and epoch, slot counts per member, and its balance. */
@Command(
        name = "ring",
        description = {
            "The ring: epoch, slot counts per member, balance.",
            "Each member's primary slots (rank 0) and replica entries (any rank), and the balance: the "
                    + "largest ratio of a member's count to its exact weighted share (1.000 is perfect)."
        })
final class RingCommand extends AdminTask {

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState s = cluster.read();
        Ring ring = s.requireRing();
        Map<String, Integer> primaries = ring.slotCounts(0);
        Map<String, Integer> replicas = new LinkedHashMap<>();
        ring.members().forEach(id -> replicas.put(id, 0));
        for (int rank = 0; rank < ring.replication(); rank++) {
            ring.slotCounts(rank).forEach((id, n) -> replicas.merge(id, n, Integer::sum));
        }
        Map<String, Double> share = shares(s, ring, replicas);
        long allEntries =
                replicas.values().stream().mapToLong(Integer::longValue).sum();
        long rankZero =
                primaries.values().stream().mapToLong(Integer::longValue).sum();
        Double primaryBalance = balance(primaries, share, allEntries == 0 ? 0 : (double) rankZero / allEntries);
        Double replicaBalance = balance(replicas, share, 1);
        if (json()) {
            ObjectNode node = object();
            node.put("epoch", ring.epoch());
            node.put("slots", ring.slotCount());
            node.put("replication", ring.replication());
            node.put("slotsWithoutPrimary", s.table().slotsWithoutPrimary());
            ArrayNode members = node.putArray("members");
            for (String id : ring.members()) {
                ObjectNode m = members.addObject();
                m.put("id", id);
                m.put("live", s.member(id).isPresent());
                m.put("weight", s.effectiveWeight(id));
                m.put("primary", primaries.get(id));
                m.put("replicas", replicas.get(id));
            }
            ObjectNode balance = node.putObject("balance");
            balance.put("primary", primaryBalance);
            balance.put("replicas", replicaBalance);
            print(node);
            return;
        }
        out().println("ring epoch " + hex(ring.epoch()) + ": " + ring.slotCount() + " slots, replication "
                + ring.replication() + ", " + ring.members().size() + " members, "
                + s.table().slotsWithoutPrimary() + " slots without a primary");
        Columns columns = new Columns("MEMBER", "WEIGHT", "PRIMARY", "REPLICAS", "");
        for (String id : ring.members()) {
            columns.row(
                    id,
                    s.effectiveWeight(id),
                    primaries.get(id),
                    replicas.get(id),
                    s.member(id).isPresent() ? "" : "departed");
        }
        columns.print(out());
        out().println("balance (largest count over its weighted share): primary " + format(primaryBalance)
                + ", replicas " + format(replicaBalance));
    }

    /**
     * Each member's exact share of the replica entries placed: proportional to its weight, but never more than one
     * entry per slot, the excess shared out over the others by weight (as placement does).
     */
    private static Map<String, Double> shares(ClusterState s, Ring ring, Map<String, Integer> entries) {
        double budget = entries.values().stream().mapToLong(Integer::longValue).sum();
        Map<String, Double> share = new LinkedHashMap<>();
        Map<String, Integer> open = new LinkedHashMap<>();
        entries.keySet().forEach(id -> open.put(id, s.effectiveWeight(id)));
        boolean capped = true;
        while (capped && !open.isEmpty()) {
            capped = false;
            double weights =
                    open.values().stream().mapToLong(Integer::longValue).sum();
            for (Map.Entry<String, Integer> e : List.copyOf(open.entrySet())) {
                if (budget * e.getValue() / weights > ring.slotCount()) {
                    share.put(e.getKey(), (double) ring.slotCount());
                    open.remove(e.getKey());
                    budget -= ring.slotCount();
                    capped = true;
                }
            }
        }
        double weights = open.values().stream().mapToLong(Integer::longValue).sum();
        for (Map.Entry<String, Integer> e : open.entrySet()) {
            share.put(e.getKey(), budget * e.getValue() / weights);
        }
        return share;
    }

    /**
     * The largest ratio of a member's count to its exact share ({@code fraction} of its share of all entries): 1.0
     * when every member holds exactly its share, and so the max over the mean when all weights are equal. Null when
     * nothing is placed.
     */
    private static Double balance(Map<String, Integer> counts, Map<String, Double> share, double fraction) {
        double max = 0;
        boolean any = false;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            double expected = share.getOrDefault(e.getKey(), 0.0) * fraction;
            if (expected > 0) {
                any = true;
                max = Math.max(max, e.getValue() / expected);
            }
        }
        return any ? Math.round(max * 1000) / 1000.0 : null;
    }

    private static String format(Double balance) {
        return balance == null ? "-" : String.format(Locale.ROOT, "%.3f", balance);
    }
}
