package io.ringleader.bench;

import io.ringleader.agent.membership.Endpoint;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.assign.Participant;
import io.ringleader.coordinator.assign.Placement;
import io.ringleader.coordinator.assign.PlacementConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Members and rings shared by the benchmark and the comparison. */
final class Fixtures {

    /** The slot count of the Ringleader ring under test. */
    static final int SLOTS = 16384;
    /** The replication factor of the Ringleader ring under test. */
    static final int REPLICATION = 3;

    private Fixtures() {}

    /** Member ids {@code m-0000} ... in order. */
    static List<String> memberIds(int count) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(memberId(i));
        }
        return ids;
    }

    /** The id of member number {@code i}. */
    static String memberId(int i) {
        return String.format("m-%04d", i);
    }

    /** UP member records for {@code ids}, one endpoint each. */
    static List<Member> upMembers(List<String> ids) {
        List<Member> members = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            members.add(new Member(
                    ids.get(i),
                    new Endpoint("10.0." + (i / 250) + "." + (i % 250 + 1), 7000),
                    1,
                    null,
                    MemberState.UP,
                    Instant.EPOCH,
                    Map.of()));
        }
        return members;
    }

    /** Equal-weight active participants, no zones, for {@code ids}. */
    static List<Participant> participants(List<String> ids) {
        List<Participant> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            out.add(Participant.active(id, 1, null));
        }
        return out;
    }

    /**
     * The ring the coordinator would write for {@code ids}: {@link Placement#assign} from {@code previous} (null
     * for a first placement) with S = {@value #SLOTS}, R = {@value #REPLICATION}.
     */
    static Ring placedRing(Ring previous, List<String> ids) {
        return Placement.assign(previous, participants(ids), new PlacementConfig(SLOTS, REPLICATION))
                .ring();
    }
}
