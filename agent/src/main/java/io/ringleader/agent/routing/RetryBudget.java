package io.ringleader.agent.routing;

import java.util.Arrays;

/**
 * Retry throttling over a sliding window of ten buckets: a retry is allowed while the window's retries stay at most
 * {@code ratio × calls + minPerSecond × window seconds}. Thread-safe (one short lock).
 */
final class RetryBudget {
    private static final int BUCKETS = 10;

    private final double ratio;
    private final double reserve;
    private final long bucketNanos;
    private final long[] calls = new long[BUCKETS];
    private final long[] retries = new long[BUCKETS];
    private long bucket = Long.MIN_VALUE;

    RetryBudget(double ratio, int minPerSecond, long windowNanos) {
        this.ratio = ratio;
        this.reserve = minPerSecond * (windowNanos / 1e9);
        this.bucketNanos = Math.max(1, windowNanos / BUCKETS);
    }

    /** Counts a call. */
    synchronized void onCall(long nanos) {
        roll(nanos);
        calls[index(bucket)]++;
    }

    /** Takes one retry if the budget allows it. */
    synchronized boolean tryRetry(long nanos) {
        roll(nanos);
        long c = 0;
        long r = 0;
        for (int i = 0; i < BUCKETS; i++) {
            c += calls[i];
            r += retries[i];
        }
        if (r + 1 > ratio * c + reserve) {
            return false;
        }
        retries[index(bucket)]++;
        return true;
    }

    private void roll(long nanos) {
        long now = Math.floorDiv(nanos, bucketNanos);
        if (bucket == Long.MIN_VALUE || now - bucket >= BUCKETS) {
            Arrays.fill(calls, 0);
            Arrays.fill(retries, 0);
        } else {
            for (long b = bucket + 1; b <= now; b++) {
                calls[index(b)] = 0;
                retries[index(b)] = 0;
            }
        }
        if (bucket == Long.MIN_VALUE || now > bucket) {
            bucket = now;
        }
    }

    private static int index(long b) {
        return (int) Math.floorMod(b, (long) BUCKETS);
    }
}
