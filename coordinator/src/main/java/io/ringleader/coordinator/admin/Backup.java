package io.ringleader.coordinator.admin;

import static io.ringleader.agent.layout.RecordFields.firstLine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.OperatorConfigCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Objects;

/**
 * A backup of a cluster's operator config and ring: what {@code ringleader admin export} writes and {@code import}
 * reads, format {@value #FORMAT}.
 *
 * <pre>{@code
 * {"format":1,"cluster":"orders","root":"/ringleader","exportedAt":"2026-11-22T14:03:11.207Z",
 *  "config":{"format":1,"weights":{},"drained":["kv-3"],...},
 *  "ring":{"format":1,"epoch":7,"slots":16384,"replication":3,"members":[...],"replicas":"eJzt..."}}
 * }</pre>
 *
 * <p>{@code config} and {@code ring} are the records exactly as stored in ZooKeeper ({@code ring} is null if the
 * cluster had none). A file is read completely and every part of it validated by the same codecs the coordinator
 * uses before anything is written. A backup file is at most {@value #MAX_BYTES} bytes.
 *
 * @param cluster the cluster it was exported from
 * @param root the root namespace it was exported from
 * @param exportedAt when it was exported
 * @param config the operator config
 * @param ring the ring, or null if the cluster had none
 */
public record Backup(String cluster, String root, Instant exportedAt, OperatorConfig config, Ring ring) {

    /** The file format this class writes and reads. */
    public static final int FORMAT = 1;

    /** The largest backup file read: room for a ring and a config at their budgets. */
    public static final int MAX_BYTES = 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks the fields. */
    public Backup {
        ClusterPath.checkName("cluster", cluster);
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(exportedAt, "exportedAt");
        Objects.requireNonNull(config, "config");
    }

    /** The backup as pretty-printed UTF-8 JSON. */
    public byte[] encode() {
        ObjectNode node = JSON.createObjectNode();
        node.put("format", FORMAT);
        node.put("cluster", cluster);
        node.put("root", root);
        node.put("exportedAt", exportedAt.toString());
        node.set("config", OperatorConfigCodec.toTree(config));
        if (ring == null) {
            node.putNull("ring");
        } else {
            try {
                node.set("ring", JSON.readTree(RingCodec.encodeWhole(ring)));
            } catch (IOException e) {
                throw new IllegalStateException("cannot re-read the encoded ring", e);
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the backup", e);
        }
    }

    /**
     * Writes the backup to {@code file} through a temporary file in the same folder, so that a failure leaves no
     * half-written file.
     *
     * @throws AdminException if the file exists and {@code overwrite} is false, or it cannot be written
     */
    public void write(Path file, boolean overwrite) throws AdminException {
        if (!overwrite && Files.exists(file)) {
            throw AdminException.badInput(file + " exists; pass --force to overwrite it or choose another file");
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            Files.write(tmp, encode());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw AdminException.badInput("cannot write " + file + " (" + describe(e) + "); choose a writable file", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // best effort: the move normally took it
                }
            }
        }
    }

    /**
     * Reads and validates a backup file completely.
     *
     * @throws AdminException ({@link AdminException.Kind#BAD_INPUT}) naming the file and the first problem
     */
    public static Backup read(Path file) throws AdminException {
        byte[] data;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw AdminException.badInput(file + " is " + Files.size(file) + " bytes, more than a backup's "
                        + MAX_BYTES + "; is it a Ringleader export?");
            }
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw AdminException.badInput("cannot read " + file + " (" + describe(e) + "); check the path", e);
        }
        return decode(file.toString(), data);
    }

    /**
     * Decodes and validates a backup.
     *
     * @param source the file name, used in error messages
     * @throws AdminException ({@link AdminException.Kind#BAD_INPUT}) naming the source and the first problem
     */
    public static Backup decode(String source, byte[] data) throws AdminException {
        if (data.length == 0) {
            throw invalid(source, "the file is empty", null);
        }
        JsonNode node;
        try {
            node = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw invalid(source, "not JSON, perhaps truncated: " + firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw invalid(source, "not JSON: " + firstLine(e.getMessage()), e);
        }
        if (node == null || !node.isObject()) {
            throw invalid(source, "not a JSON object", null);
        }
        JsonNode format = node.get("format");
        if (format == null || !format.isIntegralNumber()) {
            throw invalid(source, "no integer 'format' field", null);
        }
        if (format.intValue() != FORMAT) {
            throw invalid(
                    source,
                    "format " + format.asText() + " is not supported (this version reads " + FORMAT + ")",
                    null);
        }
        try {
            String cluster = text(node, "cluster");
            String root = text(node, "root");
            Instant exportedAt = Instant.parse(text(node, "exportedAt"));
            JsonNode configNode = node.get("config");
            if (configNode == null || !configNode.isObject()) {
                throw invalid(source, "no 'config' object", null);
            }
            OperatorConfig config = OperatorConfigCodec.fromTree("config", configNode);
            Ring ring = null;
            JsonNode ringNode = node.get("ring");
            if (ringNode != null && !ringNode.isNull()) {
                if (!ringNode.isObject()) {
                    throw invalid(source, "'ring' is neither an object nor null", null);
                }
                ring = RingCodec.decodeWhole("ring", JSON.writeValueAsBytes(ringNode));
                for (String id : ring.members()) {
                    ClusterPath.checkName("ring member id", id);
                }
            }
            return new Backup(cluster, root, exportedAt, config, ring);
        } catch (MalformedRecordException | IllegalArgumentException | DateTimeException e) {
            throw invalid(source, firstLine(e.getMessage()), e);
        } catch (JsonProcessingException e) {
            throw invalid(source, firstLine(e.getOriginalMessage()), e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not a string");
        }
        return value.textValue();
    }

    private static AdminException invalid(String source, String problem, Throwable cause) {
        return AdminException.badInput(
                source + " is not a valid Ringleader export (" + problem
                        + "); nothing was written: pass a file written by 'ringleader admin export'",
                cause);
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
