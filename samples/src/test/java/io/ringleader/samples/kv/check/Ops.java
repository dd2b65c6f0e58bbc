package io.ringleader.samples.kv.check;

import java.util.List;

/** Hand-made operations for tests; times are in microseconds. */
final class Ops {
    private Ops() {}

    static Op put(int process, String key, String value, long invoke, long complete) {
        return new Op(process, OpType.PUT, key, value, invoke * 1_000, complete * 1_000, Outcome.OK, null);
    }

    static Op putFailed(int process, String key, String value, long invoke, long complete) {
        return new Op(process, OpType.PUT, key, value, invoke * 1_000, complete * 1_000, Outcome.FAIL, "no primary");
    }

    static Op putUnknown(int process, String key, String value, long invoke, long complete) {
        return new Op(process, OpType.PUT, key, value, invoke * 1_000, complete * 1_000, Outcome.UNKNOWN, "timeout");
    }

    static Op delete(int process, String key, long invoke, long complete) {
        return new Op(process, OpType.DELETE, key, null, invoke * 1_000, complete * 1_000, Outcome.OK, null);
    }

    static Op deleteUnknown(int process, String key, long invoke, long complete) {
        return new Op(process, OpType.DELETE, key, null, invoke * 1_000, complete * 1_000, Outcome.UNKNOWN, "timeout");
    }

    /** A successful read; {@code value} null means the key was absent. */
    static Op get(int process, String key, String value, long invoke, long complete) {
        return new Op(process, OpType.GET, key, value, invoke * 1_000, complete * 1_000, Outcome.OK, null);
    }

    static Op getFailed(int process, String key, long invoke, long complete) {
        return new Op(process, OpType.GET, key, null, invoke * 1_000, complete * 1_000, Outcome.FAIL, "no primary");
    }

    static History history(Op... ops) {
        return History.of(List.of(ops));
    }
}
