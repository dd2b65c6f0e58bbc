package io.ringleader.coordinator;

import static io.ringleader.agent.layout.RecordFields.firstLine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.Durations;
import io.ringleader.agent.layout.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Encodes and decodes the operator config znode ({@code <root>/<cluster>/config}), format {@value #FORMAT}.
 *
 * <pre>{@code
 * {"format":1,"weights":{"kv-1":2},"drained":["kv-3"],"spares":["kv-9"],"rebalanceDelay":"PT1M",
 *  "rebalanceRequests":4,"failedOverSlots":{"17":"kv-2"},"failedOverMembers":["kv-4"]}
 * }</pre>
 *
 * <p>Every field but {@code format} may be left out: no weight overrides, none drained, no spares, the
 * coordinator's own rebalance delay ({@code null} also means that), no request, no failover ({@code failedOverSlots}
 * and {@code failedOverMembers} came later in format 1: a reader that predates them ignores them, and a record
 * without them has none). {@code failedOverSlots} is keyed by the slot number in decimal. {@code rebalanceDelay} is written in
 * ISO-8601 and read in any form {@link Durations#parse} takes. Unknown fields are ignored; any other {@code format}
 * number is rejected. An encoded config is at most {@value #MAX_BYTES} bytes.
 */
public final class OperatorConfigCodec {

    /** The record format this codec writes and reads. */
    public static final int FORMAT = 1;

    /** The size budget of an encoded config, a quarter of ZooKeeper's default {@code jute.maxbuffer} of 1 MB. */
    public static final int MAX_BYTES = 256 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private OperatorConfigCodec() {}

    /**
     * Encodes a config as UTF-8 JSON.
     *
     * @throws IllegalArgumentException if the encoded config is over {@value #MAX_BYTES} bytes; the message names its
     *     size and the budget
     */
    public static byte[] encode(OperatorConfig config) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(toTree(config));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the operator config", e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("the operator config is " + bytes.length + " bytes, over the budget of "
                    + MAX_BYTES + " bytes (" + config.ids().size() + " members named, "
                    + config.failedOverSlots().size() + " slots failed over)");
        }
        return bytes;
    }

    /** The config as a JSON tree, as {@link #encode} writes it. */
    public static ObjectNode toTree(OperatorConfig config) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode weights = root.putObject("weights");
        config.weights().forEach(weights::put);
        ArrayNode drained = root.putArray("drained");
        config.drained().forEach(drained::add);
        ArrayNode spares = root.putArray("spares");
        config.spares().forEach(spares::add);
        if (config.rebalanceDelay() == null) {
            root.putNull("rebalanceDelay");
        } else {
            root.put("rebalanceDelay", config.rebalanceDelay().toString());
        }
        root.put("rebalanceRequests", config.rebalanceRequests());
        ObjectNode slots = root.putObject("failedOverSlots");
        config.failedOverSlots().forEach((slot, id) -> slots.put(Integer.toString(slot), id));
        ArrayNode members = root.putArray("failedOverMembers");
        config.failedOverMembers().forEach(members::add);
        return root;
    }

    /**
     * Decodes the config stored at {@code path}.
     *
     * @param path the znode path (or file name), used in error messages
     * @throws MalformedRecordException naming the path and the first problem found: empty or over the budget, not
     *     JSON, an unknown format, a field of the wrong type, an invalid member id, a weight, delay or slot out of
     *     range
     */
    public static OperatorConfig decode(String path, byte[] data) throws MalformedRecordException {
        if (data == null || data.length == 0) {
            throw new MalformedRecordException(path, "empty operator config");
        }
        if (data.length > MAX_BYTES) {
            throw new MalformedRecordException(
                    path, "operator config of " + data.length + " bytes is over the budget of " + MAX_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(data);
        } catch (Exception e) {
            throw new MalformedRecordException(path, "not JSON (" + firstLine(e.getMessage()) + ")");
        }
        return fromTree(path, root);
    }

    /**
     * Reads a config from a JSON tree, as {@link #decode} does.
     *
     * @throws MalformedRecordException naming the path and the first problem found
     */
    public static OperatorConfig fromTree(String path, JsonNode root) throws MalformedRecordException {
        if (root == null || !root.isObject()) {
            throw new MalformedRecordException(path, "operator config is not a JSON object");
        }
        JsonNode format = root.get("format");
        if (format == null || !format.isIntegralNumber() || !format.canConvertToInt()) {
            throw new MalformedRecordException(path, "operator config has no integer 'format' field");
        }
        if (format.intValue() != FORMAT) {
            throw new MalformedRecordException(
                    path,
                    "operator config format " + format.intValue() + " is not supported (this reader reads " + FORMAT
                            + ")");
        }
        try {
            SortedMap<String, Integer> weights = new TreeMap<>();
            JsonNode weightsNode = root.get("weights");
            if (weightsNode != null && !weightsNode.isNull()) {
                if (!weightsNode.isObject()) {
                    throw new IllegalArgumentException("field 'weights' is not an object of member id to weight");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = weightsNode.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode w = e.getValue();
                    if (!w.isIntegralNumber() || !w.canConvertToInt()) {
                        throw new IllegalArgumentException("weight of " + e.getKey() + " is not an integer");
                    }
                    weights.put(e.getKey(), w.intValue());
                }
            }
            SortedSet<String> drained = ids(root, "drained");
            SortedSet<String> spares = ids(root, "spares");
            Duration delay = null;
            JsonNode delayNode = root.get("rebalanceDelay");
            if (delayNode != null && !delayNode.isNull()) {
                if (!delayNode.isTextual()) {
                    throw new IllegalArgumentException("field 'rebalanceDelay' is not a string such as \"PT30S\"");
                }
                delay = Durations.parse(delayNode.textValue());
            }
            long requests = 0;
            JsonNode requestsNode = root.get("rebalanceRequests");
            if (requestsNode != null && !requestsNode.isNull()) {
                if (!requestsNode.isIntegralNumber() || !requestsNode.canConvertToLong()) {
                    throw new IllegalArgumentException("field 'rebalanceRequests' is not an integer");
                }
                requests = requestsNode.longValue();
            }
            return new OperatorConfig(
                    weights, drained, spares, delay, requests, failedOverSlots(root), ids(root, "failedOverMembers"));
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException(path, firstLine(e.getMessage()));
        }
    }

    /** The config as the JSON text stored in ZooKeeper. */
    public static String toJson(OperatorConfig config) {
        return new String(encode(config), StandardCharsets.UTF_8);
    }

    private static SortedMap<Integer, String> failedOverSlots(JsonNode root) {
        SortedMap<Integer, String> slots = new TreeMap<>();
        JsonNode node = root.get("failedOverSlots");
        if (node == null || node.isNull()) {
            return slots;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("field 'failedOverSlots' is not an object of slot to member id");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int slot;
            try {
                slot = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(
                        "a key of 'failedOverSlots' is not a slot number: '" + e.getKey() + "'");
            }
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("the member failed over from slot " + slot + " is not a string");
            }
            slots.put(OperatorConfig.checkSlot(slot), e.getValue().textValue());
        }
        return slots;
    }

    private static SortedSet<String> ids(JsonNode root, String field) {
        SortedSet<String> ids = new TreeSet<>();
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return ids;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("field '" + field + "' is not an array of member ids");
        }
        for (JsonNode id : node) {
            if (!id.isTextual()) {
                throw new IllegalArgumentException("an entry of '" + field + "' is not a string");
            }
            ids.add(id.textValue());
        }
        return ids;
    }
}
