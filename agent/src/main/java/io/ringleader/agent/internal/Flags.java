package io.ringleader.agent.internal;

/**
 * Reads an on/off setting as operators write it: {@code true} or {@code false}, in any case. Internal: shared by the
 * settings of the agent, the coordinator and the admin CLI; not part of the API.
 */
public final class Flags {
    private Flags() {}

    /**
     * Whether the setting {@code key} is on.
     *
     * @param value the setting's value, or null if it is not set (off)
     * @throws IllegalArgumentException naming the key and the value if it is neither true nor false
     */
    public static boolean parse(String key, String value) {
        String v = value == null ? "false" : value.trim();
        if ("true".equalsIgnoreCase(v)) {
            return true;
        }
        if ("false".equalsIgnoreCase(v)) {
            return false;
        }
        throw new IllegalArgumentException(key + " must be true or false, was '" + value + "'");
    }
}
