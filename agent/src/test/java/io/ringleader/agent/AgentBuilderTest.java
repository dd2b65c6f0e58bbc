package io.ringleader.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AgentBuilderTest {

    private static Agent.Builder valid() {
        return Agent.builder()
                .connectString("127.0.0.1:2181")
                .cluster("orders")
                .memberId("kv-1")
                .endpoint("127.0.0.1", 7001)
                .insecure();
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                bad(b -> b.weight(0), "weight must be between 1 and 10000, was 0"),
                bad(b -> b.weight(10_001), "was 10001"),
                bad(b -> b.memberId("a/b"), "memberId must be", "'a/b'"),
                bad(b -> b.cluster(""), "cluster must be", "was ''"),
                bad(b -> b.zone("eu 1"), "zone must be", "'eu 1'"),
                bad(b -> b.root("ringleader"), "root must be", "'ringleader'"),
                bad(
                        b -> b.sessionTimeout(Duration.ofMillis(100)),
                        "sessionTimeout must be between PT0.5S and PT10M, was PT0.1S"),
                bad(
                        (UnaryOperator<Agent.Builder>)
                                b -> b.sessionTimeout(Duration.ofSeconds(2)).connectionTimeout(Duration.ofSeconds(3)),
                        "connectionTimeout must be between PT0.1S and PT2S, was PT3S"),
                bad(b -> b.attribute(" ", "v"), "attribute keys must be"),
                bad(b -> b.attribute("blob", "x".repeat(9000)), "over the budget of 8192 bytes"));
    }

    private static Arguments bad(UnaryOperator<Agent.Builder> change, String... message) {
        return Arguments.of(change, List.of(message));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void badArguments_areRejectedAtBuild_namingTheValue(UnaryOperator<Agent.Builder> change, List<String> message) {
        assertThatThrownBy(() -> change.apply(valid()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(message.toArray(String[]::new));
    }

    @Test
    void badEndpoint_isRejectedWhenSet() {
        assertThatThrownBy(() -> valid().endpoint("127.0.0.1", 70000))
                .hasMessage("endpoint port must be between 1 and 65535, was 70000");
        assertThatThrownBy(() -> valid().endpoint(" ", 1)).hasMessageContaining("endpoint host");
    }

    @Test
    void missingRequiredOptions_areNamed() {
        assertThatThrownBy(() -> Agent.builder().cluster("c").endpoint("h", 1).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("connectString is required");
        assertThatThrownBy(() ->
                        Agent.builder().connectString("h:1").endpoint("h", 1).build())
                .hasMessageContaining("cluster is required");
        assertThatThrownBy(() -> Agent.builder()
                        .connectString("h:1")
                        .cluster("c")
                        .insecure()
                        .build())
                .hasMessageContaining("endpoint is required");
    }

    @Test
    void withoutAuthenticationOrTheInsecureFlag_buildRefuses_inOneLineNamingBothFixes() {
        Agent.Builder member = Agent.builder()
                .connectString("127.0.0.1:2181")
                .cluster("orders")
                .memberId("kv-1")
                .endpoint("127.0.0.1", 7001);
        Agent.Builder observer = Agent.builder()
                .connectString("127.0.0.1:2181")
                .cluster("orders")
                .observer();
        for (Agent.Builder builder : List.of(member, observer)) {
            assertThatThrownBy(builder::build)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("no ZooKeeper authentication configured: ")
                    .hasMessageContainingAll(
                            "authorization(scheme, credentials)",
                            "ringleader.auth.scheme and ringleader.auth.credentials.env",
                            "insecure()",
                            "ringleader.insecure=true",
                            "let anyone write the cluster's znodes")
                    .message()
                    .doesNotContain("\n");
        }
        try (Agent authenticated = member.authorization("digest", "ops:secret").build();
                Agent insecure = observer.insecure().build()) {
            assertThat(authenticated.memberId()).isEqualTo("kv-1");
            assertThat(insecure.isObserver()).isTrue();
        }
    }

    @Test
    void memberId_isGeneratedWhenAbsent_andAnObserverNeedsNoEndpoint() {
        try (Agent member = Agent.builder()
                        .connectString("h:1")
                        .cluster("c")
                        .endpoint("h", 1)
                        .insecure()
                        .build();
                Agent observer = Agent.builder()
                        .connectString("h:1")
                        .cluster("c")
                        .observer()
                        .insecure()
                        .build()) {
            assertThat(member.memberId()).matches("member-[0-9a-f]{8}");
            assertThat(observer.memberId()).matches("observer-[0-9a-f]{8}");
            assertThat(observer.isObserver()).isTrue();
        }
    }

    @Test
    void awaitJoined_beforeStart_isMisuse() {
        try (Agent agent = valid().build()) {
            assertThatThrownBy(() -> agent.awaitJoined(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("start()");
        }
    }
}
