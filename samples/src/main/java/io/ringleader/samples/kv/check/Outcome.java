package io.ringleader.samples.kv.check;

/** What a client learned about an operation it invoked. */
public enum Outcome {
    /** The store acknowledged it: it took effect at one instant between its invocation and its completion. */
    OK,
    /** The store refused it ({@link KvClient.Rejected}): it never took effect. */
    FAIL,
    /** The client does not know (timeout, lost connection): a write may take effect at any time after its invocation, or never. */
    UNKNOWN
}
