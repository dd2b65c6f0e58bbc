package io.ringleader.samples.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.leadership.Term;
import io.ringleader.samples.job.RunLog.Entry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Leader jobs of two or three in-process instances on one ZooKeeper server: one runner at a time, failover on a
 * graceful close, on a killed session and across a suspension, and a deposed leader's late run refused by the
 * fenced {@link RunLog}.
 */
class LeaderJobTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration PERIOD = Duration.ofMillis(20);
    private static final String JOB = "report";
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    private static TestingServer server;

    private final String cluster = "job-test-" + CLUSTERS.incrementAndGet();
    private final Set<Long> threadsBefore = liveThreads().keySet();
    private final Runs runs = new Runs();
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private Agent reader;

    @BeforeAll
    static void startServer() throws Exception {
        // tick 500 ms, so that a 2 s session timeout is allowed
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 500, -1), true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @AfterEach
    void closeEverything() {
        instances.values().forEach(Instance::close);
        if (reader != null) {
            reader.close();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(leakedThreads())
                .as("job, agent and ZooKeeper client threads left running")
                .isEmpty());
    }

    /** One instance of the job: its agent, its leader job and the gate its runs pass. */
    private record Instance(String id, Agent agent, LeaderJob job, Gate gate) {
        Optional<Term> term() {
            return job.term();
        }

        void close() {
            gate.open();
            job.close();
            agent.close();
        }
    }

    private Instance start(String id) throws Exception {
        return start(id, true, SESSION);
    }

    /** Starts instance {@code id}; its runs append to the run log if {@code writes}, else only record. */
    private Instance start(String id, boolean writes, Duration sessionTimeout) throws Exception {
        Agent agent = Agent.builder()
                .insecure()
                .connectString(server.getConnectString())
                .cluster(cluster)
                .memberId(id)
                .observer()
                .sessionTimeout(sessionTimeout)
                .connectionTimeout(Duration.ofSeconds(1))
                .build();
        agent.start();
        agent.awaitJoined(WAIT);
        Gate gate = new Gate();
        AtomicReference<LeaderJob> self = new AtomicReference<>();
        LeaderJob job = new LeaderJob(
                agent,
                JOB,
                PERIOD,
                runs.job(
                        id,
                        writes ? RunLog.of(agent, JOB) : null,
                        () -> self.get().term(),
                        gate));
        self.set(job);
        Instance instance = new Instance(id, agent, job, gate);
        instances.put(id, instance);
        job.start();
        return instance;
    }

    private RunLog log() throws Exception {
        if (reader == null) {
            reader = Agent.builder()
                    .insecure()
                    .connectString(server.getConnectString())
                    .cluster(cluster)
                    .memberId("reader")
                    .observer()
                    .build();
            reader.start();
            reader.awaitJoined(WAIT);
        }
        return RunLog.of(reader, JOB);
    }

    /** The one instance that holds a term now; waits while nobody does. */
    private Instance awaitLeader() {
        return await().atMost(WAIT)
                .until(
                        () -> instances.values().stream()
                                .filter(i -> i.term().isPresent())
                                .toList(),
                        leaders -> leaders.size() == 1)
                .get(0);
    }

    @Test
    void exactlyOneInstanceRunsTheJob_andClosingTheLeaderMidRunMovesItToAnotherAfterThatRun() throws Exception {
        for (String id : List.of("a", "b", "c")) {
            start(id);
        }
        List<String> leaders = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            Instance leader = awaitLeader();
            leaders.add(leader.id());
            int before = runs.acceptedBy(leader.id());
            await().atMost(WAIT).until(() -> runs.acceptedBy(leader.id()) >= before + 3);
            if (round < 2) {
                closeDuringARun(leader);
            } else {
                // Stop the last leader's schedule (close waits for a run in progress), so that the log and the runs
                // are compared at rest: a run may have written its line and not yet recorded it.
                leader.close();
                instances.remove(leader.id());
            }
        }

        assertThat(runs.refusedOrFailed()).as("runs refused or failed").isEmpty();
        runs.assertOneRunnerAtATime(runs.all());
        runs.assertEveryRunHeldItsTerm();
        List<Entry> entries = log().entries();
        assertOneHistory(entries);
        assertThat(entries).as("the log holds exactly the runs made").containsExactlyElementsOf(runs.appended());
        List<String> writers = new ArrayList<>();
        entries.stream()
                .map(Entry::member)
                .filter(m ->
                        writers.isEmpty() || !writers.get(writers.size() - 1).equals(m))
                .forEach(writers::add);
        assertThat(writers).as("the log's writers in turn: each leader, once").isEqualTo(leaders);
    }

    /** Closes {@code leader} while a run of its is in progress: the next leader may start only after that run. */
    private void closeDuringARun(Instance leader) throws InterruptedException {
        leader.gate().close();
        leader.gate().awaitBlocked();
        Thread closing = new Thread(leader.job()::close, "test-close-" + leader.id());
        closing.start();
        // Close has stopped the schedule and waits for the run: now let the run finish.
        await().atMost(WAIT).until(() -> closing.getState() == Thread.State.TIMED_WAITING);
        leader.gate().open();
        closing.join(WAIT.toMillis());
        assertThat(closing.isAlive()).as("close returned").isFalse();
        leader.close();
        instances.remove(leader.id());
    }

    @Test
    void killingTheLeadersSession_movesTheJob_andTheOldLeadersLateRunIsRefused() throws Exception {
        Instance a = start("a");
        Term first = awaitTerm(a);
        Instance b = start("b");
        await().atMost(WAIT).until(() -> runs.acceptedBy("a") >= 2);

        // a's next run stops before writing, as a pause would; b's first run will wait too, so that a's late write
        // comes before any write of b and only the check of a's latch znode can refuse it.
        a.gate().close();
        b.gate().close();
        a.gate().awaitBlocked();
        long oldSession = sessionOf(a.agent());
        KillSession.kill(a.agent().curator().getZookeeperClient().getZooKeeper());

        await().atMost(WAIT).until(() -> a.term().isEmpty());
        Term second = awaitTerm(b);
        assertThat(second.epoch()).isGreaterThan(first.epoch());
        b.gate().awaitBlocked();
        await().atMost(WAIT)
                .ignoreExceptions()
                .until(() ->
                        a.agent().curator().getZookeeperClient().isConnected() && sessionOf(a.agent()) != oldSession);

        a.gate().open();
        Runs.Run late = await().atMost(WAIT)
                .until(() -> runs.lastBy("a"), r -> r.isPresent() && r.get().done())
                .orElseThrow();
        assertThat(late.epoch()).isEqualTo(first.epoch());
        assertThat(late.appended()).as("a's late run was written").isNull();
        assertThat(late.outcome()).contains("is over: its latch znode").contains("is gone");

        b.gate().open();
        await().atMost(WAIT).until(() -> runs.acceptedBy("b") >= 3);
        // The same late write once b has written: the epoch alone refuses it, as any fenced store would.
        assertThatThrownBy(() -> RunLog.of(a.agent(), JOB).append(first))
                .isInstanceOf(FencedOutException.class)
                .hasMessageContaining("is older than the last line of the log");
        assertThat(runs.all().stream().filter(r -> r.member().equals("a") && r.epoch() == first.epoch()))
                .as("a's runs under its ended term: the schedule stopped after the one in progress")
                .hasSize(runs.acceptedBy("a") + 1);

        // b leaves: a, back in the election with a new latch znode, runs again under a larger epoch.
        b.close();
        instances.remove("b");
        Term third = awaitTerm(a);
        assertThat(third.epoch()).isGreaterThan(second.epoch());
        await().atMost(WAIT)
                .until(() -> runs.all().stream()
                                .filter(r -> r.epoch() == third.epoch() && r.appended() != null)
                                .count()
                        >= 2);
        // Stop a's schedule (close waits for a run in progress), so that the log and the runs are compared at rest.
        a.close();
        instances.remove("a");

        runs.assertOneRunnerAtATime(runs.accepted());
        runs.assertEveryRunHeldItsTerm();
        assertOneHistory(log().entries());
        assertThat(log().entries()).containsExactlyElementsOf(runs.appended());
    }

    @Test
    void aSuspendedLeaderStopsRunningAtOnce_andResumesUnderItsTermWhenItReconnects() throws Exception {
        // Its runs write nothing, so that nothing holds its thread during the outage: only the ended term stops it.
        // Its session outlasts the outage (Curator declares a session lost once suspended for its timeout).
        Instance a = start("a", false, Duration.ofSeconds(10));
        Term before = awaitTerm(a);
        await().atMost(WAIT).until(() -> runs.doneBy("a") >= 2);
        a.gate().close();
        a.gate().awaitBlocked();

        server.stop();
        try {
            await().atMost(WAIT).until(() -> a.term().isEmpty());
            // The run in progress finishes during the outage; no other may start until a term starts again.
            a.gate().open();
            await().atMost(WAIT).until(() -> runs.lastBy("a").orElseThrow().done());
        } finally {
            server.restart();
        }

        Term after = awaitTerm(a);
        // The session outlived the outage: nobody else could have led, so the term goes on under the same epoch.
        assertThat(after.epoch()).isEqualTo(before.epoch());
        int done = runs.doneBy("a");
        await().atMost(WAIT).until(() -> runs.doneBy("a") >= done + 2);
        runs.assertEveryRunHeldItsTerm();
    }

    @Test
    void badArguments_areRefusedNamingTheValue() throws Exception {
        Agent agent = Agent.builder()
                .insecure()
                .connectString(server.getConnectString())
                .cluster(cluster)
                .observer()
                .build();
        try {
            assertThatThrownBy(() -> new LeaderJob(agent, "a/b", PERIOD, term -> {}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("job name must be")
                    .hasMessageContaining("'a/b'");
            assertThatThrownBy(() -> new LeaderJob(agent, JOB, Duration.ZERO, term -> {}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("period must be positive, was PT0S");
            LeaderJob job = new LeaderJob(agent, JOB, PERIOD, term -> {});
            job.close();
            assertThatThrownBy(job::start).isInstanceOf(IllegalStateException.class);
        } finally {
            agent.close();
        }
    }

    private static Term awaitTerm(Instance instance) {
        return await().atMost(WAIT).until(instance::term, Optional::isPresent).orElseThrow();
    }

    private static long sessionOf(Agent agent) throws Exception {
        ZooKeeper zk = agent.curator().getZookeeperClient().getZooKeeper();
        return zk.getSessionId();
    }

    /** The log is one history: runs numbered without a gap, epochs never going back, a new holder a new epoch. */
    static void assertOneHistory(List<Entry> entries) {
        for (int i = 1; i < entries.size(); i++) {
            Entry previous = entries.get(i - 1);
            Entry next = entries.get(i);
            assertThat(next.run()).as("run after " + previous).isEqualTo(previous.run() + 1);
            if (next.member().equals(previous.member())) {
                assertThat(next.epoch()).as(next + " after " + previous).isGreaterThanOrEqualTo(previous.epoch());
            } else {
                assertThat(next.epoch()).as(next + " after " + previous).isGreaterThan(previous.epoch());
            }
        }
    }

    /** Holds a run before it writes, while closed, as a long pause would. */
    static final class Gate {
        private volatile CountDownLatch release = new CountDownLatch(0);
        private volatile CountDownLatch blocked = new CountDownLatch(1);

        /** The next run blocks until {@link #open()}. */
        void close() {
            blocked = new CountDownLatch(1);
            release = new CountDownLatch(1);
        }

        void open() {
            release.countDown();
        }

        void awaitBlocked() throws InterruptedException {
            assertThat(blocked.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                    .as("a run reached the gate")
                    .isTrue();
        }

        /** Called by a run: blocks while closed, and ignores interrupts as a paused process would. */
        void pass() {
            CountDownLatch waitFor = release;
            if (waitFor.getCount() == 0) {
                return;
            }
            blocked.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    waitFor.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What the jobs' runs did, and the invariants they must keep. */
    static final class Runs {
        /** One run: who, under which epoch, when (nanoTime), and what came of its write. */
        record Run(
                String member,
                long epoch,
                long start,
                long end,
                boolean heldItsTermAtStart,
                Entry appended,
                String outcome) {
            boolean done() {
                return end != 0;
            }
        }

        private final List<Run> runs = new ArrayList<>();

        /**
         * The recording job of one instance: passes the gate, appends to the log (if not null), notes what happened.
         */
        Job job(String member, RunLog log, java.util.function.Supplier<Optional<Term>> heldTerm, Gate gate) {
            return term -> {
                long start = System.nanoTime();
                boolean held =
                        heldTerm.get().map(t -> t.epoch() == term.epoch()).orElse(false);
                int index = add(new Run(member, term.epoch(), start, 0, held, null, "running"));
                gate.pass();
                Entry appended = null;
                String outcome;
                try {
                    // A run that takes a while, so that two overlapping runs would show.
                    Thread.sleep(2);
                    if (log != null) {
                        appended = log.append(term);
                        outcome = appended.toString();
                    } else {
                        outcome = "ran, wrote nothing";
                    }
                } catch (FencedOutException e) {
                    outcome = "refused: " + e.getMessage();
                } catch (Exception e) {
                    outcome = "failed: " + e;
                }
                set(index, new Run(member, term.epoch(), start, System.nanoTime(), held, appended, outcome));
            };
        }

        private synchronized int add(Run run) {
            runs.add(run);
            return runs.size() - 1;
        }

        private synchronized void set(int index, Run run) {
            runs.set(index, run);
        }

        synchronized List<Run> all() {
            return List.copyOf(runs);
        }

        List<Run> accepted() {
            return all().stream().filter(r -> r.appended() != null).toList();
        }

        List<Entry> appended() {
            return accepted().stream().map(Run::appended).toList();
        }

        List<Run> refusedOrFailed() {
            return all().stream().filter(r -> r.done() && r.appended() == null).toList();
        }

        int doneBy(String member) {
            return (int) all().stream()
                    .filter(r -> r.member().equals(member) && r.done())
                    .count();
        }

        int acceptedBy(String member) {
            return (int)
                    accepted().stream().filter(r -> r.member().equals(member)).count();
        }

        Optional<Run> lastBy(String member) {
            List<Run> mine =
                    all().stream().filter(r -> r.member().equals(member)).toList();
            return mine.isEmpty() ? Optional.empty() : Optional.of(mine.get(mine.size() - 1));
        }

        /** No two runs of different members overlap in time, and epochs only grow in the order runs started. */
        void assertOneRunnerAtATime(List<Run> checked) {
            List<Run> done = checked.stream().filter(Run::done).toList();
            for (int i = 0; i < done.size(); i++) {
                for (int j = i + 1; j < done.size(); j++) {
                    Run x = done.get(i);
                    Run y = done.get(j);
                    if (!x.member().equals(y.member())) {
                        assertThat(x.end() < y.start() || y.end() < x.start())
                                .as("%s and %s overlap", x, y)
                                .isTrue();
                    }
                }
            }
            List<Run> byStart = new ArrayList<>(done);
            byStart.sort(java.util.Comparator.comparingLong(Run::start));
            for (int i = 1; i < byStart.size(); i++) {
                Run previous = byStart.get(i - 1);
                Run next = byStart.get(i);
                if (next.member().equals(previous.member())) {
                    assertThat(next.epoch()).as("%s after %s", next, previous).isGreaterThanOrEqualTo(previous.epoch());
                } else {
                    assertThat(next.epoch()).as("%s after %s", next, previous).isGreaterThan(previous.epoch());
                }
            }
        }

        /** Every run started while its instance held the term it ran under. */
        void assertEveryRunHeldItsTerm() {
            assertThat(all().stream().filter(r -> !r.heldItsTermAtStart()))
                    .as("runs started without their term")
                    .isEmpty();
        }
    }

    private List<String> leakedThreads() {
        return liveThreads().entrySet().stream()
                .filter(e -> !threadsBefore.contains(e.getKey()))
                .map(Map.Entry::getValue)
                .filter(n -> n.startsWith("ringleader-") || n.contains("-SendThread(") || n.endsWith("-EventThread"))
                .toList();
    }

    private static Map<Long, String> liveThreads() {
        Map<Long, String> threads = new LinkedHashMap<>();
        Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .forEach(t -> threads.put(t.getId(), t.getName()));
        return threads;
    }
}
