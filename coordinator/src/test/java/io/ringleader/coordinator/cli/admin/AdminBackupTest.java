package io.ringleader.coordinator.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RingStore;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.agent.testing.Rings;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.OperatorConfigCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdminBackupTest extends AdminTestBase {

    private static final OperatorConfig INTENT = OperatorConfig.empty()
            .withWeight("a", 3)
            .withDrained("c", true)
            .withSpare("s", true)
            .withRebalanceDelay(Duration.ofMinutes(2))
            .withRebalanceRequested()
            .withFailedOverMember("b", true)
            .withFailedOverSlot(5, "a");

    private Path exported() throws Exception {
        clusterWithRing("a", "b", "c");
        writeConfig(INTENT);
        Path file = tmp.resolve("backup.json");
        Result r = admin("export", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        return file;
    }

    /** Runs the admin command against another, fresh cluster. */
    private Result into(String other, String command, String... args) {
        String[] all = Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--zk";
        all[args.length + 1] = server.getConnectString();
        all[args.length + 2] = "--cluster";
        all[args.length + 3] = other;
        String[] full = new String[all.length + 2];
        full[0] = "admin";
        full[1] = command;
        System.arraycopy(all, 0, full, 2, all.length);
        return run(full);
    }

    @Test
    void exportThenImport_intoAnotherCluster_restoresTheConfigAndTheRing() throws Exception {
        Path file = exported();
        Ring original = ring();
        String other = cluster + "-restored";
        client.create().creatingParentsIfNeeded().forPath("/ringleader/" + other + "/members");

        Result imported = into(other, "import", file.toString());

        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out())
                .contains("config: wrote 1 drained [c], 1 spare [s], 1 weight override [a=3], rebalance delay PT2M,"
                        + " failed over: b from every slot, slot 5 from a")
                .contains("ring: wrote epoch 0x")
                .contains("note: " + file + " was exported from cluster '" + cluster + "'")
                .contains("imported " + file + " into cluster '" + other + "'");
        OperatorConfig restoredConfig =
                OperatorConfigCodec.decode("config", client.getData().forPath("/ringleader/" + other + "/config"));
        assertThat(restoredConfig).isEqualTo(INTENT);
        Ring restored = RingCodec.decode("ring", client.getData().forPath("/ringleader/" + other + "/ring"));
        assertThat(restored.members()).isEqualTo(original.members());
        assertThat(restored.replicaTable()).isEqualTo(original.replicaTable());
        assertThat(restored.slotCount()).isEqualTo(original.slotCount());
        assertThat(restored.replication()).isEqualTo(original.replication());
        assertThat(restored.epoch()).isGreaterThan(original.epoch());

        // and back again: the restored cluster exports the same config and ring content
        Path again = tmp.resolve("again.json");
        assertThat(into(other, "export", again.toString()).exit()).isZero();
        JsonNode first = JSON.readTree(file.toFile());
        JsonNode second = JSON.readTree(again.toFile());
        assertThat(second.get("config")).isEqualTo(first.get("config"));
        assertThat(second.get("ring").get("replicas"))
                .isEqualTo(first.get("ring").get("replicas"));
        assertThat(second.get("ring").get("members"))
                .isEqualTo(first.get("ring").get("members"));
    }

    @Test
    void aRingInChunks_isShown_exported_andImportedInChunksAgain() throws Exception {
        Ring huge = Rings.random(9, 300, 4, 65536, 7, 3);
        RingStore.Prepared prepared = RingStore.prepare(client, path, huge, ZooDefs.Ids.OPEN_ACL_UNSAFE, 512 * 1024);
        assertThat(prepared.dir()).isNotNull();
        client.create().creatingParentsIfNeeded().forPath(path.ring(), prepared.record());

        Result shown = admin("ring", "--json");
        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(shown.json().get("epoch").asLong()).isEqualTo(9);
        Path file = tmp.resolve("huge.json");
        Result exported = admin("export", file.toString());
        assertThat(exported.exit()).as(exported.err()).isZero();

        String other = cluster + "-restored";
        client.create().creatingParentsIfNeeded().forPath("/ringleader/" + other + "/members");
        Result imported = into(other, "import", file.toString());
        assertThat(imported.exit()).as(imported.err()).isZero();
        ClusterPath otherPath = new ClusterPath("/ringleader", other);
        byte[] header = client.getData().forPath(otherPath.ring());
        assertThat(RingStore.dirOf(header)).isNotNull();
        Ring restored = RingStore.read(client, otherPath, header);
        assertThat(restored.epoch()).isGreaterThan(huge.epoch());
        assertThat(restored.members()).isEqualTo(huge.members());
        assertThat(restored.replicaTable()).isEqualTo(huge.replicaTable());
        assertThat(client.getChildren().forPath(otherPath.ringChunks())).containsExactly(RingStore.dirOf(header));

        // imported again over it: the chunks of the ring written over stay, for a reader that may be reading them
        Result again = into(other, "import", file.toString());
        assertThat(again.exit()).as(again.err()).isZero();
        String next = RingStore.dirOf(client.getData().forPath(otherPath.ring()));
        assertThat(next).isNotNull().isNotEqualTo(RingStore.dirOf(header));
        assertThat(client.getChildren().forPath(otherPath.ringChunks()))
                .containsExactlyInAnyOrder(RingStore.dirOf(header), next);
    }

    @Test
    void export_writesTheDocumentedFields() throws Exception {
        Path file = exported();

        JsonNode backup = JSON.readTree(file.toFile());
        JsonNode json =
                admin("export", tmp.resolve("second.json").toString(), "--json").json();

        assertThat(backup.get("format").asInt()).isEqualTo(1);
        assertThat(backup.get("cluster").asText()).isEqualTo(cluster);
        assertThat(backup.get("root").asText()).isEqualTo("/ringleader");
        assertThat(backup.get("exportedAt").asText()).endsWith("Z");
        assertThat(backup.get("config").get("drained").toString()).isEqualTo("[\"c\"]");
        assertThat(backup.get("config").get("failedOverSlots").toString()).isEqualTo("{\"5\":\"a\"}");
        assertThat(backup.get("config").get("failedOverMembers").toString()).isEqualTo("[\"b\"]");
        assertThat(backup.get("ring").get("epoch").asLong()).isEqualTo(ring().epoch());
        assertThat(json.get("file").asText()).endsWith("second.json");
        assertThat(json.get("cluster").asText()).isEqualTo(cluster);
        assertThat(json.get("ringEpoch").asLong()).isEqualTo(ring().epoch());
        assertThat(json.get("config").get("weights").get("a").asInt()).isEqualTo(3);
    }

    @Test
    void import_overAnExistingRing_givesItALargerEpoch_andKeepsThisClustersRebalanceCount() throws Exception {
        Path file = exported();
        Ring before = ring();
        writeConfig(OperatorConfig.empty()
                .withRebalanceRequested()
                .withRebalanceRequested()
                .withRebalanceRequested());
        writeRing(Ring.of(before.epoch() + 100, 64, 2, before.members(), before.replicaTable()));

        JsonNode json = admin("import", file.toString(), "--json").json();

        assertThat(json.get("written").asBoolean()).isTrue();
        assertThat(json.get("dryRun").asBoolean()).isFalse();
        assertThat(json.get("fromCluster").asText()).isEqualTo(cluster);
        assertThat(json.get("ringNote").isNull()).isTrue();
        assertThat(ring().epoch()).isGreaterThan(before.epoch() + 100);
        assertThat(json.get("ring").get("epoch").asLong()).isEqualTo(ring().epoch());
        assertThat(config().rebalanceRequests())
                .as("restoring does not ask for a rebalance")
                .isEqualTo(3);
        assertThat(config().drained()).containsExactly("c");
        assertThat(config().failedOverMembers()).as("failovers are restored").containsExactly("b");
        assertThat(config().failedOverSlots()).containsExactly(java.util.Map.entry(5, "a"));
    }

    @Test
    void importDryRun_validatesAndShows_butWritesNothing() throws Exception {
        Path file = exported();
        writeConfig(OperatorConfig.empty());
        Stat config = stat(path.config());
        Stat ring = stat(path.ring());

        Result text = admin("import", file.toString(), "--dry-run");
        JsonNode json = admin("import", file.toString(), "--dry-run", "--json").json();

        assertThat(text.exit()).isZero();
        assertThat(text.out())
                .contains("config: would write 1 drained [c]")
                .contains("(was: none drained, no spares, no weight overrides)")
                .contains("ring: would write epoch 0x")
                .endsWith("dry run: nothing written" + System.lineSeparator());
        assertThat(json.get("dryRun").asBoolean()).isTrue();
        assertThat(json.get("written").asBoolean()).isFalse();
        assertThat(stat(path.config()).getVersion()).isEqualTo(config.getVersion());
        assertThat(stat(path.ring()).getVersion()).isEqualTo(ring.getVersion());
    }

    @Test
    void aTruncatedFile_isOneLine_exit2_andNothingIsWritten() throws Exception {
        Path file = exported();
        byte[] whole = Files.readAllBytes(file);
        Path truncated = Files.write(tmp.resolve("truncated.json"), Arrays.copyOf(whole, whole.length / 2));
        writeConfig(OperatorConfig.empty());
        Stat config = stat(path.config());
        Stat ring = stat(path.ring());

        Result r = admin("import", truncated.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.line())
                .startsWith(truncated + " is not a valid Ringleader export (not JSON, perhaps truncated: ")
                .endsWith("); nothing was written: pass a file written by 'ringleader admin export'");
        assertThat(stat(path.config()).getVersion()).isEqualTo(config.getVersion());
        assertThat(stat(path.ring()).getVersion()).isEqualTo(ring.getVersion());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "format|2|format 2 is not supported",
                "cluster|bad/name|cluster must be 1-128 characters",
                "exportedAt|yesterday|Text 'yesterday' could not be parsed",
                "config.weights.a|0|weight of a must be between 1 and 10000, was 0",
                "config.format|3|operator config format 3 is not supported",
                "ring.replicas|AAAA|ring: 'replicas' is not valid zlib data",
                "ring.slots|100|ring: slots must be a power of two",
                "ring|[]|'ring' is neither an object nor null",
                "config|null|no 'config' object"
            })
    void anInvalidFile_isOneLineNamingTheProblem_exit2_andNothingIsWritten(String edit) throws Exception {
        Path file = exported();
        String[] parts = edit.split("\\|");
        ObjectNode backup = (ObjectNode) JSON.readTree(file.toFile());
        String[] fields = parts[0].split("\\.");
        ObjectNode parent = backup;
        for (int i = 0; i < fields.length - 1; i++) {
            parent = (ObjectNode) parent.get(fields[i]);
        }
        JsonNode value = parts[1].matches("-?\\d+|\\[]|null") ? JSON.readTree(parts[1]) : JSON.valueToTree(parts[1]);
        parent.set(fields[fields.length - 1], value);
        Path bad = Files.write(tmp.resolve("bad.json"), JSON.writeValueAsBytes(backup));
        Stat config = stat(path.config());

        Result r = admin("import", bad.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.line())
                .startsWith(bad + " is not a valid Ringleader export (")
                .contains(parts[2]);
        assertThat(stat(path.config()).getVersion()).isEqualTo(config.getVersion());
    }

    @Test
    void aMissingFile_orAnEmptyOne_isOneLine_exit2() throws Exception {
        clusterWithRing("a");
        Path missing = tmp.resolve("missing.json");
        Path empty = Files.write(tmp.resolve("empty.json"), new byte[0]);

        Result noFile = admin("import", missing.toString());
        Result noContent = admin("import", empty.toString());

        assertThat(noFile.exit()).isEqualTo(2);
        assertThat(noFile.line()).isEqualTo("cannot read " + missing + " (no such file); check the path");
        assertThat(noContent.exit()).isEqualTo(2);
        assertThat(noContent.line()).contains("(the file is empty)");
        assertThat(stat(path.config())).isNull();
    }

    @Test
    void export_refusesToOverwriteAFile_unlessForced() throws Exception {
        clusterWithRing("a");
        Path file = Files.writeString(tmp.resolve("precious.json"), "keep me");

        Result refused = admin("export", file.toString());

        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.line()).isEqualTo(file + " exists; pass --force to overwrite it or choose another file");
        assertThat(Files.readString(file)).isEqualTo("keep me");

        assertThat(admin("export", file.toString(), "--force").exit()).isZero();
        assertThat(Files.readString(file)).startsWith("{");
    }

    @Test
    void export_ofAConfigThatCannotBeParsed_exit1_andWritesNoFile() throws Exception {
        clusterWithRing("a");
        writeConfig("not json".getBytes(StandardCharsets.UTF_8));
        Path file = tmp.resolve("never.json");

        Result r = admin("export", file.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line()).startsWith("cannot export: the operator config cannot be parsed (");
        assertThat(file).doesNotExist();
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void export_ofAClusterWithoutRing_writesANullRing_thatImportsAsConfigOnly() throws Exception {
        createCluster();
        writeConfig(INTENT);
        Path file = tmp.resolve("no-ring.json");

        assertThat(admin("export", file.toString()).exit()).isZero();
        JsonNode json = admin("import", file.toString(), "--json").json();

        assertThat(JSON.readTree(file.toFile()).get("ring").isNull()).isTrue();
        assertThat(json.get("ring").isNull()).isTrue();
        assertThat(json.get("ringNote").asText()).isEqualTo("the backup has no ring");
        assertThat(stat(path.ring())).isNull();
    }
}
