package io.ringleader.agent.layout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * The ACL of the znodes Ringleader creates. With ZooKeeper authentication the creating identity may do everything
 * and everyone may read, for records (a member, the ring, the failovers, the operator config, an event, a suspicion)
 * and for the parents and election znodes alike ({@link #provider(ClusterPath)}). Without it ZooKeeper has no
 * identity to give them to, so they can only be open ({@code world:anyone} all), and only if the insecure flag says
 * so: every front door (the agent builder, the coordinator, the admin CLI) refuses to start with neither, in one line
 * that starts with {@link #NO_AUTHENTICATION}, and logs {@link #INSECURE_WARNING} when it starts insecure.
 *
 * <p>ZooKeeper checks the right to create and to delete a child on its parent, so with authentication every member,
 * coordinator and admin of a cluster authenticates as one identity, the one that created the cluster's znodes (as
 * brokers share one principal in Kafka's secure ZooKeeper mode); an operator can grant more identities on the
 * parents with {@code setAcl}.
 */
public final class RecordAcl {
    /** How the error of a client with neither authentication nor the insecure flag begins; the fix follows. */
    public static final String NO_AUTHENTICATION = "no ZooKeeper authentication configured";

    /** The warning a client logs once when it starts with the insecure flag and without authentication. */
    public static final String INSECURE_WARNING = "insecure: znodes are created world:anyone writable (no ZooKeeper"
            + " authentication): anyone who can reach ZooKeeper can change or delete them";

    private static final List<ACL> WRITER_ONLY;
    /** Above a cluster: its creator may do everything, anyone may read and add a child. */
    private static final List<ACL> SHARED_PARENT;

    static {
        List<ACL> acl = new ArrayList<>(ZooDefs.Ids.CREATOR_ALL_ACL);
        acl.addAll(ZooDefs.Ids.READ_ACL_UNSAFE);
        WRITER_ONLY = Collections.unmodifiableList(acl);
        List<ACL> shared = new ArrayList<>(ZooDefs.Ids.CREATOR_ALL_ACL);
        shared.add(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE));
        SHARED_PARENT = Collections.unmodifiableList(shared);
    }

    private RecordAcl() {}

    /**
     * The ACL for a record written by a client that is {@code authenticated} or not; {@code insecure} matters only
     * without authentication.
     *
     * @return {@code auth:ALL} plus {@code world:READ} if authenticated, else {@code world:anyone} all if insecure
     * @throws IllegalStateException if neither authenticated nor insecure
     */
    public static List<ACL> of(boolean authenticated, boolean insecure) {
        if (authenticated) {
            return WRITER_ONLY;
        }
        if (!insecure) {
            throw new IllegalStateException(
                    NO_AUTHENTICATION + ": refusing to create world:anyone writable znodes without the insecure flag");
        }
        return ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }

    /**
     * For an authenticated client of the cluster at {@code path}: every znode it creates without an explicit ACL
     * (parents, containers, election znodes) gets {@code auth:ALL} plus {@code world:READ}, so that no other client
     * can add, delete or re-ACL anything under the cluster. The znodes above the cluster (the root namespace, shared by
     * the clusters of one ensemble) also let anyone add a child, so that clusters with other identities can live
     * beside it.
     */
    public static ACLProvider provider(ClusterPath path) {
        String base = path.base();
        return new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
                return WRITER_ONLY;
            }

            @Override
            public List<ACL> getAclForPath(String znode) {
                return base.startsWith(znode + "/") ? SHARED_PARENT : WRITER_ONLY;
            }
        };
    }
}
