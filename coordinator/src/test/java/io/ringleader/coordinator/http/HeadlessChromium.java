package io.ringleader.coordinator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A page open in a headless Chromium from the system's packages, driven through the DevTools protocol over the JDK's
 * own WebSocket client: no WebDriver, no Selenium. {@link #evaluate} runs JavaScript in the live page, so a test
 * sees the page update without reloading it.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration CALL = Duration.ofSeconds(20);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /**
     * The Chromium executable: {@code RINGLEADER_CHROMIUM}, else {@code chromium}, {@code chromium-browser} or
     * {@code google-chrome} on the PATH.
     */
    static Optional<Path> executable() {
        String configured = System.getenv("RINGLEADER_CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        String pathVariable = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : pathVariable.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** Starts {@code chromium} headless on a window of {@code width}×{@code height} showing {@code url}. */
    static HeadlessChromium open(Path chromium, String url, int width, int height) throws Exception {
        Path profile = Files.createTempDirectory("ringleader-chromium-");
        Process process = new ProcessBuilder(
                        chromium.toString(),
                        "--headless",
                        "--no-sandbox", // tests run as root in CI containers, where the sandbox cannot start
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--no-first-run",
                        "--no-default-browser-check",
                        "--hide-scrollbars",
                        "--remote-debugging-address=127.0.0.1",
                        "--remote-debugging-port=0",
                        "--user-data-dir=" + profile,
                        "--window-size=" + width + "," + height,
                        url)
                .redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile())
                .start();
        try {
            int port = debuggingPort(process, profile);
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = null;
            Instant deadline = Instant.now().plus(START);
            while (pageSocket == null) {
                JsonNode targets = JSON.readTree(http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body());
                for (JsonNode t : targets) {
                    if (t.path("type").asText().equals("page")) {
                        pageSocket = t.path("webSocketDebuggerUrl").asText();
                    }
                }
                if (pageSocket == null) {
                    if (Instant.now().isAfter(deadline)) {
                        throw new IOException("Chromium opened no page within " + START);
                    }
                    Thread.sleep(100); // polling Chromium's target list, not asserting
                }
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket socket = http.newWebSocketBuilder()
                    .buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                        private final StringBuilder message = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            message.append(data);
                            if (last) {
                                self[0].onMessage(message.toString());
                                message.setLength(0);
                            }
                            ws.request(1);
                            return null;
                        }
                    })
                    .get(START.toSeconds(), TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(process, profile, socket);
            return self[0];
        } catch (Exception e) {
            try {
                stop(process);
                deleteProfile(profile);
            } catch (Exception cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The port Chromium writes to {@code DevToolsActivePort} in its profile once it listens. */
    private static int debuggingPort(Process process, Path profile) throws Exception {
        Path file = profile.resolve("DevToolsActivePort");
        Instant deadline = Instant.now().plus(START);
        while (true) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                    return Integer.parseInt(lines.get(0).trim());
                }
            }
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                String log = Files.exists(profile.resolve("chromium.log"))
                        ? Files.readString(profile.resolve("chromium.log"))
                        : "";
                throw new IOException("Chromium did not open its DevTools port (exit "
                        + (process.isAlive() ? "none yet" : process.exitValue()) + "): " + log);
            }
            Thread.sleep(100); // waiting for Chromium's file, not asserting
        }
    }

    private void onMessage(String text) {
        try {
            JsonNode message = JSON.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> call =
                        pending.remove(message.get("id").asInt());
                if (call != null) {
                    call.complete(message);
                }
            }
        } catch (IOException e) {
            // not JSON: the protocol never sends that
        }
    }

    /** Calls a DevTools method and returns its {@code result}. */
    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode request = JSON.createObjectNode();
        request.put("id", id);
        request.put("method", method);
        request.set("params", params);
        socket.sendText(JSON.writeValueAsString(request), true).get(CALL.toSeconds(), TimeUnit.SECONDS);
        JsonNode message = answer.get(CALL.toSeconds(), TimeUnit.SECONDS);
        if (message.has("error")) {
            throw new IOException(method + " failed: " + message.get("error"));
        }
        return message.get("result");
    }

    /** The value of a JavaScript expression evaluated in the page (a promise is awaited). */
    JsonNode evaluate(String expression) throws Exception {
        ObjectNode params = JSON.createObjectNode();
        params.put("expression", expression);
        params.put("returnByValue", true);
        params.put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IOException("the page threw: " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** Writes a PNG of the page as it shows now. */
    void screenshot(Path png) throws Exception {
        ObjectNode params = JSON.createObjectNode();
        params.put("format", "png");
        JsonNode result = call("Page.captureScreenshot", params);
        Files.write(png, Base64.getDecoder().decode(result.get("data").asText()));
    }

    /** Stops Chromium (this process only) and deletes its profile. */
    @Override
    public void close() throws Exception {
        socket.abort();
        stop(process);
        deleteProfile(profile);
    }

    /** Kills Chromium and its renderer and helper processes (they would outlive it otherwise). */
    private static void stop(Process process) throws Exception {
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle child : children) {
            try {
                child.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException stillThere) {
                // killed, gone later; deleting the profile may then fail, which the caller reports
            }
        }
    }

    private static void deleteProfile(Path profile) throws IOException {
        try (Stream<Path> files = Files.walk(profile)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
