package io.ringleader.samples.kv.check;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The operations of a run, in the order they were recorded. Recording is thread-safe, so every worker records into
 * one history.
 *
 * <p>A history is written as JSON lines, one operation a line, so that it can be checked offline:
 *
 * <pre>{@code
 * {"process":3,"type":"PUT","key":"k17","value":"w3-41","invoke":81234500,"complete":81301200,"outcome":"OK"}
 * {"process":1,"type":"GET","key":"k17","invoke":81240000,"complete":82000000,"outcome":"UNKNOWN","error":"timeout"}
 * }</pre>
 *
 * <p>{@code value} and {@code error} are left out when null; blank lines and unknown fields are ignored.
 */
public final class History {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory JSON_FACTORY = JSON.getFactory()
            .copy()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .setRootValueSeparator("");

    private final List<Op> ops = new ArrayList<>();

    /** Creates an empty history. */
    public History() {}

    /** A history holding {@code ops}, in that order. */
    public static History of(List<Op> ops) {
        History history = new History();
        ops.forEach(history::record);
        return history;
    }

    /**
     * Appends an operation once its outcome is known.
     *
     * @throws NullPointerException if {@code op} is null
     */
    public void record(Op op) {
        Objects.requireNonNull(op, "op");
        synchronized (ops) {
            ops.add(op);
        }
    }

    /** An immutable snapshot of the operations recorded so far, in the order they were recorded. */
    public List<Op> ops() {
        synchronized (ops) {
            return List.copyOf(ops);
        }
    }

    /** How many operations were recorded so far. */
    public int size() {
        synchronized (ops) {
            return ops.size();
        }
    }

    /** Writes the history to {@code file} as JSON lines, replacing the file. */
    public void write(Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            write(out);
        }
    }

    /** Writes the history to {@code out} as JSON lines; {@code out} stays open. */
    public void write(Writer out) throws IOException {
        try (JsonGenerator json = JSON_FACTORY.createGenerator(out)) {
            for (Op op : ops()) {
                json.writeStartObject();
                json.writeNumberField("process", op.process());
                json.writeStringField("type", op.type().name());
                json.writeStringField("key", op.key());
                if (op.value() != null) {
                    json.writeStringField("value", op.value());
                }
                json.writeNumberField("invoke", op.invokeNanos());
                json.writeNumberField("complete", op.completeNanos());
                json.writeStringField("outcome", op.outcome().name());
                if (op.error() != null) {
                    json.writeStringField("error", op.error());
                }
                json.writeEndObject();
                json.writeRaw('\n');
            }
        }
        out.flush();
    }

    /**
     * Reads a history written by {@link #write(Path)}.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such file
     * @throws MalformedHistoryException if a line is not an operation
     * @throws IOException if the file cannot be read
     */
    public static History read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads a history written by {@link #write(Writer)}; {@code source} names it in error messages.
     *
     * @throws MalformedHistoryException if a line is not an operation
     * @throws IOException if {@code in} cannot be read
     */
    public static History read(Reader in, String source) throws IOException {
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        History history = new History();
        int number = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            try {
                history.record(parse(line));
            } catch (JsonProcessingException e) {
                throw new MalformedHistoryException(source, number, "not JSON: " + e.getOriginalMessage(), e);
            } catch (IllegalArgumentException | NullPointerException | ArithmeticException e) {
                throw new MalformedHistoryException(source, number, "not an operation: " + e.getMessage(), e);
            }
        }
        return history;
    }

    private static Op parse(String line) throws JsonProcessingException {
        JsonNode node = JSON.readTree(line);
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        return new Op(
                Math.toIntExact(integer(node, "process")),
                constant(node, "type", OpType.class),
                text(node, "key"),
                optionalText(node, "value"),
                integer(node, "invoke"),
                integer(node, "complete"),
                constant(node, "outcome", Outcome.class),
                optionalText(node, "error"));
    }

    private static long integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + field + "' must be an integer, was " + value);
        }
        return value.longValue();
    }

    private static <E extends Enum<E>> E constant(JsonNode node, String field, Class<E> type) {
        String name = text(node, field);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(name)) {
                return constant;
            }
        }
        throw new IllegalArgumentException("field '" + field + "' must be one of "
                + Arrays.toString(type.getEnumConstants()) + ", was \"" + name + "\"");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' must be a string, was " + value);
        }
        return value.textValue();
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : text(node, field);
    }
}
