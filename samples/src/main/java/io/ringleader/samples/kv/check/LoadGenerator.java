package io.ringleader.samples.kv.check;

import java.io.Closeable;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a key-value store from concurrent workers and records every operation into a {@link History}, for the
 * {@link LinearizabilityChecker}.
 *
 * <p>Each worker is one process of the history: it runs one operation at a time, PUT, GET or DELETE of a random key,
 * and writes values unique to the run ({@code w<process>-<n>}). When the run ends (its duration or operation count
 * reached, or {@link #stop()}), every worker waits for the others, then the workers read back every key that was
 * written: these <em>final reads</em> are GETs in the history, retried until one succeeds or the final-read deadline
 * passes.
 *
 * <p>Keys are {@code <prefix><n>}, with a prefix fresh for each run unless one is given, because the checker assumes
 * every key starts absent.
 *
 * <pre>{@code
 * try (LoadGenerator load = LoadGenerator.builder()
 *         .clients(process -> new HttpKvClient(target))
 *         .workers(8)
 *         .keys(100)
 *         .duration(Duration.ofSeconds(30))
 *         .build()) {
 *     load.start();
 *     load.awaitStop(Duration.ofMinutes(2));
 *     Verdict verdict = new LinearizabilityChecker().check(load.history());
 * }
 * }</pre>
 */
public final class LoadGenerator implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LoadGenerator.class);
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final KvClient.Factory factory;
    private final int workers;
    private final int keys;
    private final String keyPrefix;
    private final double readRatio;
    private final double deleteRatio;
    private final Duration duration;
    private final long intervalNanos;
    private final long seed;
    private final Duration finalReadDeadline;
    private final History history;

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final List<Thread> threads = new ArrayList<>();
    private final List<KvClient> clients = new ArrayList<>();
    private final Set<Integer> written = ConcurrentHashMap.newKeySet();
    private final AtomicLong remaining;
    private final AtomicLong nextSlot = new AtomicLong(Long.MIN_VALUE);
    private final CountDownLatch loadDone;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicInteger running;
    private volatile boolean stopRequested;
    private volatile long loadDeadline;

    private LoadGenerator(Builder b) {
        this.factory = b.factory;
        this.workers = b.workers;
        this.keys = b.keys;
        this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : freshPrefix();
        this.readRatio = b.readRatio;
        this.deleteRatio = b.deleteRatio;
        this.duration = b.duration;
        this.intervalNanos = b.rate == null ? 0 : Math.max(1, Math.round(1e9 / b.rate));
        this.seed = b.seed != null ? b.seed : new SecureRandom().nextLong();
        this.finalReadDeadline = b.finalReadDeadline;
        this.history = b.history != null ? b.history : new History();
        this.remaining = new AtomicLong(b.operations == null ? Long.MAX_VALUE : b.operations);
        this.loadDone = new CountDownLatch(workers);
        this.running = new AtomicInteger(workers);
    }

    /** A builder; {@link Builder#clients} and one of {@link Builder#duration} or {@link Builder#operations} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens one client per worker and starts the workers, threads named {@code ringleader-kv-load-<process>}.
     *
     * @throws IllegalStateException if already started or closed
     * @throws IOException if a client cannot be opened; the clients opened so far are closed
     */
    public synchronized void start() throws IOException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("already started or closed: " + state.get());
        }
        for (int process = 0; process < workers; process++) {
            try {
                clients.add(Objects.requireNonNull(factory.open(process), "the client factory returned null"));
            } catch (Exception e) {
                closeClients();
                state.set(State.CLOSED);
                done.countDown();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw e instanceof IOException io
                        ? io
                        : new IOException("cannot open the client of worker " + process + ": " + e, e);
            }
        }
        long started = System.nanoTime();
        loadDeadline = duration == null ? Long.MAX_VALUE : started + duration.toNanos();
        // One stream split off per worker, in process order: independent streams, the same ones for the same seed.
        // (A seed of seed + k·0x9E3779B97F4A7C15 is the stream of seed shifted by k draws: all workers would walk one
        // sequence of keys a step apart.)
        SplittableRandom streams = new SplittableRandom(seed);
        for (int process = 0; process < workers; process++) {
            Worker worker = new Worker(process, clients.get(process), streams.split());
            Thread thread = new Thread(worker::run, "ringleader-kv-load-" + process);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    /** Ends the load after each worker's current operation; the final reads follow. Returns at once; idempotent. */
    public void stop() {
        stopRequested = true;
    }

    /**
     * Waits until the load and the final reads are over and the clients closed.
     *
     * @return true if they are, false if {@code timeout} passed first
     * @throws IllegalStateException if not started
     */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        if (state.get() == State.LATENT) {
            throw new IllegalStateException("not started");
        }
        return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The history the workers record into; complete once {@link #awaitStop} returned true. */
    public History history() {
        return history;
    }

    /** The key prefix of this run: keys are {@code <prefix>0} to {@code <prefix><keys - 1>}. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** The seed of this run, to run the same sequence of operations again. */
    public long seed() {
        return seed;
    }

    /**
     * Stops at once: interrupts the workers, so the final reads may be cut short, waits for them and closes the
     * clients. Idempotent.
     */
    @Override
    public synchronized void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        stopRequested = true;
        if (previous == State.LATENT) {
            done.countDown();
            return;
        }
        threads.forEach(Thread::interrupt);
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeClients() {
        for (KvClient client : clients) {
            try {
                client.close();
            } catch (IOException | RuntimeException e) {
                log.warn("closing a KV client failed: {}", e.toString());
            }
        }
    }

    private static String freshPrefix() {
        return String.format("r%06x-k", new SecureRandom().nextInt(1 << 24));
    }

    /** One process of the history. */
    private final class Worker {
        private final int process;
        private final KvClient client;
        private final SplittableRandom random;
        private long writes;

        Worker(int process, KvClient client, SplittableRandom random) {
            this.process = process;
            this.client = client;
            this.random = random;
        }

        void run() {
            try {
                try {
                    load();
                } finally {
                    loadDone.countDown();
                }
                loadDone.await();
                finalReads();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (running.decrementAndGet() == 0) {
                    closeClients();
                    done.countDown();
                }
            }
        }

        private void load() throws InterruptedException {
            while (!stopRequested && System.nanoTime() < loadDeadline && remaining.getAndDecrement() > 0) {
                if (!pace()) {
                    return;
                }
                double roll = random.nextDouble();
                int index = random.nextInt(keys);
                String key = keyPrefix + index;
                if (roll < readRatio) {
                    run(OpType.GET, key, null);
                } else {
                    written.add(index);
                    if (roll < readRatio + deleteRatio) {
                        run(OpType.DELETE, key, null);
                    } else {
                        run(OpType.PUT, key, "w" + process + "-" + writes++);
                    }
                }
            }
        }

        /** Waits for this operation's slot under the rate limit; false if the load ended meanwhile. */
        private boolean pace() throws InterruptedException {
            if (intervalNanos == 0) {
                return true;
            }
            long now = System.nanoTime();
            long slot = nextSlot.updateAndGet(last -> Math.max(last, now) + intervalNanos) - intervalNanos;
            for (long wait = slot - now; wait > 0; wait = slot - System.nanoTime()) {
                if (stopRequested || System.nanoTime() >= loadDeadline) {
                    return false;
                }
                LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            return true;
        }

        private void finalReads() throws InterruptedException {
            long deadline = System.nanoTime() + finalReadDeadline.toNanos();
            List<Integer> mine = written.stream()
                    .filter(index -> index % workers == process)
                    .sorted()
                    .toList();
            for (int index : mine) {
                long backoff = FIRST_RETRY_NANOS;
                while (run(OpType.GET, keyPrefix + index, null) != Outcome.OK && System.nanoTime() < deadline) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(backoff, Math.max(0, deadline - System.nanoTime())));
                    backoff = Math.min(backoff * 2, MAX_RETRY_NANOS);
                }
            }
        }

        /** Runs one operation and records it. */
        private Outcome run(OpType type, String key, String value) throws InterruptedException {
            Outcome outcome = Outcome.UNKNOWN;
            String error = null;
            String result = value;
            long invoked = System.nanoTime();
            try {
                switch (type) {
                    case PUT -> client.put(key, value);
                    case GET -> {
                        Optional<String> read = client.get(key);
                        result = read.orElse(null);
                    }
                    case DELETE -> client.delete(key);
                }
                outcome = Outcome.OK;
            } catch (KvClient.Rejected e) {
                outcome = Outcome.FAIL;
                error = e.getMessage() == null ? e.toString() : e.getMessage();
            } catch (InterruptedException e) {
                error = "interrupted";
                throw e;
            } catch (Exception e) {
                error = e.toString();
            } catch (Error e) {
                error = e.toString();
                throw e;
            } finally {
                long completed = System.nanoTime();
                String recorded = type == OpType.GET && outcome != Outcome.OK ? null : result;
                history.record(new Op(process, type, key, recorded, invoked, completed, outcome, error));
            }
            return outcome;
        }
    }

    /** Builds a {@link LoadGenerator}; every setting is checked by {@link #build()}. */
    public static final class Builder {
        private KvClient.Factory factory;
        private int workers = 4;
        private int keys = 100;
        private String keyPrefix;
        private double readRatio = 0.5;
        private double deleteRatio = 0.1;
        private Duration duration;
        private Long operations;
        private Double rate;
        private Long seed;
        private Duration finalReadDeadline = Duration.ofSeconds(30);
        private History history;

        private Builder() {}

        /**
         * Where the clients come from: the generator opens one per worker at {@link #start()} and closes each once
         * every worker is done. Required.
         */
        public Builder clients(KvClient.Factory factory) {
            this.factory = factory;
            return this;
        }

        /** How many workers (processes) run at once, at least 1; default 4. */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** How many keys the workers pick from, uniformly, at least 1; default 100. */
        public Builder keys(int keys) {
            this.keys = keys;
            return this;
        }

        /** The key prefix, not empty; default a fresh one per run, such as {@code r3fa9c1-k}. */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
            return this;
        }

        /** The share of GETs, 0 to 1; default 0.5. */
        public Builder readRatio(double readRatio) {
            this.readRatio = readRatio;
            return this;
        }

        /** The share of DELETEs, 0 to 1; default 0.1. PUTs are the rest. */
        public Builder deleteRatio(double deleteRatio) {
            this.deleteRatio = deleteRatio;
            return this;
        }

        /** How long the load runs, positive; the final reads come after. */
        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        /** How many operations the load runs, across all workers, at least 1; the final reads come after. */
        public Builder operations(long operations) {
            this.operations = operations;
            return this;
        }

        /** At most this many operations a second, across all workers, above 0 and at most 1e9; default unlimited. */
        public Builder rate(double operationsPerSecond) {
            this.rate = operationsPerSecond;
            return this;
        }

        /** The seed of the random choices, so a run can be repeated; default a random one. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** How long the final reads may keep retrying, not negative; default 30 s. */
        public Builder finalReadDeadline(Duration finalReadDeadline) {
            this.finalReadDeadline = finalReadDeadline;
            return this;
        }

        /** The history to record into; default a new one. */
        public Builder history(History history) {
            this.history = history;
            return this;
        }

        /**
         * Builds the generator.
         *
         * @throws IllegalArgumentException if a setting is out of range, or neither a duration nor an operation count
         *     is set; the message names the setting and its value
         * @throws NullPointerException if no client factory is set
         */
        public LoadGenerator build() {
            Objects.requireNonNull(factory, "clients must be set");
            check(workers >= 1, "workers must be at least 1, was " + workers);
            check(keys >= 1, "keys must be at least 1, was " + keys);
            check(keyPrefix == null || !keyPrefix.isEmpty(), "keyPrefix must not be empty");
            check(readRatio >= 0 && readRatio <= 1, "readRatio must be between 0 and 1, was " + readRatio);
            check(deleteRatio >= 0 && deleteRatio <= 1, "deleteRatio must be between 0 and 1, was " + deleteRatio);
            check(
                    readRatio + deleteRatio <= 1,
                    "readRatio + deleteRatio must be at most 1, was " + readRatio + " + " + deleteRatio);
            check(duration != null || operations != null, "duration or operations must be set");
            check(
                    duration == null || !duration.isNegative() && !duration.isZero(),
                    "duration must be positive, was " + duration);
            check(operations == null || operations >= 1, "operations must be at least 1, was " + operations);
            check(
                    rate == null || rate > 0 && rate <= 1e9,
                    "rate must be between 0 and 1e9 operations a second, was " + rate);
            Objects.requireNonNull(finalReadDeadline, "finalReadDeadline");
            check(!finalReadDeadline.isNegative(), "finalReadDeadline must not be negative, was " + finalReadDeadline);
            return new LoadGenerator(this);
        }

        private static void check(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
