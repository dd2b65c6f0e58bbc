package io.ringleader.samples.kv.check;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/**
 * A client of a key-value store, as the {@link LoadGenerator} drives it: one call per operation, blocking until the
 * store answers or the client gives up.
 *
 * <p>An operation that returns normally was applied (a write) or observed the store (a read). One that throws {@link
 * Rejected} was definitely not applied. Any other exception means the outcome is unknown: a write may or may not
 * have been applied, now or later. A client must give up on its own after a bounded time; the load generator does
 * not time operations out.
 */
public interface KvClient extends Closeable {

    /**
     * Sets {@code key} to {@code value}.
     *
     * @throws Rejected if the store did not apply the write
     * @throws Exception if the outcome is unknown
     */
    void put(String key, String value) throws Exception;

    /**
     * Reads {@code key}.
     *
     * @return the value, or empty if the key is absent
     * @throws Rejected if the store did not serve the read
     * @throws Exception if the read failed otherwise
     */
    Optional<String> get(String key) throws Exception;

    /**
     * Removes {@code key}; removing an absent key succeeds.
     *
     * @throws Rejected if the store did not apply the delete
     * @throws Exception if the outcome is unknown
     */
    void delete(String key) throws Exception;

    /** Releases the client's resources; the default does nothing. Calling it again has no effect. */
    @Override
    default void close() throws IOException {}

    /** Opens the client a worker uses. */
    @FunctionalInterface
    interface Factory {
        /**
         * Opens a client for worker {@code process}. A factory may hand every worker the same client if that client
         * is thread-safe and its {@link KvClient#close} is idempotent.
         *
         * @throws Exception if the client cannot be opened
         */
        KvClient open(int process) throws Exception;
    }

    /**
     * The store's answer that an operation was not applied, e.g. there is no primary for the key, or the node's epoch
     * was stale before it applied anything. A client throws it only when it knows.
     */
    final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        /** Creates the exception; {@code message} says why the store refused, e.g. {@code no primary for slot 17}. */
        public Rejected(String message) {
            super(message);
        }

        /** Creates the exception with the underlying cause. */
        public Rejected(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
