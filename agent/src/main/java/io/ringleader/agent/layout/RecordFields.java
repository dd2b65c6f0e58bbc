package io.ringleader.agent.layout;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading the fields of a JSON record, with messages that name the field; shared by the record codecs. */
public final class RecordFields {
    private RecordFields() {}

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
