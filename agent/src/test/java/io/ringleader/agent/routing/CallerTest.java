package io.ringleader.agent.routing;

import static io.ringleader.agent.routing.RoutingTableTest.member;
import static io.ringleader.agent.routing.RoutingTableTest.rotatingRing;
import static io.ringleader.agent.routing.RoutingTableTest.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringleader.agent.internal.Meters;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.listen.Listenable;
import org.apache.curator.framework.listen.StandardListenerManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallerTest {
    private static final Ring RING = rotatingRing(1, 8, List.of("a", "b", "c"));

    /** A key whose slot lists a, b, c in that order. */
    private static final String KEY = keyWhoseReplicasAre("a");

    private final AtomicReference<RoutingTable> table = new AtomicReference<>(table(10, up("a"), up("b"), up("c")));
    private final FakeClock clock = new FakeClock();
    private final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    private final List<RoutedCaller> callers = new ArrayList<>();

    /** Time that moves only when the caller sleeps or the test advances it; runs a hook on each sleep. */
    static final class FakeClock implements CallClock {
        final AtomicLong nanos = new AtomicLong(1_000_000_000L);
        final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
        volatile Runnable onSleep = () -> {};

        @Override
        public long nanoTime() {
            return nanos.get();
        }

        @Override
        public void sleep(Duration duration) {
            sleeps.add(duration);
            nanos.addAndGet(duration.toNanos());
            onSleep.run();
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }

    private static RoutingTable table(long epoch, Member... present) {
        return RoutingTable.of(RING, List.of(present), epoch);
    }

    private static String keyWhoseReplicasAre(String first) {
        RoutingTable t = table(1, up("a"), up("b"), up("c"));
        for (int i = 0; ; i++) {
            String key = "key-" + i;
            if (t.route(key).id().equals(first)) {
                return key;
            }
        }
    }

    private CallPolicy.Builder policy() {
        return CallPolicy.builder().clock(clock).random(new SplittableRandom(7));
    }

    private RoutedCaller caller(CallPolicy.Builder policy) {
        RoutedCaller c = new RoutedCaller(table::get, policy.build(), "[cluster=test] ", CallMeters.NONE);
        callers.add(c);
        return c;
    }

    @AfterEach
    void closeCallers() {
        callers.forEach(RoutedCaller::close);
    }

    /** Records (member, epoch) and throws a failure for the members named, answers the member's id otherwise. */
    private Call<String> failingOn(String... failing) {
        List<String> bad = List.of(failing);
        return (member, epoch) -> {
            sent.add(member.id() + "@" + epoch);
            if (bad.contains(member.id())) {
                throw new IOException("connection refused by " + member.id());
            }
            return member.id();
        };
    }

    /** Fails the first {@code n} attempts, then answers. */
    private Call<String> failingFirst(int n) {
        AtomicLong count = new AtomicLong();
        return (member, epoch) -> {
            sent.add(member.id() + "@" + epoch);
            if (count.incrementAndGet() <= n) {
                throw new IOException("attempt " + count.get() + " failed");
            }
            return member.id();
        };
    }

    @Test
    void success_firstTry_goesToThePrimaryWithTheTablesEpoch() throws Exception {
        Caller caller = new FakeRouter(table).caller(policy().build());
        try {
            assertThat(caller.call(KEY, CallKind.WRITE, failingOn())).isEqualTo("a");
            assertThat(caller.call(KEY, CallKind.READ, failingOn())).isEqualTo("a");
        } finally {
            caller.close();
        }
        assertThat(sent).containsExactly("a@10", "a@10");
        assertThat(caller.stats()).isEqualTo(new CallStats(2, 2, 0, 0, 0, 0, 0));
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void retry_waitsFullJitterBackoff_doublingUpToTheCap() throws Exception {
        RoutedCaller caller = caller(policy().maxAttempts(4).backoff(Duration.ofMillis(100), Duration.ofMillis(250)));

        assertThat(caller.call(KEY, CallKind.WRITE, failingFirst(3))).isEqualTo("a");

        // The same seed draws the same numbers: uniform in [0, cap] with caps 100, 200, 250 (capped) ms.
        SplittableRandom same = new SplittableRandom(7);
        List<Duration> expected = new ArrayList<>();
        for (long capMillis : new long[] {100, 200, 250}) {
            expected.add(
                    Duration.ofNanos(same.nextLong(Duration.ofMillis(capMillis).toNanos() + 1)));
        }
        assertThat(clock.sleeps).containsExactlyElementsOf(expected);
        assertThat(clock.sleeps.get(0)).isLessThanOrEqualTo(Duration.ofMillis(100));
        assertThat(clock.sleeps.get(1)).isLessThanOrEqualTo(Duration.ofMillis(200));
        assertThat(clock.sleeps.get(2)).isLessThanOrEqualTo(Duration.ofMillis(250));
        assertThat(sent).containsExactly("a@10", "a@10", "a@10", "a@10");
        assertThat(caller.stats()).isEqualTo(new CallStats(1, 4, 3, 0, 0, 0, 0));
    }

    @Test
    void retry_neverMakesMoreAttemptsThanAllowed_andSurfacesTheLastFailureWithTheEarlierOnes() {
        RoutedCaller caller = caller(policy().maxAttempts(3));

        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingFirst(10)))
                .isInstanceOf(IOException.class)
                .hasMessage("attempt 3 failed")
                .satisfies(e -> assertThat(e.getSuppressed())
                        .extracting(Throwable::getMessage)
                        .containsExactly("attempt 1 failed", "attempt 2 failed"));
        assertThat(sent).hasSize(3);
    }

    @Test
    void retryOn_false_surfacesTheFailureAtOnce() {
        RoutedCaller caller = caller(policy().maxAttempts(5).retryOn(e -> !(e instanceof IOException)));

        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingFirst(10)))
                .isInstanceOf(IOException.class);
        assertThat(sent).hasSize(1);
    }

    @Test
    void budgetSpent_noRetry_theFailureIsSurfaced_untilTheWindowPasses() throws Exception {
        // No share of the calls, one retry per second in a one-second window: exactly one retry per window.
        RoutedCaller caller = caller(policy().retryBudget(0, 1, Duration.ofSeconds(1)));

        assertThat(caller.call(KEY, CallKind.WRITE, failingFirst(1))).isEqualTo("a");
        assertThat(caller.stats().retries()).isEqualTo(1);

        sent.clear();
        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingFirst(1)))
                .isInstanceOf(IOException.class)
                .hasMessage("attempt 1 failed");
        assertThat(sent).as("not retried").hasSize(1);
        assertThat(caller.stats().budgetRefusals()).isEqualTo(1);

        clock.advance(Duration.ofMillis(1100));
        assertThat(caller.call(KEY, CallKind.WRITE, failingFirst(1))).isEqualTo("a");
        assertThat(caller.stats().retries()).isEqualTo(2);
    }

    @Test
    void budget_allowsRetriesUpToItsShareOfTheCalls() throws Exception {
        RoutedCaller caller = caller(policy().maxAttempts(10).retryBudget(0.5, 0, Duration.ofSeconds(10)));
        for (int i = 0; i < 3; i++) {
            caller.call(KEY, CallKind.WRITE, failingOn());
        }
        sent.clear();

        // 4 calls in the window allow 0.5 × 4 = 2 retries: 3 attempts, then the budget refuses.
        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn("a")))
                .isInstanceOf(IOException.class);
        assertThat(sent).hasSize(3);
        assertThat(caller.stats()).isEqualTo(new CallStats(4, 6, 2, 0, 0, 1, 0));
    }

    @Test
    void read_fallsBackToTheNextReplica_atOnce() throws Exception {
        RoutedCaller caller = caller(policy());

        assertThat(caller.call(KEY, CallKind.READ, failingOn("a"))).isEqualTo("b");
        assertThat(sent).containsExactly("a@10", "b@10");
        assertThat(clock.sleeps).as("a fallback does not wait").isEmpty();
        assertThat(caller.stats()).isEqualTo(new CallStats(1, 2, 1, 1, 0, 0, 0));
    }

    @Test
    void read_triesEveryReplicaInRingOrder_thenThePrimaryAgainAfterABackoff() throws Exception {
        RoutedCaller caller = caller(policy().maxAttempts(4));

        assertThatThrownBy(() -> caller.call(KEY, CallKind.READ, failingOn("a", "b", "c")))
                .isInstanceOf(IOException.class);
        assertThat(sent).containsExactly("a@10", "b@10", "c@10", "a@10");
        assertThat(clock.sleeps).hasSize(1);
    }

    @Test
    void read_skipsReplicasThatAreNotUp() throws Exception {
        table.set(table(11, up("a"), member("b", MemberState.JOINING, 1), up("c")));
        RoutedCaller caller = caller(policy());

        assertThat(caller.call(KEY, CallKind.READ, failingOn("a"))).isEqualTo("c");
        assertThat(sent).containsExactly("a@11", "c@11");
    }

    @Test
    void read_withoutFallback_retriesThePrimary() throws Exception {
        RoutedCaller caller = caller(policy().readFallback(false));

        assertThat(caller.call(KEY, CallKind.READ, failingFirst(1))).isEqualTo("a");
        assertThat(sent).containsExactly("a@10", "a@10");
        assertThat(caller.stats().fallbacks()).isZero();
    }

    @Test
    void write_isNeverFallenBack_toABackup() {
        RoutedCaller caller = caller(policy().maxAttempts(3));

        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn("a")))
                .isInstanceOf(IOException.class);
        assertThat(sent).containsExactly("a@10", "a@10", "a@10");
    }

    @Test
    void write_afterTheRoutingEpochMoved_goesOnlyToTheNewPrimaryAtTheNewEpoch() throws Exception {
        RoutedCaller caller = caller(policy().maxAttempts(3));
        // a fails, and meanwhile its record goes: b is primary at epoch 20.
        Call<String> op = (member, epoch) -> {
            sent.add(member.id() + "@" + epoch);
            if (member.id().equals("a")) {
                table.set(table(20, up("b"), up("c")));
                throw new IOException("a went away");
            }
            return member.id();
        };

        assertThat(caller.call(KEY, CallKind.WRITE, op)).isEqualTo("b");
        assertThat(sent).containsExactly("a@10", "b@20");
    }

    @Test
    void write_neverReturnsToTheDeposedPrimary_evenWhileItIsStillPresent() {
        RoutedCaller caller = caller(policy().maxAttempts(3));
        // a is still present but DRAINING: b is primary at epoch 20, and b fails too.
        Call<String> op = (member, epoch) -> {
            sent.add(member.id() + "@" + epoch);
            table.set(table(20, member("a", MemberState.DRAINING, 1), up("b"), up("c")));
            throw new IOException(member.id() + " failed");
        };

        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, op)).hasMessage("b failed");
        assertThat(sent).containsExactly("a@10", "b@20", "b@20");
    }

    @Test
    void write_refusedAsStale_isNotResentToTheSameMemberAtTheSameEpoch() {
        RoutedCaller caller = caller(policy().maxAttempts(3));
        Call<String> op = (member, epoch) -> {
            sent.add(member.id() + "@" + epoch);
            throw new StaleEpochException(3, epoch, 15);
        };

        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, op))
                .isInstanceOf(StaleEpochException.class)
                .hasMessageContaining("refused epoch 0xa");
        assertThat(sent).containsExactly("a@10");
        assertThat(caller.circuitState("a"))
                .as("a stale refusal is an answer, not a failure")
                .isEqualTo(Circuit.State.CLOSED);
    }

    @Test
    void write_refusedAsStale_isRetriedOnceRoutingCaughtUp() throws Exception {
        RoutedCaller caller = caller(policy().maxAttempts(3));
        // During the backoff the router reads the newer change the member had already seen; a stays primary.
        clock.onSleep = () -> table.set(table(15, up("a"), up("b"), member("c", MemberState.DRAINING, 1)));
        Call<String> op = (member, epoch) -> {
            sent.add(member.id() + "@" + epoch);
            if (epoch < 15) {
                throw new StaleEpochException(3, epoch, 15);
            }
            return member.id();
        };

        assertThat(caller.call(KEY, CallKind.WRITE, op)).isEqualTo("a");
        assertThat(sent).containsExactly("a@10", "a@15");
    }

    @Test
    void circuit_opensAfterNConsecutiveFailures_andHalfOpensAfterTheCoolDown() throws Exception {
        RoutedCaller caller = caller(policy().maxAttempts(1).circuit(3, Duration.ofSeconds(5)));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn("a")))
                    .isInstanceOf(IOException.class);
        }
        assertThat(caller.circuitState("a")).isEqualTo(Circuit.State.OPEN);
        assertThat(caller.stats().circuitOpens()).isEqualTo(1);

        sent.clear();
        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn()))
                .isInstanceOf(CircuitOpenException.class)
                .hasMessage("circuit of member a is open for another PT5S");
        assertThat(sent).as("not sent while open").isEmpty();

        // After the cool-down one probe goes through; it fails, so the circuit opens again.
        clock.advance(Duration.ofSeconds(5));
        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn("a")))
                .isInstanceOf(IOException.class);
        assertThat(caller.circuitState("a")).isEqualTo(Circuit.State.OPEN);
        assertThat(caller.stats().circuitOpens()).isEqualTo(2);

        // The next probe succeeds: closed.
        clock.advance(Duration.ofSeconds(5));
        assertThat(caller.call(KEY, CallKind.WRITE, failingOn())).isEqualTo("a");
        assertThat(caller.circuitState("a")).isEqualTo(Circuit.State.CLOSED);
        assertThat(sent).containsExactly("a@10", "a@10");
    }

    @Test
    void circuit_successResetsTheConsecutiveCount() throws Exception {
        RoutedCaller caller = caller(policy().maxAttempts(1).circuit(2, Duration.ofSeconds(5)));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn("a")));
            caller.call(KEY, CallKind.WRITE, failingOn());
        }
        assertThat(caller.circuitState("a")).isEqualTo(Circuit.State.CLOSED);
    }

    @Test
    void circuit_openOnThePrimary_sendsReadsToTheNextReplica() throws Exception {
        RoutedCaller caller = caller(policy().maxAttempts(1).circuit(1, Duration.ofSeconds(5)));
        assertThatThrownBy(() -> caller.call(KEY, CallKind.READ, failingOn("a")));
        sent.clear();

        assertThat(caller.call(KEY, CallKind.READ, failingOn())).isEqualTo("b");
        assertThat(sent).containsExactly("b@10");
        assertThat(caller.stats().fallbacks()).isEqualTo(1);
    }

    @Test
    void attemptTimeout_interruptsTheAttempt_andRetries() throws Exception {
        RoutedCaller caller =
                caller(policy().attemptTimeout(Duration.ofMillis(100)).maxAttempts(2));
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicLong count = new AtomicLong();
        Call<String> op = (member, epoch) -> {
            if (count.incrementAndGet() == 1) {
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                }
            }
            return member.id();
        };

        assertThat(caller.call(KEY, CallKind.WRITE, op)).isEqualTo("a");
        assertThat(caller.stats().timeouts()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).untilTrue(interrupted);
    }

    @Test
    void attemptTimeout_lastAttempt_surfacesATimeoutNamingTheMember() {
        RoutedCaller caller =
                caller(policy().attemptTimeout(Duration.ofMillis(50)).maxAttempts(1));

        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, (member, epoch) -> {
                    new CountDownLatch(1).await();
                    return "never";
                }))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("member a")
                .hasMessageContaining("timed out after PT0.05S");
    }

    @Test
    void noRoute_isSurfacedWithoutAnAttempt() {
        table.set(table(30, member("a", MemberState.JOINING, 1)));
        RoutedCaller caller = caller(policy());

        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn())).isInstanceOf(NoRouteException.class);
        assertThat(sent).isEmpty();
    }

    @Test
    void everyWayACallEnds_isCountedUnderItsOutcome() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CallMeters meters = new CallMeters(new Meters(registry, Tags.of("cluster", "test")));
        // the callers of one router share its meters; only the second has a short (real-time) attempt timeout
        RoutedCaller caller = new RoutedCaller(
                table::get,
                policy().maxAttempts(1).circuit(1, Duration.ofSeconds(5)).build(),
                "[cluster=test] ",
                meters);
        RoutedCaller hasty = new RoutedCaller(
                table::get,
                policy().maxAttempts(1).attemptTimeout(Duration.ofMillis(50)).build(),
                "[cluster=test] ",
                meters);
        callers.add(caller);
        callers.add(hasty);

        assertThat(caller.call(KEY, CallKind.WRITE, failingOn())).isEqualTo("a");
        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, (member, epoch) -> {
                    throw new StaleEpochException(3, epoch, 15);
                }))
                .isInstanceOf(StaleEpochException.class);
        assertThatThrownBy(() -> hasty.call(KEY, CallKind.WRITE, (member, epoch) -> {
                    new CountDownLatch(1).await();
                    return "never";
                }))
                .isInstanceOf(TimeoutException.class);
        // a's first failure opens its circuit (one failure is enough here)
        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn("a")))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn()))
                .isInstanceOf(CircuitOpenException.class);
        table.set(table(30, member("a", MemberState.JOINING, 1)));
        assertThatThrownBy(() -> caller.call(KEY, CallKind.WRITE, failingOn())).isInstanceOf(NoRouteException.class);

        for (String outcome : List.of("success", "stale_epoch", "timeout", "error", "circuit_open", "no_route")) {
            assertThat(registry.get("ringleader.calls")
                            .tag("outcome", outcome)
                            .counter()
                            .count())
                    .as(outcome)
                    .isEqualTo(1.0);
        }
        assertThat(registry.get("ringleader.call.attempts").counter().count()).isEqualTo(4.0);
        assertThat(registry.get("ringleader.call.timeouts").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("ringleader.call.circuit.opens").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void close_stopsThePool_interruptsTheAttemptInFlight_andLaterCallsThrow() throws Exception {
        RoutedCaller caller =
                caller(policy().attemptTimeout(Duration.ofSeconds(30)).maxAttempts(1));
        AtomicReference<Thread> worker = new AtomicReference<>();
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Object> result = CompletableFuture.supplyAsync(() -> {
            try {
                return caller.call(KEY, CallKind.READ, (member, epoch) -> {
                    worker.set(Thread.currentThread());
                    running.countDown();
                    new CountDownLatch(1).await();
                    return "never";
                });
            } catch (Exception e) {
                return e;
            }
        });
        running.await();
        assertThat(worker.get().getName()).startsWith("ringleader-call-");

        caller.close();

        await().atMost(Duration.ofSeconds(5)).until(caller::isTerminated);
        await().atMost(Duration.ofSeconds(5)).until(() -> !worker.get().isAlive());
        assertThat(result.get())
                .isInstanceOf(IllegalStateException.class)
                .extracting(e -> ((Exception) e).getMessage())
                .asString()
                .contains("caller closed");
        assertThatThrownBy(() -> caller.call(KEY, CallKind.READ, failingOn()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("caller is closed");
        caller.close(); // idempotent
    }

    /** The smallest router: serves whatever table the test sets. */
    private static final class FakeRouter implements Router {
        private final AtomicReference<RoutingTable> table;

        FakeRouter(AtomicReference<RoutingTable> table) {
            this.table = table;
        }

        @Override
        public void start() {}

        @Override
        public RoutingTable table() {
            return table.get();
        }

        @Override
        public RouterStatus status() {
            return new RouterStatus(table.get().ringEpoch(), 0, null, true);
        }

        @Override
        public Listenable<RoutingListener> listenable() {
            return StandardListenerManager.standard();
        }

        @Override
        public void close() {}
    }
}
