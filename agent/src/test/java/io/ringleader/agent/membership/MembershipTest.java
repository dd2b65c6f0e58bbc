package io.ringleader.agent.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RecordAcl;
import io.ringleader.agent.testing.LogCapture;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.KillSession;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;

class MembershipTest extends ZooKeeperTestBase {

    @Test
    void joinAndLeave_areSeenByEveryOtherAgent() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent b = fixture.start(fixture.member("b", 7002));
        Agent c = fixture.start(fixture.member("c", 7003));

        for (Agent agent : List.of(a, b, c)) {
            await().atMost(WAIT)
                    .until(() -> agent.members().contains("a")
                            && agent.members().contains("b")
                            && agent.members().contains("c"));
            assertThat(agent.members().isCurrent()).isTrue();
        }
        assertThat(a.members().member("c").orElseThrow().endpoint()).isEqualTo(new Endpoint("127.0.0.1", 7003));

        c.close();
        // close() deletes the record itself rather than waiting for the session to end.
        assertThat(a.curator()
                        .checkExists()
                        .forPath(fixture.member("c", 1).build().clusterPath().member("c")))
                .isNull();
        for (Agent agent : List.of(a, b)) {
            await().atMost(WAIT).until(() -> !agent.members().contains("c"));
            assertThat(agent.members().size()).isEqualTo(2);
        }
    }

    @Test
    void viewZxid_growsWithEveryChange() throws Exception {
        Agent observer = fixture.observer();
        long before = observer.members().zxid();
        Agent a = fixture.start(fixture.member("a", 7001));
        await().atMost(WAIT).until(() -> observer.members().contains("a"));
        long joined = observer.members().zxid();
        assertThat(joined).isGreaterThan(before);
        assertThat(joined).isEqualTo(observer.members().entry("a").orElseThrow().modifiedZxid());
        a.close();
        await().atMost(WAIT).until(() -> !observer.members().contains("a"));
        assertThat(observer.members().zxid()).isGreaterThan(joined);
    }

    @Test
    void stateAndAttributeChanges_arePublishedToOthers() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001).initialState(MemberState.JOINING));
        Agent observer = fixture.observer();
        await().atMost(WAIT)
                .until(() -> observer.members().member("a").map(Member::state).orElse(null) == MemberState.JOINING);

        a.setState(MemberState.UP);
        a.setAttributes(Map.of("http", "http://127.0.0.1:8081"));

        await().atMost(WAIT).until(() -> observer.members()
                .member("a")
                .filter(m -> m.state() == MemberState.UP
                        && "http://127.0.0.1:8081".equals(m.attributes().get("http")))
                .isPresent());
        assertThatThrownBy(() -> observer.setState(MemberState.UP))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("observer");
    }

    @Test
    void sessionExpiry_reRegistersExactlyOnceUnderTheNewSession() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent observer = fixture.observer();
        await().atMost(WAIT).until(() -> observer.members().contains("a"));
        long oldSession = a.curator().getZookeeperClient().getZooKeeper().getSessionId();
        Set<Long> registrationsSeen = ConcurrentHashMap.newKeySet();
        observer.membershipListenable().addListener((before, after) -> after.entry("a")
                .ifPresent(e -> registrationsSeen.add(e.createdZxid())));
        registrationsSeen.add(observer.members().entry("a").orElseThrow().createdZxid());
        List<RegistrationState> states = new CopyOnWriteArrayList<>();
        a.membershipListenable().addListener(new MembershipListener() {
            @Override
            public void viewChanged(MemberView previous, MemberView current) {}

            @Override
            public void registrationChanged(RegistrationState state, String detail) {
                states.add(state);
            }
        });

        KillSession.kill(a.curator().getZookeeperClient().getZooKeeper());

        // KillSession expires the session on the client side; depending on timing the old znode goes at once or when
        // the server expires the session. Either way the agent must end up registered once, under the new session.
        await().atMost(WAIT).until(() -> {
            long session = a.curator().getZookeeperClient().getZooKeeper().getSessionId();
            Stat owner = a.curator().checkExists().forPath(a.clusterPath().member("a"));
            return session != 0
                    && session != oldSession
                    && owner != null
                    && owner.getEphemeralOwner() == session
                    && a.registrationState() == RegistrationState.REGISTERED;
        });
        long newSession = a.curator().getZookeeperClient().getZooKeeper().getSessionId();
        // A change made after re-registration is a barrier: once the observer sees it, it has seen every earlier one.
        a.setAttributes(Map.of("barrier", "1"));
        await().atMost(WAIT).until(() -> observer.members()
                .member("a")
                .filter(m -> "1".equals(m.attributes().get("barrier")))
                .isPresent());

        Stat stat = a.curator().checkExists().forPath(a.clusterPath().member("a"));
        assertThat(stat.getEphemeralOwner()).isEqualTo(newSession);
        assertThat(observer.members().entry("a").orElseThrow().sessionId()).isEqualTo(newSession);
        assertThat(registrationsSeen).as("znodes of member a ever seen").hasSize(2);
        assertThat(states).containsSubsequence(RegistrationState.LOST, RegistrationState.REGISTERED);
        assertThat(states.stream().filter(s -> s == RegistrationState.REGISTERED))
                .hasSize(1);
        assertThat(a.curator().getChildren().forPath(a.clusterPath().members())).containsExactly("a");
    }

    @Test
    void serverRestart_withinTheSessionTimeout_keepsTheSameRegistration() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        await().atMost(WAIT).until(() -> a.members().contains("a"));
        long session = a.curator().getZookeeperClient().getZooKeeper().getSessionId();
        long created = a.members().entry("a").orElseThrow().createdZxid();

        server.stop();
        await().atMost(WAIT).until(() -> a.registrationState() == RegistrationState.SUSPENDED);
        assertThat(a.members().isCurrent()).isFalse();
        assertThat(a.members().contains("a"))
                .as("the last view is kept while suspended")
                .isTrue();

        server.restart();
        await().atMost(WAIT)
                .until(() -> a.registrationState() == RegistrationState.REGISTERED
                        && a.members().isCurrent());
        assertThat(a.curator().getZookeeperClient().getZooKeeper().getSessionId())
                .isEqualTo(session);
        assertThat(a.members().entry("a").orElseThrow().createdZxid()).isEqualTo(created);
    }

    @Test
    void malformedRecord_isSkipped_andTheViewKeepsWorking() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        String members = a.clusterPath().members();
        a.curator().create().forPath(members + "/garbage", "not json".getBytes(StandardCharsets.UTF_8));
        a.curator().create().forPath(members + "/future", "{\"format\":99}".getBytes(StandardCharsets.UTF_8));
        Agent observer = fixture.observer();
        Agent b = fixture.start(fixture.member("b", 7002));

        for (Agent agent : List.of(a, observer)) {
            await().atMost(WAIT).until(() -> agent.members().contains("b"));
            assertThat(agent.members().entries().keySet()).containsExactly("a", "b");
        }
        // A record repaired in place joins the view.
        a.curator().delete().forPath(members + "/garbage");
        a.curator().delete().forPath(members + "/future");
        Member fixed = b.membership().self().orElseThrow();
        a.curator()
                .create()
                .forPath(
                        members + "/c",
                        MemberCodec.encode(new Member(
                                "c", fixed.endpoint(), 1, null, MemberState.UP, fixed.startedAt(), Map.of())));
        await().atMost(WAIT).until(() -> observer.members().contains("c"));
        a.curator().delete().forPath(members + "/c");
    }

    /** A member record has no default ACL: an open one would bypass the insecure flag. */
    @Test
    void aMemberRecordWithoutAnAcl_isRefused() {
        try (CuratorFramework client = CuratorFrameworkFactory.newClient("127.0.0.1:1", new RetryOneTime(1))) {
            Member self = new Member(
                    "m", new Endpoint("127.0.0.1", 1), 1, null, MemberState.UP, java.time.Instant.EPOCH, Map.of());
            assertThatThrownBy(() -> Membership.builder(client, ClusterPath.of("c"))
                            .self(self)
                            .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'m' needs an ACL")
                    .hasMessageContaining("RecordAcl.of(authenticated, insecure)");
        }
    }

    @Test
    void duplicateMemberId_isRefusedAfterASessionTimeout_andTheFirstKeepsIt() throws Exception {
        Agent first = fixture.start(fixture.member("kv-1", 7001)
                .sessionTimeout(Duration.ofSeconds(1))
                .connectionTimeout(Duration.ofSeconds(1)));
        Agent second = fixture.track(fixture.member("kv-1", 7002)
                .sessionTimeout(Duration.ofSeconds(1))
                .connectionTimeout(Duration.ofSeconds(1))
                .build());
        second.start();

        assertThatThrownBy(() -> second.awaitJoined(WAIT))
                .isInstanceOf(MemberIdConflictException.class)
                .hasMessageContaining("member id 'kv-1' is already registered by another live session");
        assertThat(second.registrationState()).isEqualTo(RegistrationState.CONFLICT);
        Stat stat = first.curator().checkExists().forPath(first.clusterPath().member("kv-1"));
        assertThat(stat.getEphemeralOwner())
                .isEqualTo(first.curator().getZookeeperClient().getZooKeeper().getSessionId());
        await().atMost(WAIT).until(() -> first.members().contains("kv-1"));
        assertThat(first.members().member("kv-1").orElseThrow().endpoint().port())
                .isEqualTo(7001);
    }

    @Test
    void aMemberRestartedAfterACrash_takesItsIdOnceTheOldSessionExpires() throws Exception {
        Agent observer = fixture.observer();
        String path = observer.clusterPath().member("kv-1");
        // The crashed predecessor: a session that stops heartbeating but is not closed, holding the record.
        ZooKeeper crashed = new ZooKeeper(server.getConnectString(), 1000, event -> {});
        try {
            await().atMost(WAIT).until(() -> crashed.getState().isConnected());
            crashed.create(
                    path,
                    "{\"format\":1}".getBytes(StandardCharsets.UTF_8),
                    ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.EPHEMERAL);
            long crashedSession = crashed.getSessionId();
            crashed.getTestable().injectSessionExpiration();

            Agent restarted = fixture.start(fixture.member("kv-1", 7001)
                    .sessionTimeout(Duration.ofSeconds(1))
                    .connectionTimeout(Duration.ofSeconds(1)));

            Stat stat = restarted.curator().checkExists().forPath(path);
            assertThat(stat.getEphemeralOwner())
                    .isNotEqualTo(crashedSession)
                    .isEqualTo(restarted
                            .curator()
                            .getZookeeperClient()
                            .getZooKeeper()
                            .getSessionId());
            await().atMost(WAIT).until(() -> observer.members().contains("kv-1"));
        } finally {
            crashed.close();
        }
    }

    @Test
    void anOwnRecordDeletedBySomeoneElse_isRecreated() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        String path = a.clusterPath().member("a");
        long created = a.curator().checkExists().forPath(path).getCzxid();

        try (CuratorFramework operator =
                CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            operator.start();
            operator.delete().forPath(path);
        }

        await().atMost(WAIT).until(() -> {
            Stat stat = a.curator().checkExists().forPath(path);
            return stat != null && stat.getCzxid() != created && a.registrationState() == RegistrationState.REGISTERED;
        });
    }

    @Test
    void close_deletesTheRecordItself_afterItsOwnUpdates_andAfterSomeoneElseRewroteIt() throws Exception {
        // The agents borrow this client, so their records can only go by their own delete, not with the session.
        try (CuratorFramework client =
                CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            client.start();
            Agent a = fixture.start(fixture.member("a", 7001).client(client));
            String pathA = a.clusterPath().member("a");
            a.setState(MemberState.DRAINING);
            await().atMost(WAIT)
                    .until(() -> MemberCodec.decode(pathA, "a", client.getData().forPath(pathA))
                                    .state()
                            == MemberState.DRAINING);
            a.close();
            // the version the member wrote last is the one it deletes
            assertThat(client.checkExists().forPath(pathA)).isNull();

            Agent b = fixture.start(fixture.member("b", 7002).client(client));
            String pathB = b.clusterPath().member("b");
            client.setData().forPath(pathB, client.getData().forPath(pathB));
            b.close();
            // the record's version moved under b: the checked delete still removes it
            assertThat(client.checkExists().forPath(pathB)).isNull();
            assertThat(client.getState()).isEqualTo(CuratorFrameworkState.STARTED);
        }
    }

    @Test
    void aChangeThatLeavesTheRecordEqual_writesNothing() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        String path = a.clusterPath().member("a");
        int version = a.curator().checkExists().forPath(path).getVersion();
        assertThat(a.membership().self().orElseThrow().state()).isEqualTo(MemberState.UP);

        a.setState(MemberState.UP);
        a.setState(MemberState.DRAINING); // published after the first, on the same thread

        await().atMost(WAIT)
                .until(() -> MemberCodec.decode(path, "a", a.curator().getData().forPath(path))
                                .state()
                        == MemberState.DRAINING);
        assertThat(a.curator().checkExists().forPath(path).getVersion()).isEqualTo(version + 1);
    }

    @Test
    void closingFromAListener_deletesTheRecordWithoutWaitingForItself() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        String path = a.clusterPath().member("a");
        a.membershipListenable().addListener((before, after) -> {
            if (after.contains("b")) {
                a.close();
            }
        });
        fixture.start(fixture.member("b", 7002));

        await().atMost(WAIT).until(() -> a.registrationState() == RegistrationState.CLOSED);
        assertThat(a.curator().getState()).isEqualTo(CuratorFrameworkState.STOPPED);
        Agent observer = fixture.observer();
        await().atMost(WAIT)
                .until(() ->
                        observer.members().contains("b") && !observer.members().contains("a"));
        assertThat(observer.curator().checkExists().forPath(path)).isNull();
    }

    @Test
    void observer_followsWithoutRegistering() throws Exception {
        Agent observer = fixture.observer();
        Agent a = fixture.start(fixture.member("a", 7001));
        await().atMost(WAIT).until(() -> observer.members().contains("a"));
        assertThat(observer.registrationState()).isEqualTo(RegistrationState.OBSERVER);
        assertThat(observer.members().size()).isEqualTo(1);
        assertThat(a.members().contains(observer.memberId())).isFalse();
    }

    @Test
    void unreachableZooKeeper_makesAwaitJoinedFailNamingTheConnectString() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        String connect = "127.0.0.1:" + deadPort;
        Agent agent = fixture.track(Agent.builder()
                .insecure()
                .connectString(connect)
                .cluster(fixture.cluster())
                .memberId("lonely")
                .endpoint("127.0.0.1", 7001)
                .connectionTimeout(Duration.ofMillis(500))
                .build());
        agent.start();
        assertThatThrownBy(() -> agent.awaitJoined(Duration.ofSeconds(1)))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("cannot connect to ZooKeeper at " + connect);
    }

    @Test
    void close_isIdempotent_andStartAfterCloseIsMisuse() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        a.close();
        a.close();
        assertThat(a.registrationState()).isEqualTo(RegistrationState.CLOSED);
        assertThatThrownBy(a::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void insecure_createsTheRecordAndItsParentOpenToAll_andWarnsOnceAtStart() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            Agent a = fixture.start(fixture.member("a", 7001));
            for (String path :
                    List.of(a.clusterPath().member("a"), a.clusterPath().members())) {
                assertThat(a.curator().getACL().forPath(path))
                        .as(path)
                        .containsExactlyElementsOf(ZooDefs.Ids.OPEN_ACL_UNSAFE);
            }
            assertThat(logs.lines())
                    .filteredOn(line -> line.contains("cluster=" + fixture.cluster() + " "))
                    .filteredOn(line -> line.startsWith("WARN"))
                    .containsExactly("WARN [cluster=" + fixture.cluster() + " member=a] " + RecordAcl.INSECURE_WARNING);
        }
    }

    @Test
    void withAuthentication_theRecordIsWritableByItsIdentityOnly_andTheInsecureFlagIsIgnored() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            // the fixture's members are insecure: authentication wins
            Agent a = fixture.start(fixture.member("a", 7001).authorization("digest", "ringleader:secret"));
            assertThat(a.curator().getACL().forPath(a.clusterPath().member("a")))
                    .containsExactlyInAnyOrder(
                            new ACL(
                                    ZooDefs.Perms.ALL,
                                    new Id("digest", DigestAuthenticationProvider.generateDigest("ringleader:secret"))),
                            new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
            assertThat(logs.lines())
                    .filteredOn(line -> line.contains("cluster=" + fixture.cluster() + " "))
                    .noneMatch(line -> line.contains("insecure"));
        }
    }
}
