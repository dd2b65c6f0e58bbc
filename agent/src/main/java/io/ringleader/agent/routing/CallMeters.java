package io.ringleader.agent.routing;

import io.micrometer.core.instrument.Counter;
import io.ringleader.agent.internal.Meters;
import java.util.concurrent.TimeoutException;

/**
 * The call helper's meters, shared by every {@link Caller} of one router: how calls ended (by outcome) and what
 * their attempts did.
 */
final class CallMeters {
    static final CallMeters NONE = new CallMeters(Meters.none());

    final Counter attempts;
    final Counter retries;
    final Counter fallbacks;
    final Counter timeouts;
    final Counter budgetRefusals;
    final Counter circuitOpens;
    private final Counter succeeded;
    private final Counter timedOut;
    private final Counter staleEpoch;
    private final Counter circuitOpen;
    private final Counter noRoute;
    private final Counter failed;

    CallMeters(Meters meters) {
        attempts = meters.counter("ringleader.call.attempts", "attempts sent to a member, first attempts included");
        retries = meters.counter("ringleader.call.retries", "attempts after the first of their call");
        fallbacks = meters.counter(
                "ringleader.call.fallbacks", "read attempts sent to a replica that is not the key's primary");
        timeouts = meters.counter("ringleader.call.timeouts", "attempts that outlived the per-attempt timeout");
        budgetRefusals = meters.counter(
                "ringleader.call.budget.refusals", "retries not made because the retry budget was spent");
        circuitOpens = meters.counter("ringleader.call.circuit.opens", "times a member's circuit opened");
        String calls = "ringleader.calls";
        String description = "calls through the call helper, by how they ended";
        succeeded = meters.counter(calls, description, "outcome", "success");
        timedOut = meters.counter(calls, description, "outcome", "timeout");
        staleEpoch = meters.counter(calls, description, "outcome", "stale_epoch");
        circuitOpen = meters.counter(calls, description, "outcome", "circuit_open");
        noRoute = meters.counter(calls, description, "outcome", "no_route");
        failed = meters.counter(calls, description, "outcome", "error");
    }

    void succeeded() {
        succeeded.increment();
    }

    /** A call that ended with {@code e}. */
    void failed(Exception e) {
        Counter c;
        if (e instanceof TimeoutException) {
            c = timedOut;
        } else if (e instanceof StaleEpochException) {
            c = staleEpoch;
        } else if (e instanceof CircuitOpenException) {
            c = circuitOpen;
        } else if (e instanceof NoRouteException) {
            c = noRoute;
        } else {
            c = failed;
        }
        c.increment();
    }
}
