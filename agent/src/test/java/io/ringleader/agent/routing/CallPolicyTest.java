package io.ringleader.agent.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CallPolicyTest {

    @Test
    void defaults_areValid() {
        CallPolicy p = CallPolicy.defaults();
        assertThat(p.maxAttempts()).isEqualTo(CallPolicy.DEFAULT_MAX_ATTEMPTS);
        assertThat(p.attemptTimeout()).isEqualTo(CallPolicy.DEFAULT_ATTEMPT_TIMEOUT);
        assertThat(p.readFallback()).isTrue();
    }

    @Test
    void badValues_areRejectedAtBuild_namingTheValue() {
        assertThatThrownBy(
                        () -> CallPolicy.builder().attemptTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attemptTimeout must be positive, was PT0S");
        assertThatThrownBy(() -> CallPolicy.builder().maxAttempts(0).build())
                .hasMessage("maxAttempts must be between 1 and 100, was 0");
        assertThatThrownBy(() -> CallPolicy.builder().maxAttempts(101).build())
                .hasMessage("maxAttempts must be between 1 and 100, was 101");
        assertThatThrownBy(() -> CallPolicy.builder()
                        .backoff(Duration.ofMillis(-1), Duration.ofSeconds(1))
                        .build())
                .hasMessage("backoffBase must be >= 0, was PT-0.001S");
        assertThatThrownBy(() -> CallPolicy.builder()
                        .backoff(Duration.ofMillis(100), Duration.ofMillis(50))
                        .build())
                .hasMessage("backoffMax must be >= backoffBase (PT0.1S), was PT0.05S");
        assertThatThrownBy(() -> CallPolicy.builder()
                        .retryBudget(-0.1, 10, Duration.ofSeconds(10))
                        .build())
                .hasMessage("budgetRatio must be between 0 and 10.0, was -0.1");
        assertThatThrownBy(() -> CallPolicy.builder()
                        .retryBudget(Double.NaN, 10, Duration.ofSeconds(10))
                        .build())
                .hasMessage("budgetRatio must be between 0 and 10.0, was NaN");
        assertThatThrownBy(() -> CallPolicy.builder()
                        .retryBudget(0.2, -1, Duration.ofSeconds(10))
                        .build())
                .hasMessage("minRetriesPerSecond must be >= 0, was -1");
        assertThatThrownBy(() -> CallPolicy.builder()
                        .retryBudget(0.2, 10, Duration.ofMillis(500))
                        .build())
                .hasMessage("budgetWindow must be between 1 s and 60 s, was PT0.5S");
        assertThatThrownBy(() ->
                        CallPolicy.builder().circuit(0, Duration.ofSeconds(5)).build())
                .hasMessage("circuitFailures must be >= 1, was 0");
        assertThatThrownBy(() ->
                        CallPolicy.builder().circuit(5, Duration.ofSeconds(-5)).build())
                .hasMessage("circuitCoolDown must be positive, was PT-5S");
    }

    @Test
    void nulls_areRejectedAtOnce_namingTheOption() {
        assertThatThrownBy(() -> CallPolicy.builder().attemptTimeout(null)).hasMessage("attemptTimeout");
        assertThatThrownBy(() -> CallPolicy.builder().clock(null)).hasMessage("clock");
    }
}
