package io.ringleader.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogOnceTest {

    @Test
    void aConditionIsLoggedWhenItFirstOccurs_andAgainOnlyAfterAReset() {
        LogOnce once = new LogOnce();
        List<String> lines = new ArrayList<>();

        once.log(() -> lines.add("first"));
        once.log(() -> lines.add("repeat"));
        assertThat(lines).containsExactly("first");

        once.reset();
        once.reset();
        once.log(() -> lines.add("after reset"));
        once.log(() -> lines.add("repeat"));
        assertThat(lines).containsExactly("first", "after reset");
    }
}
