package io.ringleader.agent.membership;

import static io.ringleader.agent.layout.RecordFields.firstLine;
import static io.ringleader.agent.layout.RecordFields.integer;
import static io.ringleader.agent.layout.RecordFields.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.layout.RecordFields;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encodes and decodes member records, format version {@value #FORMAT}.
 *
 * <pre>{@code
 * {"format":1,"id":"kv-1","endpoint":{"host":"10.0.0.7","port":7001},"weight":1,"zone":"eu-1a",
 *  "state":"UP","startedAt":"2026-11-22T14:03:11.207Z","attributes":{"http":"http://10.0.0.7:8081"}}
 * }</pre>
 *
 * <p>Unknown fields are ignored so that a later minor addition does not break older readers; a different
 * {@code format} number is rejected. An encoded record is at most {@value #MAX_BYTES} bytes.
 */
public final class MemberCodec {

    /** The record format version this codec writes and reads. */
    public static final int FORMAT = 1;

    /** The size budget of one encoded member record, far below ZooKeeper's 1 MB {@code jute.maxbuffer}. */
    public static final int MAX_BYTES = 8 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private MemberCodec() {}

    /**
     * Encodes a record as UTF-8 JSON.
     *
     * @throws IllegalArgumentException if the encoded record is over {@value #MAX_BYTES} bytes
     */
    public static byte[] encode(Member member) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("id", member.id());
        ObjectNode endpoint = root.putObject("endpoint");
        endpoint.put("host", member.endpoint().host());
        endpoint.put("port", member.endpoint().port());
        root.put("weight", member.weight());
        if (member.zone() != null) {
            root.put("zone", member.zone());
        }
        root.put("state", member.state().name());
        root.put("startedAt", member.startedAt().toString());
        ObjectNode attributes = root.putObject("attributes");
        member.attributes().forEach(attributes::put);
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode member record " + member.id(), e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("member record of " + member.id() + " is " + bytes.length
                    + " bytes, over the budget of " + MAX_BYTES + " bytes: shorten its attributes");
        }
        return bytes;
    }

    /**
     * Decodes the record stored at {@code path}.
     *
     * @param path the znode path, used in error messages
     * @param expectedId the znode name: the record's id must equal it
     * @throws MalformedRecordException naming the path and the first problem found
     */
    public static Member decode(String path, String expectedId, byte[] data) throws MalformedRecordException {
        JsonNode root = RecordFields.record(path, data, "member record", MAX_BYTES, FORMAT);
        try {
            String id = text(root, "id");
            if (!id.equals(expectedId)) {
                throw new MalformedRecordException(path, "record id '" + id + "' differs from the znode name");
            }
            JsonNode endpointNode = root.get("endpoint");
            if (endpointNode == null || !endpointNode.isObject()) {
                throw new MalformedRecordException(path, "member record has no 'endpoint' object");
            }
            Endpoint endpoint = new Endpoint(text(endpointNode, "host"), integer(endpointNode, "port"));
            int weight = integer(root, "weight");
            JsonNode zoneNode = root.get("zone");
            String zone = zoneNode == null || zoneNode.isNull() ? null : zoneNode.asText();
            MemberState state = MemberState.valueOf(text(root, "state"));
            Instant startedAt = Instant.parse(text(root, "startedAt"));
            Map<String, String> attributes = new LinkedHashMap<>();
            JsonNode attributesNode = root.get("attributes");
            if (attributesNode != null && !attributesNode.isNull()) {
                if (!attributesNode.isObject()) {
                    throw new MalformedRecordException(path, "'attributes' is not a JSON object");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = attributesNode.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                        throw new MalformedRecordException(path, "attribute '" + e.getKey() + "' is not a string");
                    }
                    attributes.put(e.getKey(), e.getValue().asText());
                }
            }
            return new Member(id, endpoint, weight, zone, state, startedAt, attributes);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new MalformedRecordException(path, firstLine(e.getMessage()));
        }
    }

    /** The record as the JSON text stored in ZooKeeper. */
    public static String toJson(Member member) {
        return new String(encode(member), StandardCharsets.UTF_8);
    }
}
