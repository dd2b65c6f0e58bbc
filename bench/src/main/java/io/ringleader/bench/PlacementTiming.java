package io.ringleader.bench;

import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.assign.Assignment;
import io.ringleader.coordinator.assign.Participant;
import io.ringleader.coordinator.assign.Placement;
import io.ringleader.coordinator.assign.PlacementConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * How long {@code Placement.assign} takes on large rings with unequal zones: for S = 16384 and 65536, 30 and 300
 * members (weights 100..400, 4 zones, members after the first four in random zones), R = 2 and 3, a first placement
 * and then leave, join, leave, join; one line per step with the time, the plan's moves, zone-repair moves and the
 * slots that listed a zone twice. Wall-clock times of one run each (not a JMH benchmark): the point is the order of
 * magnitude a coordinator waits for a ring. A second table: members joining one by one a ring of fewer members than
 * R (no zones, equal weights), where every slot changes at every join (R' grows) and every entry of the ranks is
 * placed again. A third: 10 sequences of 7 members without zones, weights 1..10,000 (some capped at one entry per
 * slot), S = 16384, R = 3, each with 6 leaves or replacements among 5-7 members: each sequence's slowest step.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.ringleader.bench.PlacementTiming
 * </pre>
 */
public final class PlacementTiming {
    private PlacementTiming() {}

    public static void main(String[] args) {
        Random rnd = new Random(7);
        System.out.println(
                "| S | members at start | R | step | ms | moves | zone-repair moves | slots with a zone twice |");
        System.out.println("|---:|---:|---:|---|---:|---:|---:|---:|");
        for (int slots : new int[] {16384, 65536}) {
            for (int members : new int[] {30, 300}) {
                for (int r : new int[] {2, 3}) {
                    List<Participant> ps = new ArrayList<>();
                    for (int i = 0; i < members; i++) {
                        ps.add(Participant.active(
                                "m" + i, 100 * (1 + rnd.nextInt(4)), "z" + (i < 4 ? i : rnd.nextInt(4))));
                    }
                    PlacementConfig config = new PlacementConfig(slots, r);
                    long t0 = System.nanoTime();
                    Ring ring = Placement.assign(null, ps, config).ring();
                    row(slots, members, r, "first", t0, null);
                    for (int step = 0; step < 4; step++) {
                        List<Participant> next = new ArrayList<>(ps);
                        String op;
                        if (step % 2 == 0) {
                            next.remove(rnd.nextInt(next.size()));
                            op = "leave";
                        } else {
                            next.add(Participant.active("j" + step, 100 * (1 + rnd.nextInt(4)), "z" + rnd.nextInt(4)));
                            op = "join";
                        }
                        long t = System.nanoTime();
                        Assignment a = Placement.assign(ring, next, config);
                        row(slots, members, r, op, t, a);
                        ring = a.ring();
                        ps = next;
                    }
                }
            }
        }
        System.out.println();
        System.out.println("| S | R | step | ms | moves | primaries moved |");
        System.out.println("|---:|---:|---|---:|---:|---:|");
        for (int[] shape : new int[][] {{16384, 3}, {65536, 3}, {65536, 7}}) {
            List<Participant> ps = new ArrayList<>();
            Ring ring = null;
            for (int i = 0; i < shape[1] + 1; i++) {
                ps.add(Participant.active("g" + i, 100, null));
                long t = System.nanoTime();
                Assignment a = Placement.assign(ring, ps, new PlacementConfig(shape[0], shape[1]));
                long ms = (System.nanoTime() - t) / 1_000_000;
                System.out.printf(
                        "| %d | %d | %s | %d | %s | %s |%n",
                        shape[0],
                        shape[1],
                        ring == null ? "first" : "join of member " + (i + 1),
                        ms,
                        ring == null ? "—" : a.plan().moves().size(),
                        ring == null ? "—" : a.plan().primariesMoved());
                ring = a.ring();
            }
        }
        System.out.println();
        System.out.println("| sequence | slowest step | ms | all 6 steps, ms |");
        System.out.println("|---:|---|---:|---:|");
        for (int seed = 1; seed <= 10; seed++) {
            Random random = new Random(seed);
            List<Participant> ps = new ArrayList<>();
            int next = 0;
            for (int i = 0; i < 7; i++) {
                ps.add(Participant.active("c" + next++, 1 + random.nextInt(10000), null));
            }
            PlacementConfig config = new PlacementConfig(16384, 3);
            Ring ring = Placement.assign(null, ps, config).ring();
            long slowest = -1;
            long all = 0;
            String slowestStep = "";
            for (int step = 0; step < 6; step++) {
                String op;
                if (ps.size() > 5 && random.nextBoolean()) {
                    ps.remove(random.nextInt(ps.size()));
                    op = "leave";
                } else {
                    ps.remove(random.nextInt(ps.size()));
                    ps.add(Participant.active("c" + next++, 1 + random.nextInt(10000), null));
                    op = "replacement";
                }
                long t = System.nanoTime();
                ring = Placement.assign(ring, ps, config).ring();
                long ms = (System.nanoTime() - t) / 1_000_000;
                all += ms;
                if (ms > slowest) {
                    slowest = ms;
                    slowestStep = "step " + step + ", " + op + " (" + ps.size() + " members after)";
                }
            }
            System.out.printf("| %d | %s | %d | %d |%n", seed, slowestStep, slowest, all);
        }
    }

    private static void row(int slots, int members, int r, String op, long t0, Assignment a) {
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(
                "| %d | %d | %d | %s | %d | %s | %s | %s |%n",
                slots,
                members,
                r,
                op,
                ms,
                a == null ? "—" : a.plan().moves().size(),
                a == null ? "—" : a.plan().zoneRepairs(),
                a == null ? "—" : a.plan().zoneConflicts());
    }
}
