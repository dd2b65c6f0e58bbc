package io.ringleader.samples.kv.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
    private static final Duration AWAIT = Duration.ofSeconds(60);

    private final LinearizabilityChecker checker = new LinearizabilityChecker();
    private final List<LoadGenerator> generators = new ArrayList<>();

    @AfterEach
    void closeGenerators() {
        generators.forEach(LoadGenerator::close);
        assertThat(Thread.getAllStackTraces().keySet())
                .as("load threads left running")
                .noneMatch(t -> t.getName().startsWith("ringleader-kv-load-") && t.isAlive());
    }

    private LoadGenerator.Builder load(KvClient.Factory clients) {
        return LoadGenerator.builder()
                .clients(clients)
                .workers(4)
                .keys(10)
                .operations(2_000)
                .seed(42)
                .finalReadDeadline(Duration.ofSeconds(10));
    }

    private History run(LoadGenerator.Builder builder) throws Exception {
        LoadGenerator generator = builder.build();
        generators.add(generator);
        generator.start();
        assertThat(generator.awaitStop(AWAIT)).as("load finished").isTrue();
        return generator.history();
    }

    @Test
    void aCorrectStore_passes_withAFinalReadOfEveryKeyWritten() throws Exception {
        InMemoryKvClient store = new InMemoryKvClient();

        History history = run(load(process -> store).keyPrefix("t-"));

        Verdict verdict = checker.check(history);
        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        Set<String> written =
                history.ops().stream().filter(Op::isWrite).map(Op::key).collect(Collectors.toSet());
        assertThat(verdict.keysReadBack()).isEqualTo(written.size()).isPositive();
        assertThat(history.size()).isEqualTo(2_000 + written.size());
        List<Op> finalReads = history.ops().subList(2_000, history.size());
        assertThat(finalReads).allMatch(op -> op.type() == OpType.GET && op.outcome() == Outcome.OK);
        assertThat(finalReads).extracting(Op::key).containsExactlyInAnyOrderElementsOf(written);
        assertThat(finalReads)
                .allMatch(op -> op.invokeNanos()
                        > history.ops().subList(0, 2_000).stream()
                                .mapToLong(Op::completeNanos)
                                .max()
                                .orElseThrow());
        assertThat(history.ops()).extracting(Op::process).containsOnly(0, 1, 2, 3);
        assertThat(history.ops()).allMatch(op -> op.key().startsWith("t-"));
        List<String> values = history.ops().stream()
                .filter(op -> op.type() == OpType.PUT)
                .map(Op::value)
                .toList();
        assertThat(values).doesNotHaveDuplicates().allMatch(v -> v.matches("w[0-3]-\\d+"));
        assertThat(store.closed)
                .as("the shared client was closed once per worker")
                .hasValue(4);
    }

    /**
     * Workers seeded {@code seed + γ·process}, with γ SplittableRandom's own increment, walked one sequence shifted
     * by a draw per process: every other worker picked the same keys a step behind, so keys were hit in bursts.
     */
    @Test
    void workers_pickTheirKeysIndependently_notAsShiftedCopiesOfOneSequence() throws Exception {
        History history = run(load(process -> new InMemoryKvClient())
                .keys(1_000)
                .operations(4_000)
                .finalReadDeadline(Duration.ZERO));

        Map<Integer, List<String>> keysByProcess = history.ops().stream()
                .collect(Collectors.groupingBy(Op::process, Collectors.mapping(Op::key, Collectors.toList())));
        assertThat(keysByProcess).hasSize(4);
        for (int p = 0; p < 4; p++) {
            for (int q = 0; q < 4; q++) {
                for (int shift = p == q ? 1 : 0; shift <= 8; shift++) {
                    List<String> a = keysByProcess.get(p);
                    List<String> b = keysByProcess.get(q);
                    int n = Math.min(a.size(), b.size() - shift);
                    int same = 0;
                    for (int i = 0; i < n; i++) {
                        same += a.get(i).equals(b.get(i + shift)) ? 1 : 0;
                    }
                    // Independent uniform picks of 1,000 keys agree about once in 1,000.
                    assertThat(same)
                            .as("keys of worker %d equal to those of worker %d %d operations later", p, q, shift)
                            .isLessThan(n / 20);
                }
            }
        }
    }

    @Test
    void theMix_followsTheRatios() throws Exception {
        History history = run(load(process -> new InMemoryKvClient())
                .readRatio(0.0)
                .deleteRatio(1.0)
                .finalReadDeadline(Duration.ZERO));

        assertThat(history.ops().subList(0, 2_000)).allMatch(op -> op.type() == OpType.DELETE);
    }

    @Test
    void aStoreThatLosesAcknowledgedWrites_fails_withTheLostWritesFirst() throws Exception {
        InMemoryKvClient store = new InMemoryKvClient() {
            @Override
            public void put(String key, String value) throws Exception {
                // Acknowledges every PUT of k3 after the first, applying none of them.
                if (!key.equals("k3") || !map.containsKey(key)) {
                    super.put(key, value);
                }
            }

            @Override
            public void delete(String key) {
                if (!key.equals("k3")) {
                    map.remove(key);
                }
            }
        };

        History history = run(load(process -> store).keyPrefix("k"));

        Verdict verdict = checker.check(history);
        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.lostWrites()).extracting(Verdict.LostWrite::key).containsExactly("k3");
        assertThat(verdict.violations()).extracting(Verdict.Violation::key).containsExactly("k3");
        assertThat(verdict.summary()).contains("LOST ACKNOWLEDGED WRITES on 1 key:");
    }

    @Test
    void aStoreThatServesStaleReads_fails() throws Exception {
        Map<String, String> previous = new ConcurrentHashMap<>();
        InMemoryKvClient store = new InMemoryKvClient() {
            @Override
            public synchronized void put(String key, String value) {
                String old = map.put(key, value);
                if (old != null) {
                    previous.put(key, old);
                }
            }

            @Override
            public synchronized Optional<String> get(String key) {
                String stale = previous.get(key);
                if (stale != null && ThreadLocalRandom.current().nextInt(5) == 0) {
                    return Optional.of(stale);
                }
                return Optional.ofNullable(map.get(key));
            }
        };

        Verdict verdict = checker.check(run(load(process -> store).deleteRatio(0)));

        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.violations()).isNotEmpty();
        assertThat(verdict.violations())
                .anySatisfy(v -> assertThat(v.explanation()).endsWith("(stale read)"));
    }

    @Test
    void rejectedAndUnknownOutcomes_areRecordedAsSuch_andACorrectStoreStillPasses() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        InMemoryKvClient store = new InMemoryKvClient() {
            @Override
            public void put(String key, String value) throws Exception {
                switch (calls.incrementAndGet() % 4) {
                    case 0 -> throw new Rejected("no primary");
                    case 1 -> {
                        super.put(key, value);
                        throw new IOException("connection reset after the write");
                    }
                    case 2 -> throw new IOException("connection refused");
                    default -> super.put(key, value);
                }
            }

            @Override
            public Optional<String> get(String key) throws Exception {
                if (calls.incrementAndGet() % 7 == 0) {
                    throw new IOException("read timed out");
                }
                return super.get(key);
            }
        };

        History history = run(load(process -> store));

        Verdict verdict = checker.check(history);
        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        Verdict.TypeStats puts = verdict.types().get(OpType.PUT.ordinal());
        assertThat(puts.fail()).isPositive();
        assertThat(puts.unknown()).isPositive();
        assertThat(verdict.errors())
                .extracting(Verdict.ErrorCount::error)
                .contains(
                        "no primary",
                        "java.io.IOException: connection reset after the write",
                        "java.io.IOException: read timed out");
        assertThat(history.ops())
                .filteredOn(op -> op.type() == OpType.GET && op.outcome() != Outcome.OK)
                .allMatch(op -> op.value() == null);
    }

    @Test
    void finalReads_areRetriedUntilTheyAnswer() throws Exception {
        AtomicInteger refusals = new AtomicInteger();
        InMemoryKvClient store = new InMemoryKvClient() {
            @Override
            public Optional<String> get(String key) throws Exception {
                if (refusals.incrementAndGet() % 2 == 0) {
                    throw new Rejected("no primary yet");
                }
                return super.get(key);
            }
        };

        Verdict verdict = checker.check(run(load(process -> store).readRatio(0).deleteRatio(0)));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        assertThat(verdict.keysReadBack()).isEqualTo(10);
        assertThat(verdict.types().get(OpType.GET.ordinal()).fail()).isPositive();
    }

    @Test
    void finalReadsThatNeverAnswer_leaveTheKeysUnverified() throws Exception {
        InMemoryKvClient store = new InMemoryKvClient() {
            @Override
            public Optional<String> get(String key) throws Exception {
                throw new Rejected("no primary");
            }
        };

        Verdict verdict = checker.check(
                run(load(process -> store).readRatio(0).deleteRatio(0).finalReadDeadline(Duration.ZERO)));

        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.unverifiedKeys()).hasSize(10);
    }

    @Test
    void stop_endsATimedRun_andTheFinalReadsStillHappen() throws Exception {
        InMemoryKvClient store = new InMemoryKvClient();
        LoadGenerator generator = LoadGenerator.builder()
                .clients(process -> store)
                .workers(2)
                .keys(5)
                .duration(Duration.ofHours(1))
                .rate(5_000)
                .build();
        generators.add(generator);
        generator.start();
        await().atMost(AWAIT).until(() -> generator.history().size() >= 100);

        generator.stop();

        assertThat(generator.awaitStop(AWAIT)).isTrue();
        Verdict verdict = checker.check(generator.history());
        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        assertThat(verdict.keysReadBack()).isPositive();
        assertThat(generator.keyPrefix()).matches("r[0-9a-f]{6}-k");
    }

    @Test
    void close_interruptsTheWorkers_andClosesTheClients() throws Exception {
        List<InMemoryKvClient> opened = new CopyOnWriteArrayList<>();
        LoadGenerator generator = load(process -> {
                    InMemoryKvClient client = new InMemoryKvClient() {
                        @Override
                        public Optional<String> get(String key) throws Exception {
                            Thread.sleep(Long.MAX_VALUE);
                            throw new AssertionError("woke up");
                        }
                    };
                    opened.add(client);
                    return client;
                })
                .operations(Long.MAX_VALUE)
                .build();
        generators.add(generator);
        generator.start();
        await().atMost(AWAIT)
                .until(() -> Thread.getAllStackTraces().keySet().stream()
                                .filter(t -> t.getName().startsWith("ringleader-kv-load-"))
                                .count()
                        == 4);

        generator.close();

        assertThat(generator.awaitStop(Duration.ZERO)).isTrue();
        assertThat(opened).hasSize(4).allSatisfy(c -> assertThat(c.closed).hasValue(1));
    }

    @Test
    void aClientThatCannotBeOpened_failsStart_andClosesTheOthers() {
        List<InMemoryKvClient> opened = new CopyOnWriteArrayList<>();
        LoadGenerator generator = load(process -> {
                    if (process == 2) {
                        throw new IllegalStateException("no route to node-3");
                    }
                    InMemoryKvClient client = new InMemoryKvClient();
                    opened.add(client);
                    return client;
                })
                .build();
        generators.add(generator);

        assertThatThrownBy(generator::start)
                .isInstanceOf(IOException.class)
                .hasMessage("cannot open the client of worker 2: java.lang.IllegalStateException: no route to node-3");
        assertThat(opened).hasSize(2).allSatisfy(c -> assertThat(c.closed).hasValue(1));
    }

    @Test
    void start_twice_isRejected() throws Exception {
        LoadGenerator generator =
                load(process -> new InMemoryKvClient()).operations(1).build();
        generators.add(generator);
        generator.start();

        assertThatThrownBy(generator::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("already started or closed: STARTED");
    }

    @Test
    void badSettings_areRejected_namingTheValue() {
        KvClient.Factory clients = process -> new InMemoryKvClient();
        assertThatThrownBy(() -> LoadGenerator.builder().operations(1).build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("clients must be set");
        assertThatThrownBy(() -> LoadGenerator.builder().clients(clients).build())
                .hasMessage("duration or operations must be set");
        assertThatThrownBy(() -> load(clients).workers(0).build()).hasMessage("workers must be at least 1, was 0");
        assertThatThrownBy(() -> load(clients).keys(-1).build()).hasMessage("keys must be at least 1, was -1");
        assertThatThrownBy(() -> load(clients).readRatio(1.5).build())
                .hasMessage("readRatio must be between 0 and 1, was 1.5");
        assertThatThrownBy(() -> load(clients).readRatio(0.7).deleteRatio(0.5).build())
                .hasMessage("readRatio + deleteRatio must be at most 1, was 0.7 + 0.5");
        assertThatThrownBy(() -> load(clients).duration(Duration.ZERO).build())
                .hasMessage("duration must be positive, was PT0S");
        assertThatThrownBy(() -> load(clients).operations(0).build())
                .hasMessage("operations must be at least 1, was 0");
        assertThatThrownBy(() -> load(clients).rate(-3).build())
                .hasMessage("rate must be between 0 and 1e9 operations a second, was -3.0");
        assertThatThrownBy(() -> load(clients).keyPrefix("").build()).hasMessage("keyPrefix must not be empty");
        assertThatThrownBy(() ->
                        load(clients).finalReadDeadline(Duration.ofSeconds(-1)).build())
                .hasMessage("finalReadDeadline must not be negative, was PT-1S");
    }
}
