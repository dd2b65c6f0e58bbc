package io.ringleader.samples.kv.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
    private static final List<Op> OPS = List.of(
            new Op(3, OpType.PUT, "k17", "w3-41", 81_234_500, 81_301_200, Outcome.OK, null),
            new Op(1, OpType.GET, "k17", null, 81_240_000, 82_000_000, Outcome.UNKNOWN, "timeout"),
            new Op(2, OpType.GET, "k17", "w3-41", 81_250_000, 81_260_000, Outcome.OK, null),
            new Op(2, OpType.DELETE, "k \"quoted\"", null, 81_270_000, 81_280_000, Outcome.FAIL, "no primary"));

    @Test
    void writtenHistory_readsBackTheSameOperations(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("history.jsonl");

        History.of(OPS).write(file);

        assertThat(History.read(file).ops()).isEqualTo(OPS);
        assertThat(Files.readAllLines(file))
                .hasSize(4)
                .first()
                .isEqualTo("{\"process\":3,\"type\":\"PUT\",\"key\":\"k17\",\"value\":\"w3-41\",\"invoke\":81234500,"
                        + "\"complete\":81301200,\"outcome\":\"OK\"}");
    }

    @Test
    void blankLinesAndUnknownFields_areIgnored() throws IOException {
        String text = "\n{\"process\":1,\"type\":\"GET\",\"key\":\"k\",\"invoke\":1,\"complete\":2,\"outcome\":\"OK\","
                + "\"extra\":true}\n\n";

        History history = History.read(new StringReader(text), "h");

        assertThat(history.ops()).containsExactly(new Op(1, OpType.GET, "k", null, 1, 2, Outcome.OK, null));
    }

    @Test
    void corruptLines_areRejected_namingTheLineAndTheProblem() {
        assertThat(readError("{\"process\":1,\"type\":\"PUT\",\"key\":\"k\",\"value\":\"v\",\"invoke\":1,"
                        + "\"complete\":2,\"outcome\":\"OK\"}\nnot json"))
                .startsWith("h line 2: not JSON: ");
        assertThat(readError("{\"process\":1,\"type\":\"PUT\",\"key\":\"k\",\"invoke\":1,\"complete\":2,"
                        + "\"outcome\":\"OK\"}"))
                .isEqualTo("h line 1: not an operation: value of a PUT");
        assertThat(readError("{\"process\":1,\"type\":\"CAS\",\"key\":\"k\",\"invoke\":1,\"complete\":2,"
                        + "\"outcome\":\"OK\"}"))
                .isEqualTo("h line 1: not an operation: field 'type' must be one of [PUT, GET, DELETE], was \"CAS\"");
        assertThat(readError("{\"process\":1,\"type\":\"GET\",\"key\":\"k\",\"invoke\":\"soon\",\"complete\":2,"
                        + "\"outcome\":\"OK\"}"))
                .isEqualTo("h line 1: not an operation: field 'invoke' must be an integer, was \"soon\"");
        assertThat(readError("{\"process\":1,\"type\":\"GET\",\"key\":\"k\",\"invoke\":3,\"complete\":2,"
                        + "\"outcome\":\"OK\"}"))
                .isEqualTo("h line 1: not an operation: completeNanos must not be before invokeNanos, was 2 < 3");
        assertThat(readError("[1,2]")).isEqualTo("h line 1: not an operation: expected a JSON object");
    }

    @Test
    void missingFile_isNoSuchFile(@TempDir Path dir) {
        assertThatThrownBy(() -> History.read(dir.resolve("nope.jsonl"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void concurrentRecording_keepsEveryOperation() throws Exception {
        History history = new History();
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> new Thread(r, "history-test-recorder"));
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (int p = 0; p < 4; p++) {
                int process = p;
                pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 1_000; i++) {
                        history.record(new Op(process, OpType.GET, "k", null, i, i, Outcome.OK, null));
                    }
                    return null;
                });
            }
            go.countDown();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(history.size()).isEqualTo(4_000);
        StringWriter out = new StringWriter();
        history.write(out);
        assertThat(out.toString().lines()).hasSize(4_000);
    }

    private static String readError(String text) {
        try {
            History.read(new StringReader(text), "h");
        } catch (MalformedHistoryException e) {
            return e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("read without error: " + text);
    }
}
