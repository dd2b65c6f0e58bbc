package io.ringleader.coordinator.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.testing.LogCapture;
import io.ringleader.coordinator.OperatorConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdminReadCommandsTest extends AdminTestBase {

    @Test
    void anUnreachableZooKeeper_isOneLine_exit1_withinTheConnectTimeout() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = probe.getLocalPort();
        }
        long start = System.nanoTime();

        Result r = run("admin", "status", "--zk", "127.0.0.1:" + port, "--cluster", "c", "--connect-timeout", "1s");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line())
                .isEqualTo("cannot reach ZooKeeper at 127.0.0.1:" + port
                        + " within 1s; check --zk and that ZooKeeper is running");
        assertThat(r.out()).isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void aClusterThatDoesNotExist_isOneLineListingTheClustersThere_exit1() throws Exception {
        createCluster();

        Result r = run("admin", "members", "--zk", server.getConnectString(), "--cluster", "no-such-cluster");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line())
                .startsWith("cluster 'no-such-cluster' does not exist on " + server.getConnectString()
                        + " (no znode /ringleader/no-such-cluster; clusters under /ringleader: ")
                .contains(cluster)
                .endsWith("); check --cluster");
        assertThat(stat("/ringleader/no-such-cluster")).isNull();
    }

    @Test
    void withoutZkOrCluster_itSaysWhereToSetThem_exit2() {
        Result noZk = run("admin", "status", "--cluster", "c");
        assertThat(noZk.exit()).isEqualTo(2);
        assertThat(noZk.line())
                .startsWith(
                        "no ZooKeeper to connect to: pass --zk HOST:PORT, set RINGLEADER_ZK, or set ringleader.zk in ")
                .endsWith(". Try 'ringleader admin status --help'.");

        Result noCluster = run("admin", "status", "--zk", server.getConnectString());
        assertThat(noCluster.exit()).isEqualTo(2);
        assertThat(noCluster.line()).startsWith("no cluster named: pass --cluster NAME, set RINGLEADER_CLUSTER");
    }

    @Test
    void zkAndCluster_comeFromTheEnvironment_thenFromThePropertiesFile_andFlagsWin() throws Exception {
        clusterWithRing("a", "b");
        env.put("RINGLEADER_ZK", server.getConnectString());
        env.put("RINGLEADER_CLUSTER", cluster);
        assertThat(run("admin", "status", "--json").json().get("cluster").asText())
                .isEqualTo(cluster);

        env.clear();
        Path file = Files.writeString(
                tmp.resolve("ringleader.properties"),
                "ringleader.zk=" + server.getConnectString() + "\nringleader.cluster=" + cluster
                        + "\nringleader.insecure=true\n");
        assertThat(run("admin", "status", "--json", "--config", file.toString())
                        .json()
                        .get("cluster")
                        .asText())
                .isEqualTo(cluster);

        Result flagWins = run("admin", "status", "--config", file.toString(), "--cluster", "other");
        assertThat(flagWins.exit()).isEqualTo(1);
        assertThat(flagWins.line()).startsWith("cluster 'other' does not exist");
    }

    @Test
    void withoutAuthenticationOrTheInsecureFlag_aCommandThatWritesRefusesInOneLineNamingBothFixes_exit2_andReadingRuns()
            throws Exception {
        clusterWithRing("a");
        env.remove("RINGLEADER_INSECURE");
        for (String command : List.of("drain", "weight", "import")) {
            Result r =
                    switch (command) {
                        case "drain" -> admin("drain", "a");
                        case "weight" -> admin("weight", "a", "3");
                        default -> admin("import", tmp.resolve("absent.json").toString());
                    };
            assertThat(r.exit()).as(command).isEqualTo(2);
            assertThat(r.line())
                    .isEqualTo("no ZooKeeper authentication configured: set ringleader.auth.scheme and"
                            + " ringleader.auth.credentials.env, or pass --insecure (or set RINGLEADER_INSECURE=true or"
                            + " ringleader.insecure=true) to let anyone write the cluster's znodes. Try 'ringleader"
                            + " admin " + command + " --help'.");
            assertThat(r.out()).isEmpty();
        }
        assertThat(stat(path.config())).isNull();

        // reading creates nothing: no flag needed
        try (LogCapture logs = new LogCapture()) {
            for (String command : List.of("status", "members", "ring", "primaries")) {
                Result r = admin(command);
                assertThat(r.exit()).as("%s: %s", command, r.err()).isZero();
            }
            assertThat(logs.lines())
                    .as("no insecure warning where nothing can be written")
                    .noneMatch(l -> l.contains("insecure: znodes"));
            assertThat(admin("status", "--insecure").exit()).isZero();
            assertThat(logs.lines()).as("the flag warns").anyMatch(l -> l.contains("insecure: znodes"));
        }
        assertThat(admin("route", "k").exit()).isZero();
        assertThat(admin("rebalance", "--dry-run").exit()).isZero();
        assertThat(stat(path.config())).isNull();

        assertThat(admin("status", "--insecure").exit()).isZero();
        env.put("RINGLEADER_INSECURE", "yes");
        assertThat(admin("status").line()).startsWith("RINGLEADER_INSECURE must be true or false, was 'yes'");
        assertThat(admin("status", "--insecure").line())
                .as("a bad setting is named even with the flag")
                .startsWith("RINGLEADER_INSECURE must be true or false, was 'yes'");
        env.put("RINGLEADER_INSECURE", "false");
        assertThat(admin("status", "--insecure").exit()).isZero();
    }

    @Test
    void aDefaultPropertiesFile_isReadWhenPresent() throws Exception {
        clusterWithRing("a");
        defaultProperties = Files.writeString(
                tmp.resolve("default.properties"),
                "ringleader.zk=" + server.getConnectString() + "\nringleader.cluster=" + cluster + "\n");

        Result r = run("admin", "status");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("cluster      " + cluster);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "admin status --bogus|Unknown option: '--bogus'. Try 'ringleader admin status --help'.",
                "admin stauts|Unknown command: 'stauts'. Try 'ringleader admin --help'.",
                "admin route|Missing required parameter: 'KEY'. Try 'ringleader admin route --help'.",
                "admin status --connect-timeout 10ms --zk z --cluster c|--connect-timeout must be between 100ms and"
                        + " PT1M, was PT0.01S. Try 'ringleader admin status --help'.",
                "admin status --zk z --cluster bad/name|cluster must be 1-128 characters of A-Z a-z 0-9 . _ -"
                        + " starting with a letter or digit, was 'bad/name'. Try 'ringleader admin status --help'."
            })
    void badUsage_isOneLine_exit2(String argsAndLine) {
        String[] parts = argsAndLine.split("\\|");

        Result r = run(parts[0].split(" "));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.line()).isEqualTo(parts[1]);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "status",
                "members",
                "ring",
                "route",
                "primaries",
                "drain",
                "undrain",
                "spare",
                "unspare",
                "weight",
                "rebalance-delay",
                "rebalance",
                "export",
                "import"
            })
    void everyAdminCommand_hasHelp_withTheCommonOptions(String command) {
        Result r = run("admin", command, "--help");

        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .startsWith("Usage: ringleader admin " + command)
                .contains("--zk=CONNECT", "--cluster=NAME", "--json", "--verbose", "--connect-timeout=DURATION");
        assertThat(run("--help").out()).contains("admin");
    }

    @Test
    void adminWithoutACommand_printsItsUsage_exit2() {
        Result r = run("admin");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("Missing command.").contains("Usage: ringleader admin", "drain", "import");
    }

    @Test
    void verbose_addsTheStackTrace_afterTheOneLine() throws Exception {
        Result quiet = admin("route", "k");
        Result verbose = admin("route", "k", "--verbose");

        assertThat(quiet.exit()).isEqualTo(1);
        assertThat(quiet.line()).startsWith("cluster '" + cluster + "' does not exist");
        assertThat(verbose.exit()).isEqualTo(1);
        assertThat(verbose.err())
                .contains("io.ringleader.coordinator.admin.AdminException: cluster '" + cluster)
                .contains("\tat io.ringleader.coordinator.admin.ClusterAdmin");
    }

    @Test
    void status_showsCoordinatorRingPrimariesMembersAndConfig() throws Exception {
        Ring ring = clusterWithRing("a", "b", "c");
        member("s", MemberState.SPARE, 1);
        client.delete().forPath(path.member("c"));
        writeConfig(OperatorConfig.empty().withDrained("b", true));

        Result text = admin("status");
        JsonNode json = admin("status", "--json").json();

        assertThat(text.exit()).isZero();
        assertThat(text.out())
                .contains("coordinator  none active")
                .contains("ring         epoch 0x" + Long.toHexString(ring.epoch())
                        + ": 64 slots, replication 2, 3 members")
                .contains("members      3 live: 2 UP [a, b], 1 SPARE [s]")
                .contains("departed     [c] still in the ring")
                .contains("config       1 drained [b], no spares, no weight overrides");
        assertThat(json.get("cluster").asText()).isEqualTo(cluster);
        assertThat(json.get("root").asText()).isEqualTo("/ringleader");
        assertThat(json.get("coordinator").isNull()).isTrue();
        assertThat(json.get("ring").get("epoch").asLong()).isEqualTo(ring.epoch());
        assertThat(json.get("ring").get("slots").asInt()).isEqualTo(64);
        assertThat(json.get("ring").get("replication").asInt()).isEqualTo(2);
        assertThat(json.get("ring").get("members").asInt()).isEqualTo(3);
        assertThat(json.get("slotsWithoutPrimary").asInt()).isZero();
        assertThat(json.get("members").get("live").asInt()).isEqualTo(3);
        assertThat(json.get("members").get("byState").get("UP").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(json.get("members").get("departedInRing").toString()).isEqualTo("[\"c\"]");
        assertThat(json.get("config").get("drained").toString()).isEqualTo("[\"b\"]");
        assertThat(json.get("configProblem").isNull()).isTrue();
    }

    @Test
    void status_ofANewCluster_saysThereIsNoRing_andNamesAnUnreadableConfig() throws Exception {
        createCluster();
        writeConfig("{\"format\":9}".getBytes(StandardCharsets.UTF_8));

        Result text = admin("status");
        JsonNode json = admin("status", "--json").json();

        assertThat(text.exit()).isZero();
        assertThat(text.out()).contains("ring         none yet").contains("config       cannot be parsed: ");
        assertThat(json.get("ring").isNull()).isTrue();
        assertThat(json.get("configProblem").asText()).contains("format 9 is not supported");
    }

    @Test
    void members_listsLiveAndDepartedMembers_withSlotsAndConfig() throws Exception {
        Ring ring = clusterWithRing("a", "b", "c");
        client.delete().forPath(path.member("c"));
        writeConfig(OperatorConfig.empty().withWeight("a", 3).withSpare("b", true));

        Result text = admin("members");
        JsonNode json = admin("members", "--json").json();

        assertThat(text.exit()).isZero();
        assertThat(text.out().lines().findFirst().orElseThrow())
                .matches("ID {2}STATE {3}ENDPOINT +ZONE {2}WEIGHT {2}PRIMARY {2}REPLICAS {2}CONFIG");
        assertThat(text.out()).contains("weight 3 (record 1)").contains("ABSENT");
        JsonNode members = json.get("members");
        assertThat(members).hasSize(3);
        JsonNode a = members.get(0);
        assertThat(a.get("id").asText()).isEqualTo("a");
        assertThat(a.get("state").asText()).isEqualTo("UP");
        assertThat(a.get("port").asInt()).isEqualTo(7000);
        assertThat(a.get("weight").asInt()).isEqualTo(3);
        assertThat(a.get("recordWeight").asInt()).isEqualTo(1);
        assertThat(a.get("inRing").asBoolean()).isTrue();
        int entriesOfA = 0;
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            entriesOfA += ring.replicas(slot).contains("a") ? 1 : 0;
        }
        assertThat(a.get("replicaEntries").asInt()).isEqualTo(entriesOfA);
        assertThat(members.get(1).get("spare").asBoolean()).isTrue();
        JsonNode c = members.get(2);
        assertThat(c.get("state").asText()).isEqualTo("ABSENT");
        assertThat(c.get("primarySlots").asInt())
                .as("an absent member serves nothing")
                .isZero();
        int served = 0;
        for (JsonNode m : members) {
            served += m.get("primarySlots").asInt();
        }
        assertThat(served).as("every slot has a live primary").isEqualTo(64);
    }

    @Test
    void ring_countsSlotsPerMember_andItsBalance() throws Exception {
        Ring ring = clusterWithRing("a", "b", "c", "d");

        Result text = admin("ring");
        JsonNode json = admin("ring", "--json").json();

        assertThat(text.exit()).isZero();
        assertThat(text.out())
                .startsWith("ring epoch 0x" + Long.toHexString(ring.epoch()) + ": 64 slots, replication 2, 4 members")
                .contains("balance (largest count over its weighted share): primary 1.000, replicas 1.000");
        assertThat(json.get("epoch").asLong()).isEqualTo(ring.epoch());
        assertThat(json.get("members")).hasSize(4);
        for (JsonNode m : json.get("members")) {
            assertThat(m.get("primary").asInt()).isEqualTo(16);
            assertThat(m.get("replicas").asInt()).isEqualTo(32);
            assertThat(m.get("weight").asInt()).isEqualTo(1);
            assertThat(m.get("live").asBoolean()).isTrue();
        }
        assertThat(json.get("balance").get("primary").asDouble()).isEqualTo(1.0);
        assertThat(json.get("balance").get("replicas").asDouble()).isEqualTo(1.0);
    }

    @Test
    void ring_measuresBalanceAgainstTheWeightedShare() throws Exception {
        createCluster();
        member("a", MemberState.UP, 1);
        member("b", MemberState.UP, 1);
        member("c", MemberState.UP, 2);
        // An unbalanced ring: a holds every primary.
        int[] table = new int[64 * 2];
        for (int slot = 0; slot < 64; slot++) {
            table[2 * slot] = 0;
            table[2 * slot + 1] = 1 + slot % 2;
        }
        writeRing(Ring.of(5, 64, 2, List.of("a", "b", "c"), table));

        JsonNode json = admin("ring", "--json").json();

        // a's share of the 128 entries is 32 (weight 1 of 4) and it holds 64; of the 64 primaries, 16.
        assertThat(json.get("balance").get("replicas").asDouble()).isEqualTo(2.0);
        assertThat(json.get("balance").get("primary").asDouble()).isEqualTo(4.0);
    }

    @Test
    void ring_withoutARing_failsWithOneLine_exit1() throws Exception {
        createCluster();

        Result r = admin("ring");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line())
                .isEqualTo("cluster '" + cluster + "' has no ring yet; start a coordinator (ringleader coordinator"
                        + " --zk ... --cluster " + cluster + ", with ringleader.auth.* or --insecure)");
    }

    @Test
    void route_namesTheSlotReplicasAndPrimary_asTheRingSays() throws Exception {
        Ring ring = clusterWithRing("a", "b", "c");
        int slot = ring.slotOf("user-42");
        String first = ring.replicas(slot).get(0);
        client.delete().forPath(path.member(first));

        Result text = admin("route", "user-42");
        JsonNode json = admin("route", "user-42", "--json").json();

        assertThat(text.exit()).isZero();
        assertThat(text.out()).startsWith("key 'user-42' → slot " + slot + " (ring epoch 0x");
        assertThat(json.get("key").asText()).isEqualTo("user-42");
        assertThat(json.get("slot").asInt()).isEqualTo(slot);
        assertThat(json.get("epoch").asLong()).isEqualTo(ring.epoch());
        String second = ring.replicas(slot).get(1);
        assertThat(json.get("primary").get("id").asText())
                .as("the first replica is gone")
                .isEqualTo(second);
        assertThat(json.get("primary").get("port").asInt()).isEqualTo(7000);
        assertThat(json.get("replicas").get(0).get("id").asText()).isEqualTo(first);
        assertThat(json.get("replicas").get(0).get("state").asText()).isEqualTo("ABSENT");
        assertThat(json.get("replicas").get(1).get("rank").asInt()).isEqualTo(1);
    }

    @Test
    void route_withoutAnyLiveReplica_hasNoPrimary() throws Exception {
        Ring ring = clusterWithRing("a");
        client.delete().forPath(path.member("a"));

        JsonNode json = admin("route", "k", "--json").json();
        Result text = admin("route", "k");

        assertThat(json.get("primary").isNull()).isTrue();
        assertThat(json.get("slot").asInt()).isEqualTo(ring.slotOf("k"));
        assertThat(text.out()).contains("primary   none: no replica is live and UP");
    }

    @Test
    void primaries_countsServedSlots_andListsAMembersSlotsAsRanges() throws Exception {
        clusterWithRing("a", "b");
        client.delete().forPath(path.member("b"));
        member("b", MemberState.DRAINING, 1); // present, but never primary

        JsonNode all = admin("primaries", "--json").json();
        Result text = admin("primaries", "--member", "a");
        JsonNode onlyA = admin("primaries", "--member", "a", "--json").json();

        assertThat(all.get("primaries")).hasSize(2);
        assertThat(all.get("primaries").get(0).get("member").asText()).isEqualTo("a");
        assertThat(all.get("primaries").get(0).get("count").asInt()).isEqualTo(64);
        assertThat(all.get("primaries").get(1).get("count").asInt()).isZero();
        assertThat(all.get("withoutPrimary").get("count").asInt()).isZero();
        assertThat(text.exit()).isZero();
        assertThat(text.out())
                .isEqualTo("a is primary of 64 slots (ring epoch 0x" + Long.toHexString(ring().epoch()) + "): 0-63"
                        + System.lineSeparator());
        assertThat(onlyA.get("primaries")).hasSize(1);
        assertThat(onlyA.get("primaries").get(0).get("slots").toString()).isEqualTo("[[0,63]]");
    }

    @Test
    void primaries_ofAnUnknownMember_isOneLineWithTheMembers_exit1() throws Exception {
        clusterWithRing("a", "b");

        Result r = admin("primaries", "--member", "zz");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line())
                .isEqualTo("no member 'zz' in cluster '" + cluster + "' (its members: a, b); list them with"
                        + " 'ringleader admin members'");
    }

    @Test
    void slotsWithoutPrimary_areCountedAndListed() throws Exception {
        clusterWithRing("a", "b");
        client.delete().forPath(path.member("a"));
        client.delete().forPath(path.member("b"));

        JsonNode json = admin("primaries", "--json").json();
        Result text = admin("primaries");

        assertThat(json.get("withoutPrimary").get("count").asInt()).isEqualTo(64);
        List<String> ranges = new ArrayList<>();
        json.get("withoutPrimary").get("slots").forEach(r -> ranges.add(r.toString()));
        assertThat(ranges).containsExactly("[0,63]");
        assertThat(text.out()).contains("64 slots without a primary: 0-63");
    }
}
