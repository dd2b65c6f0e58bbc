package io.ringleader.agent.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.layout.RecordFields;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encodes and decodes event records, format {@value #FORMAT}:
 *
 * <pre>{@code
 * {"format":1,"type":"member-left","at":1763820191207,"member":"kv-2","epoch":6703}
 * }</pre>
 *
 * <p>{@code member} and {@code epoch} may be absent; every other field is a detail of the type. Unknown types and
 * fields are kept, so that a later version may add them without a new format number. An encoded event is at most
 * {@value #MAX_BYTES} bytes.
 */
public final class EventCodec {

    /** The record format this codec writes and reads. */
    public static final int FORMAT = 1;

    /** The size budget of one encoded event. */
    public static final int MAX_BYTES = 4 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Object> ANY = new TypeReference<>() {};

    private EventCodec() {}

    /**
     * Encodes an event as UTF-8 JSON.
     *
     * @throws IllegalArgumentException if a detail cannot be written as JSON, or the encoded event is over {@value
     *     #MAX_BYTES} bytes
     */
    public static byte[] encode(Event event) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("type", event.type());
        root.put("at", event.at());
        if (event.member() != null) {
            root.put("member", event.member());
        }
        if (event.epoch() != null) {
            root.put("epoch", event.epoch());
        }
        event.details().forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode event " + event.type() + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("event " + event.type() + " is " + bytes.length
                    + " bytes, over the budget of " + MAX_BYTES + " bytes");
        }
        return bytes;
    }

    /**
     * Decodes the event stored at {@code path} under {@code sequence}.
     *
     * @throws MalformedRecordException naming the path and the first problem
     */
    public static Event decode(String path, long sequence, byte[] data) throws MalformedRecordException {
        JsonNode root = RecordFields.record(path, data, "event record", MAX_BYTES, FORMAT);
        JsonNode type = root.get("type");
        if (type == null || !type.isTextual() || type.textValue().isBlank()) {
            throw new MalformedRecordException(path, "field 'type' is missing or not a string");
        }
        JsonNode at = root.get("at");
        if (at == null || !at.isIntegralNumber() || !at.canConvertToLong()) {
            throw new MalformedRecordException(path, "field 'at' is missing or not an integer");
        }
        JsonNode member = root.get("member");
        if (member != null && !member.isNull() && !member.isTextual()) {
            throw new MalformedRecordException(path, "field 'member' is not a string");
        }
        JsonNode epoch = root.get("epoch");
        if (epoch != null && !epoch.isNull() && (!epoch.isIntegralNumber() || !epoch.canConvertToLong())) {
            throw new MalformedRecordException(path, "field 'epoch' is not an integer");
        }
        Map<String, Object> details = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!Event.RESERVED.contains(e.getKey())) {
                details.put(e.getKey(), JSON.convertValue(e.getValue(), ANY));
            }
        }
        return new Event(
                sequence,
                type.textValue(),
                at.longValue(),
                member == null || member.isNull() ? null : member.textValue(),
                epoch == null || epoch.isNull() ? null : epoch.longValue(),
                details);
    }
}
