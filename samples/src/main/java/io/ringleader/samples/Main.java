package io.ringleader.samples;

import io.ringleader.coordinator.cli.RingleaderMain;
import io.ringleader.samples.demo.DemoCommand;
import io.ringleader.samples.demo.MemberCommand;
import io.ringleader.samples.job.LeaderJobCommand;
import io.ringleader.samples.kv.check.CheckCommand;
import io.ringleader.samples.kv.check.LoadCommand;
import io.ringleader.samples.kv.client.SharedClients;
import io.ringleader.samples.kv.node.KvNodeCommand;
import java.util.List;

/**
 * Entry point of the distribution ({@code bin/ringleader}, {@code samples/target/ringleader.jar}): the
 * coordinator's {@code ringleader} command plus the sample commands of this module.
 */
public final class Main {
    private Main() {}

    /** The sample commands, each a picocli command object; add one per line. */
    static List<Object> sampleCommands() {
        return List.of(
                new DemoCommand(),
                new MemberCommand(),
                new KvNodeCommand(),
                new LoadCommand(SharedClients::forTarget),
                new CheckCommand(),
                new LeaderJobCommand());
    }

    /** Runs {@code ringleader args...} and returns its exit code. */
    static int run(String... args) {
        return RingleaderMain.run(sampleCommands(), args);
    }

    public static void main(String... args) {
        System.exit(run(args));
    }
}
