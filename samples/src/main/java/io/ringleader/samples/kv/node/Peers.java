package io.ringleader.samples.kv.node;

import io.ringleader.samples.kv.node.Wire.CatchUpAnswer;
import io.ringleader.samples.kv.node.Wire.CatchUpRequest;
import io.ringleader.samples.kv.node.Wire.Problem;
import io.ringleader.samples.kv.node.Wire.SlotMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The node's calls to other nodes: replicate, confirm, catch up, hand back. One HTTP/1.1 client, connections kept
 * alive.
 */
final class Peers {

    /** A peer refused or failed a message; {@code stale} when it refused our epoch or our claim to be primary. */
    static final class PeerException extends Exception {
        private final boolean stale;

        PeerException(String message, boolean stale) {
            super(message);
            this.stale = stale;
        }

        boolean stale() {
            return stale;
        }
    }

    /** Where a message goes. */
    record Address(String id, String host, int port) {}

    private final HttpClient http;
    private final Duration timeout;
    private final Duration fetchTimeout;

    /**
     * @param timeout how long a replicate or confirm message may take
     * @param fetchTimeout how long a catch-up copy may take
     */
    Peers(ExecutorService executor, Duration timeout, Duration fetchTimeout) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .executor(executor)
                .build();
        this.timeout = timeout;
        this.fetchTimeout = fetchTimeout;
    }

    /**
     * Sends {@code message} to {@code path} on every address at once and waits for all.
     *
     * @return the refusals and failures by member id; empty if every member accepted
     */
    Map<String, PeerException> sendAll(String path, SlotMessage message, List<Address> to) throws InterruptedException {
        byte[] body = encode(message);
        return callAll(path, to, a -> body, timeout);
    }

    /** Sends each address its own message to {@code path}, all at once, and waits for all at most {@code wait}. */
    Map<String, PeerException> postAll(String path, Map<Address, ?> messages, Duration wait)
            throws InterruptedException {
        return callAll(path, List.copyOf(messages.keySet()), a -> encode(messages.get(a)), wait);
    }

    /** Posts {@code bodyOf(a)} to {@code path} on every address {@code a} at once; waits for all at most {@code wait}. */
    private Map<String, PeerException> callAll(
            String path, List<Address> to, Function<Address, byte[]> bodyOf, Duration wait)
            throws InterruptedException {
        Map<Address, CompletableFuture<HttpResponse<byte[]>>> calls = new LinkedHashMap<>();
        for (Address a : to) {
            calls.put(
                    a,
                    http.sendAsync(request(a, path, bodyOf.apply(a), wait), HttpResponse.BodyHandlers.ofByteArray()));
        }
        Map<String, PeerException> failures = new LinkedHashMap<>();
        for (Map.Entry<Address, CompletableFuture<HttpResponse<byte[]>>> c : calls.entrySet()) {
            PeerException failure = check(c.getKey(), c.getValue(), wait);
            if (failure != null) {
                failures.put(c.getKey().id(), failure);
            }
        }
        return failures;
    }

    /** Asks one member for slots' entries. */
    CatchUpAnswer fetch(String path, CatchUpRequest message, Address from) throws PeerException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(
                request(from, path, encode(message), fetchTimeout), HttpResponse.BodyHandlers.ofByteArray());
        PeerException failure = check(from, call, fetchTimeout);
        if (failure != null) {
            throw failure;
        }
        try {
            return Wire.JSON.readValue(call.join().body(), CatchUpAnswer.class);
        } catch (IOException e) {
            throw new PeerException(from.id() + " sent an unreadable answer: " + e.getMessage(), false);
        }
    }

    private static PeerException check(Address a, CompletableFuture<HttpResponse<byte[]>> call, Duration timeout)
            throws InterruptedException {
        HttpResponse<byte[]> response;
        try {
            response = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            return new PeerException(a.id() + " did not answer within " + timeout.toMillis() + " ms", false);
        } catch (ExecutionException e) {
            return new PeerException(a.id() + " unreachable: " + e.getCause(), false);
        }
        if (response.statusCode() == 200) {
            return null;
        }
        String reason;
        try {
            reason = Wire.JSON.readValue(response.body(), Problem.class).message();
        } catch (IOException e) {
            reason = "status " + response.statusCode();
        }
        return new PeerException(a.id() + " refused: " + reason, response.statusCode() == 409);
    }

    private static HttpRequest request(Address a, String path, byte[] body, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://" + a.host() + ":" + a.port() + path))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    private static byte[] encode(Object message) {
        try {
            return Wire.JSON.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
