package io.ringleader.samples.kv.check;

/** The operations on a key: each key is a register, initially absent. */
public enum OpType {
    /** Sets the key to a value. */
    PUT,
    /** Reads the key's value, or absent. */
    GET,
    /** Makes the key absent. */
    DELETE;

    /** Whether the operation changes the key. */
    public boolean isWrite() {
        return this != GET;
    }
}
