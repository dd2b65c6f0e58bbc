package io.ringleader.coordinator.assign;

/**
 * One change of one replica entry: at {@code rank} of slot {@code slot}, {@code from} is replaced by {@code to}.
 *
 * @param slot the slot
 * @param rank the rank in the slot's replica list (0 = primary)
 * @param from the member that held the entry, or null if it was empty (first placement, a grown list)
 * @param to the member that holds it now, or null if it is now empty (fewer members than R)
 * @param reason why {@code from} gave up the entry
 */
public record Move(int slot, int rank, String from, String to, Reason reason) {

    /** Why an entry changed hands. */
    public enum Reason {
        /** The entry was empty. */
        PLACED,
        /** {@code from} is no longer a participant. */
        DEPARTED,
        /** {@code from} is no longer a participant and {@code to} is the spare that takes over its replicas. */
        SPARE_TAKEOVER,
        /** {@code from} was drained by the operator. */
        DRAINED,
        /** {@code from} still holds the slot, at another rank. */
        REORDERED,
        /** {@code from} is over its weighted share (a member joined or weights changed). */
        REBALANCED,
        /**
         * A zone repair: {@code from} stays a member but gives up the entry so that the slot's replicas are in distinct
         * zones, or the entry goes to a member that takes it only for that. Zone spread comes before the rule that no
         * entry moves between two members that both stay; see {@link Plan#zoneConflicts()}.
         */
        ZONE_REPAIR,
        /**
         * A dead end of the set phase: {@code from} stays a member but gives up the entry so that another slot, which
         * every member under its share already lists, can take {@code from}; {@code to} takes its place here. Rare; it
         * breaks the rule that no entry moves between two members that both stay, and is named for that.
         */
        DEAD_END,
        /**
         * An operator's failover ({@link PrimaryPins}): {@code from} stays in the slot but its primary is pinned away,
         * so the slot's replica list turns until a member that is not pinned leads it.
         */
        FAILOVER,
        /** The undo of a {@link #FAILOVER}: the pin was removed, and the slot's replica list turns back. */
        FAILBACK
    }

    /** One line for an operator, e.g. {@code move slot 17 rank 0 kv-3 → kv-5 (kv-3 departed)}. */
    public String describe() {
        String head = "move slot " + slot + " rank " + rank + " " + (from == null ? "(none)" : from) + " → "
                + (to == null ? "(none)" : to);
        String why =
                switch (reason) {
                    case PLACED -> "empty entry";
                    case DEPARTED -> from + " departed";
                    case SPARE_TAKEOVER -> "spare " + to + " takes over from departed " + from;
                    case DRAINED -> from + " drained";
                    case REORDERED -> from + " keeps the slot at another rank";
                    case REBALANCED -> from + " over its share";
                    case ZONE_REPAIR -> "zone repair: " + from + " stays, replicas spread over zones";
                    case DEAD_END -> "dead end: " + from
                            + " stays, moves to a slot no member under its share could fill";
                    case FAILOVER -> rank == 0
                            ? from + " failed over by the operator"
                            : "the slot's primary failed over by the operator";
                    case FAILBACK -> rank == 0
                            ? to + " failed back by the operator"
                            : "the slot's primary failed back by the operator";
                };
        return head + " (" + why + ")";
    }
}
