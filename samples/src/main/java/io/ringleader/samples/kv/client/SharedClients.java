package io.ringleader.samples.kv.client;

import io.ringleader.agent.layout.RecordAcl;
import io.ringleader.coordinator.cli.CommandFailedException;
import io.ringleader.samples.kv.check.KvClient;
import java.time.Duration;

/**
 * The client factory of {@code ringleader kv-load}: every worker shares one {@link KvHttpClient} over one observer
 * agent of the cluster named by the target {@code CLUSTER@ZK} (for example {@code demo@127.0.0.1:2181}). The sample
 * client has no ZooKeeper credentials: its agent runs insecure, and only with {@code kv-load --insecure}.
 */
public final class SharedClients implements KvClient.Factory, AutoCloseable {
    private final String zk;
    private final String cluster;
    private KvHttpClient client;

    private SharedClients(String zk, String cluster) {
        this.zk = zk;
        this.cluster = cluster;
    }

    /**
     * The factory for {@code target}.
     *
     * @param insecure whether the client may run without ZooKeeper authentication ({@code --insecure})
     * @throws CommandFailedException (a usage error) if the target is missing or not {@code CLUSTER@ZK}, or if not
     *     {@code insecure}
     */
    public static SharedClients forTarget(String target, boolean insecure) {
        int at = target == null ? -1 : target.indexOf('@');
        if (at <= 0 || at == target.length() - 1) {
            throw CommandFailedException.usage("kv-load: --target must be CLUSTER@ZK, e.g. demo@127.0.0.1:2181, was "
                    + (target == null ? "missing" : "'" + target + "'"));
        }
        if (!insecure) {
            throw CommandFailedException.usage("kv-load: " + RecordAcl.NO_AUTHENTICATION
                    + ": the key-value client has no ZooKeeper credentials; pass --insecure to let it run without"
                    + " (its znodes writable by anyone)");
        }
        return new SharedClients(target.substring(at + 1), target.substring(0, at));
    }

    @Override
    public synchronized KvClient open(int process) throws Exception {
        if (client == null) {
            client = KvHttpClient.connect(zk, cluster, true, Duration.ofSeconds(2), Duration.ofSeconds(20));
        }
        return client; // thread-safe, and closing it twice is harmless
    }

    /** Closes the shared client. */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
