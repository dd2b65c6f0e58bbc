package io.ringleader.agent.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reading the fields of a JSON record, with messages that name the field; shared by the record codecs. */
public final class RecordFields {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordFields() {}

    /**
     * Parses a record's bytes as a JSON object with the integer field {@code format} equal to {@code format}.
     *
     * @param what the record's name in messages, for example {@code "event record"}
     * @throws MalformedRecordException naming the path and the first problem: empty, over {@code maxBytes}, not
     *     JSON, not an object, no integer format, another format
     */
    public static JsonNode record(String path, byte[] data, String what, int maxBytes, int format)
            throws MalformedRecordException {
        if (data == null || data.length == 0) {
            throw new MalformedRecordException(path, "empty " + what);
        }
        if (data.length > maxBytes) {
            throw new MalformedRecordException(
                    path, what + " of " + data.length + " bytes is over the budget of " + maxBytes + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(data);
        } catch (Exception e) {
            throw new MalformedRecordException(path, "not JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedRecordException(path, what + " is not a JSON object");
        }
        JsonNode found = root.get("format");
        if (found == null || !found.isIntegralNumber() || !found.canConvertToInt()) {
            throw new MalformedRecordException(path, what + " has no integer 'format' field");
        }
        if (found.intValue() != format) {
            throw new MalformedRecordException(
                    path,
                    what + " format " + found.intValue() + " is not supported (this reader reads " + format + ")");
        }
        return root;
    }

    /**
     * The string field {@code field} of {@code node}.
     *
     * @throws IllegalArgumentException naming the field if it is missing or not a string
     */
    public static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not a string");
        }
        return value.textValue();
    }

    /**
     * The integer field {@code field} of {@code node}.
     *
     * @throws IllegalArgumentException naming the field if it is missing or not an int
     */
    public static int integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not an integer");
        }
        return value.intValue();
    }

    /** The first line of a parser's message, so that an error stays one line. */
    public static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
