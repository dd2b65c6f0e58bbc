package io.ringleader.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class AgentPropertiesTest {

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private static Member record(Agent agent) {
        return agent.membership().self().orElseThrow();
    }

    @Test
    void theShippedExample_needsAuthenticationOrTheInsecureFlag_andThenBuildsAnAgent() throws Exception {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("..", "conf", "agent.properties"))) {
            p.load(in);
        }
        assertThatThrownBy(() -> Agent.builder().properties(p).build())
                .hasMessageStartingWith("no ZooKeeper authentication configured");
        try (Agent agent = Agent.builder().properties(p).insecure().build()) {
            assertThat(agent.clusterPath().members()).isEqualTo("/ringleader/orders/members");
            assertThat(agent.memberId()).isEqualTo("kv-1");
            assertThat(record(agent).endpoint().port()).isEqualTo(7001);
        }
    }

    @Test
    void everySetting_isApplied() {
        Properties p = props(
                "ringleader.zk", "zk1:2181",
                "ringleader.cluster", "orders",
                "ringleader.root", "/apps/rl",
                "ringleader.member.id", "kv-9",
                "ringleader.member.host", "10.0.0.9",
                "ringleader.member.port", "7009",
                "ringleader.member.weight", "3",
                "ringleader.member.zone", "eu-1b",
                "ringleader.member.state", "joining",
                "ringleader.member.attribute.http", "http://10.0.0.9:8081",
                "ringleader.session.timeout", "4s",
                "ringleader.connection.timeout", "1500ms",
                "ringleader.insecure", "true",
                "other.key", "ignored");
        try (Agent agent = Agent.builder().properties(p).build()) {
            Member m = record(agent);
            assertThat(agent.clusterPath().base()).isEqualTo("/apps/rl/orders");
            assertThat(m.id()).isEqualTo("kv-9");
            assertThat(m.weight()).isEqualTo(3);
            assertThat(m.zone()).isEqualTo("eu-1b");
            assertThat(m.state()).isEqualTo(MemberState.JOINING);
            assertThat(m.attributes()).isEqualTo(Map.of("http", "http://10.0.0.9:8081"));
            assertThat(agent.curator().getZookeeperClient().getCurrentConnectionString())
                    .isEqualTo("zk1:2181");
        }
    }

    @Test
    void badSettings_areNamed() {
        assertThatThrownBy(() -> Agent.builder().properties(props("ringleader.sesion.timeout", "2s")))
                .hasMessageStartingWith("unknown setting 'ringleader.sesion.timeout'");
        assertThatThrownBy(() ->
                        Agent.builder().properties(props("ringleader.member.host", "h", "ringleader.member.port", "x")))
                .hasMessage("ringleader.member.port must be a whole number, was 'x'");
        assertThatThrownBy(() -> Agent.builder().properties(props("ringleader.member.port", "1")))
                .hasMessageContaining("must be set together");
        assertThatThrownBy(() -> Agent.builder().properties(props("ringleader.session.timeout", "soon")))
                .hasMessageStartingWith("ringleader.session.timeout: 'soon' is not a duration");
        assertThatThrownBy(() -> Agent.builder().properties(props("ringleader.member.state", "ZOMBIE")))
                .hasMessageContaining("one of JOINING, UP, DRAINING, SPARE");
        assertThatThrownBy(() -> Agent.builder().properties(props("ringleader.insecure", "yes")))
                .hasMessage("ringleader.insecure must be true or false, was 'yes'");
    }

    @Test
    void insecure_isReadAsTrueOrFalse_andOffUnlessSet() {
        assertThat(Agent.builder()
                        .properties(props("ringleader.insecure", "true"))
                        .isInsecure())
                .isTrue();
        assertThat(Agent.builder()
                        .properties(props("ringleader.insecure", " TRUE "))
                        .isInsecure())
                .isTrue();
        assertThat(Agent.builder()
                        .properties(props("ringleader.insecure", "false"))
                        .isInsecure())
                .isFalse();
        assertThat(Agent.builder().properties(props("ringleader.zk", "h:1")).isInsecure())
                .isFalse();
    }

    @Test
    void credentials_comeFromTheNamedEnvironmentVariable_only() {
        Agent.Builder builder = Agent.builder();
        Properties p = props("ringleader.auth.scheme", "digest", "ringleader.auth.credentials.env", "RL_TEST_CREDS");
        assertThatThrownBy(() -> AgentProperties.apply(builder, p, name -> null))
                .hasMessageContaining("RL_TEST_CREDS, which is not set");
        AgentProperties.apply(builder, p, name -> name.equals("RL_TEST_CREDS") ? "user:secret" : null);
        assertThat(builder.authorization()).hasSize(1);
        assertThat(builder.authorization().get(0).getScheme()).isEqualTo("digest");
    }

    @Test
    void durations_acceptTheOperatorForms() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Durations.parse("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> Durations.parse("2 seconds")).hasMessageContaining("is not a duration");
    }
}
