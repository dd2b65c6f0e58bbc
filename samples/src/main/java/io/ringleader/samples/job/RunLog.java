package io.ringleader.samples.job;

import io.ringleader.agent.Agent;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.leadership.Term;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The sample job's output, shared by every instance and fenced: one znode of lines {@code run N at epoch E by
 * member M}, numbered across the cluster, to which only a live term can append.
 *
 * <p>An {@link #append(Term) append} reads the log, then writes it back with one line more in one ZooKeeper
 * transaction, and is refused with a {@link FencedOutException} when:
 *
 * <ul>
 *   <li>the last line has a larger epoch than the term: a later leader has written. This is the fencing token,
 *       and any store can do it: keep the largest epoch written and refuse a smaller one (a database row with a
 *       {@code WHERE epoch <= ?}, an object store's conditional put);
 *   <li>the term's latch znode is gone: the transaction holds a {@code check} of {@link Term#latchPath()}, which
 *       exists exactly as long as the term can last. This refuses a deposed leader even before the next leader
 *       has written anything; ZooKeeper offers it, most stores do not;
 *   <li>the log changed since it was read: the write is conditional on the version read, so the epoch compared
 *       is the epoch replaced.
 * </ul>
 *
 * <p>The log keeps the last {@value #KEEP} lines.
 */
public final class RunLog {
    /** How many lines the log keeps. */
    public static final int KEEP = 100;

    private final CuratorFramework client;
    private final String path;

    /** The log at {@code path}, read and written through {@code client} (started, not closed by the log). */
    public RunLog(CuratorFramework client, String path) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = Objects.requireNonNull(path, "path");
    }

    /**
     * The log of job {@code jobName} in the agent's cluster, at {@link #path(ClusterPath, String)}.
     *
     * @throws IllegalArgumentException if the name is not a valid znode name
     */
    public static RunLog of(Agent agent, String jobName) {
        return new RunLog(agent.curator(), path(agent.clusterPath(), jobName));
    }

    /**
     * {@code <root>/<cluster>/jobs/<jobName>}.
     *
     * @throws IllegalArgumentException if the name is not a valid znode name
     */
    public static String path(ClusterPath cluster, String jobName) {
        return cluster.base() + "/jobs/" + ClusterPath.checkName("job name", jobName);
    }

    /** The znode of the log. */
    public String path() {
        return path;
    }

    /**
     * Appends the next run, by the holder of {@code term} at its epoch, if {@code term} is still the current one.
     *
     * @return the line appended
     * @throws FencedOutException if the term is over or a later term has written (nothing is written)
     * @throws Exception if ZooKeeper cannot be reached; the line may or may not have been written
     */
    public Entry append(Term term) throws Exception {
        Stat stat = new Stat();
        List<Entry> entries = decode(readOrCreate(stat));
        Entry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
        if (last != null && last.epoch() > term.epoch()) {
            throw new FencedOutException(
                    "term " + term + " is older than the last line of the log: " + last + "; nothing written");
        }
        Entry next = new Entry(last == null ? 1 : last.run() + 1, term.epoch(), term.holderId());
        List<Entry> kept = new ArrayList<>(entries.subList(Math.max(0, entries.size() - KEEP + 1), entries.size()));
        kept.add(next);
        CuratorOp termIsLive = client.transactionOp().check().forPath(term.latchPath());
        CuratorOp write =
                client.transactionOp().setData().withVersion(stat.getVersion()).forPath(path, encode(kept));
        try {
            client.transaction().forOperations(termIsLive, write);
        } catch (KeeperException.NoNodeException e) {
            throw new FencedOutException(
                    "term " + term + " is over: its latch znode " + term.latchPath() + " is gone; nothing written");
        } catch (KeeperException.BadVersionException e) {
            throw new FencedOutException("the log " + path + " changed while term " + term + " wrote; nothing written");
        }
        return next;
    }

    /**
     * The lines kept, oldest first; empty if nothing was written yet.
     *
     * @throws IllegalStateException if a line is not a run line
     * @throws Exception if ZooKeeper cannot be read
     */
    public List<Entry> entries() throws Exception {
        try {
            return decode(client.getData().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    private byte[] readOrCreate(Stat stat) throws Exception {
        try {
            return client.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            try {
                // An empty log protects nothing, so creating it needs no fence.
                client.create().creatingParentsIfNeeded().forPath(path, new byte[0]);
            } catch (KeeperException.NodeExistsException raced) {
                // another instance created it first
            }
            return client.getData().storingStatIn(stat).forPath(path);
        }
    }

    private List<Entry> decode(byte[] data) {
        List<Entry> entries = new ArrayList<>();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                entries.add(Entry.parse(line, path));
            }
        }
        return entries;
    }

    private static byte[] encode(List<Entry> entries) {
        StringBuilder text = new StringBuilder();
        entries.forEach(e -> text.append(e).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One line of the log.
     *
     * @param run the run's number, counted across every instance from 1
     * @param epoch the fencing epoch of the term it ran under
     * @param member the id of the instance that ran it
     */
    public record Entry(long run, long epoch, String member) {
        private static final Pattern LINE = Pattern.compile("run (\\d+) at epoch 0x([0-9a-f]+) by member (\\S+)");

        public Entry {
            Objects.requireNonNull(member, "member");
        }

        static Entry parse(String line, String path) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalStateException("not a run line in " + path + ": '" + line + "'");
            }
            return new Entry(Long.parseLong(m.group(1)), Long.parseLong(m.group(2), 16), m.group(3));
        }

        /** {@code run N at epoch 0x<hex> by member M}. */
        @Override
        public String toString() {
            return "run " + run + " at epoch 0x" + Long.toHexString(epoch) + " by member " + member;
        }
    }
}
