package io.ringleader.agent.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringleader.agent.layout.ClusterPath;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * Appends events to a cluster's bounded history, {@code events/e-<seq>} (persistent sequential znodes), and keeps it
 * within its cap by deleting the oldest.
 *
 * <p>The cap is the cluster's, stored in the {@code events} znode itself ({@code {"format":1,"cap":1000}}, written
 * by the active coordinator with {@link #publishCap}); without it the cap is {@value #DEFAULT_CAP}. Every writer
 * (the coordinator and the agents) trims: after an append it reads the {@code events} znode once (its cap and, from
 * its stat, the number of children) and, only when the history has grown a tenth of the cap past it, lists the
 * children and deletes the oldest down to the cap. A write therefore costs one transaction and one read, and the
 * listing is amortised over a tenth of the cap. Two writers that trim at once delete the same oldest znodes; a
 * znode already gone is skipped.
 *
 * <p>Calls block on ZooKeeper: never call them on a ZooKeeper event thread or on a path that must not wait.
 */
public final class EventLog {
    /** The cap of a cluster whose {@code events} znode names none. */
    public static final int DEFAULT_CAP = 1000;

    /** The smallest cap. */
    public static final int MIN_CAP = 10;

    /** The largest cap: a listing of the history stays far below ZooKeeper's 1 MB reply limit. */
    public static final int MAX_CAP = 20_000;

    /** Events per transaction: 64 × 4 KiB stays far below {@code jute.maxbuffer}. */
    static final int MAX_BATCH = 64;

    /** The prefix of every event znode's name. */
    public static final String PREFIX = "e-";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CuratorFramework client;
    private final String events;
    private final List<ACL> acl;

    /**
     * A writer to {@code path}'s history whose event znodes get {@code acl}.
     *
     * @throws NullPointerException if an argument is null
     */
    public EventLog(CuratorFramework client, ClusterPath path, List<ACL> acl) {
        this.client = Objects.requireNonNull(client, "client");
        this.events = Objects.requireNonNull(path, "path").events();
        this.acl = List.copyOf(Objects.requireNonNull(acl, "acl"));
    }

    /**
     * Checks a cap.
     *
     * @throws IllegalArgumentException if it is not between {@value #MIN_CAP} and {@value #MAX_CAP}
     */
    public static int checkCap(String what, int cap) {
        if (cap < MIN_CAP || cap > MAX_CAP) {
            throw new IllegalArgumentException(
                    what + " must be between " + MIN_CAP + " and " + MAX_CAP + ", was " + cap);
        }
        return cap;
    }

    /**
     * Appends {@code batch} in order (one transaction per {@value #MAX_BATCH} events), then trims the history if it
     * grew past its cap.
     *
     * @return the events as stored, with their sequence numbers
     * @throws IllegalArgumentException if an event is over its size budget (nothing is written)
     * @throws Exception if ZooKeeper fails; a batch either was written whole or not at all
     */
    public List<Event> append(List<Event> batch) throws Exception {
        List<byte[]> encoded = new ArrayList<>(batch.size());
        for (Event e : batch) {
            encoded.add(EventCodec.encode(e));
        }
        List<Event> stored = new ArrayList<>(batch.size());
        for (int from = 0; from < batch.size(); from += MAX_BATCH) {
            int to = Math.min(batch.size(), from + MAX_BATCH);
            List<String> paths;
            try {
                paths = create(encoded.subList(from, to));
            } catch (KeeperException.NoNodeException e) {
                ensureParent();
                paths = create(encoded.subList(from, to));
            }
            for (int i = from; i < to; i++) {
                stored.add(batch.get(i).stored(sequenceOf(paths.get(i - from))));
            }
        }
        if (!batch.isEmpty()) {
            trim();
        }
        return stored;
    }

    /** Appends one event; see {@link #append(List)}. */
    public Event append(Event event) throws Exception {
        return append(List.of(event)).get(0);
    }

    /**
     * Makes {@code cap} the cluster's cap (the active coordinator's setting), if it is not already.
     *
     * @throws IllegalArgumentException if the cap is out of range
     * @throws Exception if ZooKeeper fails
     */
    public void publishCap(int cap) throws Exception {
        checkCap("events cap", cap);
        byte[] data = ("{\"format\":1,\"cap\":" + cap + "}").getBytes(StandardCharsets.UTF_8);
        Stat stat = new Stat();
        byte[] current;
        try {
            current = client.getData().storingStatIn(stat).forPath(events);
        } catch (KeeperException.NoNodeException e) {
            try {
                client.create().creatingParentsIfNeeded().withACL(acl).forPath(events, data);
                return;
            } catch (KeeperException.NodeExistsException raced) {
                current = client.getData().storingStatIn(stat).forPath(events);
            }
        }
        if (capOf(current) != cap) {
            client.setData().withVersion(stat.getVersion()).forPath(events, data);
        }
    }

    /**
     * Deletes the oldest events beyond the cap, if the history has grown a tenth of the cap past it.
     *
     * @return how many were deleted
     * @throws Exception if ZooKeeper fails
     */
    int trim() throws Exception {
        Stat stat = new Stat();
        int cap;
        try {
            cap = capOf(client.getData().storingStatIn(stat).forPath(events));
        } catch (KeeperException.NoNodeException e) {
            return 0;
        }
        if (stat.getNumChildren() <= cap + slack(cap)) {
            return 0;
        }
        List<String> names = new ArrayList<>();
        for (String name : client.getChildren().forPath(events)) {
            if (sequenceOf(name) >= 0) {
                names.add(name);
            }
        }
        names.sort(Comparator.comparingLong(EventLog::sequenceOf));
        int deleted = 0;
        for (int i = 0; i < names.size() - cap; i++) {
            try {
                client.delete().forPath(events + "/" + names.get(i));
                deleted++;
            } catch (KeeperException.NoNodeException e) {
                // another writer trimmed it
            }
        }
        return deleted;
    }

    /** How far past its cap the history may grow before it is trimmed. */
    static int slack(int cap) {
        return Math.max(1, cap / 10);
    }

    /** The cap that the {@code events} znode's data names, {@value #DEFAULT_CAP} if none or unreadable. */
    public static int capOf(byte[] data) {
        if (data == null || data.length == 0) {
            return DEFAULT_CAP;
        }
        try {
            JsonNode cap = JSON.readTree(data).get("cap");
            if (cap != null && cap.canConvertToInt() && cap.intValue() >= MIN_CAP && cap.intValue() <= MAX_CAP) {
                return cap.intValue();
            }
        } catch (Exception e) {
            // not ours: the default applies
        }
        return DEFAULT_CAP;
    }

    /** The sequence number of an event znode's name or path, -1 if it is not one. */
    public static long sequenceOf(String nameOrPath) {
        String name = nameOrPath.substring(nameOrPath.lastIndexOf('/') + 1);
        if (!name.startsWith(PREFIX) || name.length() == PREFIX.length()) {
            return -1;
        }
        long seq = 0;
        for (int i = PREFIX.length(); i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9' || seq > (Long.MAX_VALUE - 9) / 10) {
                return -1;
            }
            seq = seq * 10 + (c - '0');
        }
        return seq;
    }

    private List<String> create(List<byte[]> chunk) throws Exception {
        List<CuratorOp> ops = new ArrayList<>(chunk.size());
        for (byte[] data : chunk) {
            ops.add(client.transactionOp()
                    .create()
                    .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .withACL(acl)
                    .forPath(events + "/" + PREFIX, data));
        }
        List<CuratorTransactionResult> results = client.transaction().forOperations(ops);
        List<String> paths = new ArrayList<>(results.size());
        results.forEach(r -> paths.add(r.getResultPath()));
        return paths;
    }

    private void ensureParent() throws Exception {
        try {
            client.create().creatingParentsIfNeeded().withACL(acl).forPath(events, new byte[0]);
        } catch (KeeperException.NodeExistsException e) {
            // created meanwhile
        }
    }
}
