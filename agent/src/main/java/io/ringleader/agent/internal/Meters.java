package io.ringleader.agent.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * The meters one agent component registers in the service's Micrometer registry, all carrying the tags that name
 * the agent ({@code cluster}, {@code member}), and removed from the registry again by {@link #close()}. Without a
 * registry ({@link #none()}) every meter is a no-op. Internal to the agent: not part of its API.
 */
public final class Meters implements AutoCloseable {
    private static final Duration TIMER_MIN = Duration.ofMillis(1);
    private static final Duration TIMER_MAX = Duration.ofMinutes(1);

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> registered = new CopyOnWriteArrayList<>();

    /** Meters in {@code registry} (null for no-op meters), each tagged with {@code tags}. */
    public Meters(MeterRegistry registry, Tags tags) {
        // A composite registry without children hands out no-op meters.
        this.registry = registry != null ? registry : new CompositeMeterRegistry();
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    /** No-op meters. */
    public static Meters none() {
        return new Meters(null, Tags.empty());
    }

    /** A counter named {@code name} with the common tags and {@code extraTags} (key, value, …). */
    public Counter counter(String name, String description, String... extraTags) {
        return kept(Counter.builder(name)
                .description(description)
                .tags(tags.and(extraTags))
                .register(registry));
    }

    /** A timer with a percentile histogram (Prometheus buckets from 1 ms to 1 min). */
    public Timer timer(String name, String description) {
        return kept(Timer.builder(name)
                .description(description)
                .tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(TIMER_MIN)
                .maximumExpectedValue(TIMER_MAX)
                .register(registry));
    }

    /** A gauge that reads {@code f} of {@code state} (held strongly until {@link #close()}) on every scrape. */
    public <T> void gauge(String name, String description, T state, ToDoubleFunction<T> f, String... extraTags) {
        kept(Gauge.builder(name, state, f)
                .description(description)
                .tags(tags.and(extraTags))
                .strongReference(true)
                .register(registry));
    }

    private <M extends Meter> M kept(M meter) {
        registered.add(meter);
        return meter;
    }

    /** Removes every meter registered through this object from the registry. Idempotent. */
    @Override
    public void close() {
        for (Meter m : registered) {
            registry.remove(m);
        }
        registered.clear();
    }
}
