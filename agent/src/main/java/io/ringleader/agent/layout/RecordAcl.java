package io.ringleader.agent.layout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * The ACL of the records Ringleader writes (a member, the ring, the failovers, the operator config, an event, a
 * suspicion). With ZooKeeper authentication the writer's identity may do everything and everyone may read; without
 * it the record is open ({@code world:anyone} all), as ZooKeeper has no identity to give it to.
 *
 * <p>Parent znodes that several identities add children to ({@code members}, {@code events}, {@code suspects} and
 * each suspect's container) are created open: ZooKeeper checks the right to create and to delete a child on the
 * parent, so a parent closed to one identity would lock the others out.
 */
public final class RecordAcl {
    private static final List<ACL> WRITER_ONLY;

    static {
        List<ACL> acl = new ArrayList<>(ZooDefs.Ids.CREATOR_ALL_ACL);
        acl.addAll(ZooDefs.Ids.READ_ACL_UNSAFE);
        WRITER_ONLY = Collections.unmodifiableList(acl);
    }

    private RecordAcl() {}

    /**
     * The ACL for a record written by a client that is {@code authenticated} or not.
     *
     * @return {@code auth:ALL} plus {@code world:READ} if authenticated, else {@code world:anyone} all
     */
    public static List<ACL> of(boolean authenticated) {
        return authenticated ? WRITER_ONLY : ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }
}
