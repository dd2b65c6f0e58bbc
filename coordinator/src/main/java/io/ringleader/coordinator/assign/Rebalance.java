package io.ringleader.coordinator.assign;

import io.ringleader.agent.ring.Ring;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The placement algorithm, in two phases over member indexes (index order is id order).
 *
 * <p><b>Sets.</b> Each slot keeps the previous members that are still placeable (the first {@code R'} of them in
 * rank order). A member over its total quota gives up entries (in slots where its zone is doubled first, then its
 * lowest-ranked entries, then in an order of slots hashed with its own id); a member under quota takes free entries
 * (preferring a zone the slot lacks, then the largest deficit, then a stable hash of slot and member id). If every
 * member under quota is already in a slot, a swap with another slot repairs the dead end. Then, if a full zone spread
 * exists, entries that are new in this placement are swapped between slots that list a zone twice and slots that
 * lack it, and the slots that still list a zone twice are repaired along cycles of slots that may move entries
 * between members that both stay (zone repairs, the fewest such moves first).
 *
 * <p><b>Ranks.</b> Rank by rank, each slot first keeps its members in their previous order (slots whose set did not
 * change first), within per-rank bounds ({@code floor} or {@code ceil} of the member's total over {@code R'}); then
 * augmenting paths fill the slots left open and lift members below their lower bound, changing as few entries as
 * they can.
 */
final class Rebalance {
    /** The previous rank of an entry that is new in its slot. */
    static final int NEW = Integer.MAX_VALUE;

    /**
     * The work {@link #keepFewestEntries} may spend in {@link SetFlow} (edges scanned by its cycle searches): about a
     * tenth of a second. Capped members on large rings can need hundreds of cycles, each a search over the whole
     * graph (a leave of one of 7 members with weights up to 10,000 at S = 16384 took 12 s in the flow without a cap);
     * the table reached when it is spent is used.
     */
    static final long FLOW_WORK = 1L << 24;

    private final int slots;
    private final int ranks;
    private final int n;
    private final int[] zone;
    private final long[] idHash;
    /** members of slot s: set[s * ranks + i], i < setLen[s]. */
    private final int[] set;

    private final int[] setLen;
    /** previous rank of set[s * ranks + i] in slot s, or NEW. */
    private final int[] setPrevRank;

    private final boolean[] changed;
    private final int[] total;
    /** Floor ({@code [0]}) and ceiling ({@code [1]}) of each member's share of the entries ({@link Quotas#bounds}). */
    private final long[][] shares;

    private final int[] order;
    private int[] primaryNeed;
    /** Entries each member held in the previous ring. */
    private final int[] previouslyHeld;
    /** Per member, the primaries it could get only by taking them from slots that kept theirs. */
    private final int[] primaryShortfall;

    /** The starting set of each slot (its previous members still placeable), in the layout of {@link #set}. */
    private final int[] startSet;

    private final int[] startLen;
    private final int[] startPrevRank;
    /** Slots whose set the zone repair changed. */
    private final boolean[] repaired;
    /** Whether this attempt spreads zones (steps 5 to 8 run). */
    private final boolean spread;
    /** Slots whose primary left, before the zone repair. */
    private boolean[] openAtStart;

    private int unresolved;
    private int zoneSwaps;
    private int zoneConflicts;
    private int zoneCycles;
    private boolean setsImproved;
    /** Whether the zone repair's flow ran ({@link #keepMostEntries}), improving the sets or not. */
    private boolean flowTried;
    /** The new entries before {@link SetFlow} changed the sets (valid when {@link #setsImproved}). */
    private int entriesBeforeFlow;

    private int[] ordered;
    /** Reused by {@link #augment}: the search that reached each slot, its parent slot, the queue. */
    private int[] searchSeen;

    private int[] searchParent;
    private int[] searchQueue;
    private int searchStamp;
    /**
     * A work cap on the searches for a path through slots that did not keep their member ({@link #augment} with {@code
     * avoidKept}): once more than {@code max(LONG_SEARCHES, S / 16)} of them in one rank reached this many slots,
     * each later one gives up there for a path through any slot. Where a ring's every slot changes (R' grows when a
     * member joins a ring of fewer than R members), most such searches fail, each after reaching every slot a member
     * was moved to so far: without the cap, a join at S = 65536 spent 10-30 s in them. Rings of at most this many
     * slots are never capped; the leaves of {@code PlacementTiming} (up to 111 long searches in a rank) and its
     * sequences of capped members place as without it (a limit of S / 64 changed one of their steps).
     */
    static final int AVOID_KEPT_REACH = 1024;

    /** The least number of searches of one rank that may reach past {@link #AVOID_KEPT_REACH} slots uncapped. */
    static final int LONG_SEARCHES = 256;

    /** Reused by {@link #augmentSet}: the search that reached each slot, its parent slot and member, the queue. */
    private int[] setSeen;

    private int[] setParent;
    private int[] setVia;
    private int[] setQueue;
    private int setStamp;
    /**
     * Per member, a bit per slot: the member entered the slot in this placement (its entry there is {@link #NEW}).
     * Kept by {@link #add} and {@link #remove} while the fill of {@link #chooseSets} runs, where {@link #augmentSet}
     * walks it instead of every slot; null otherwise, or where it would take more than {@value #NEW_IN_WORDS} words.
     */
    private long[][] newIn;
    /**
     * Per member, a bit per position k of {@link #order}: the member is not in slot {@code order[k]}. Kept with
     * {@link #newIn}, for {@link #repairSet}.
     */
    private long[][] absentIn;
    /** The position of each slot in {@link #order}, while {@link #absentIn} is kept. */
    private int[] orderPos;
    /** Per slot, its new entries; and a bit per position of {@link #order}: that slot has one. Kept with newIn. */
    private int[] newCount;

    private long[] withNew;

    static final long NEW_IN_WORDS = 1L << 20;
    /** (slot t, member v) as {@code t * n + v}: v kept t but left it to fill a dead end of the set phase. */
    private final java.util.Set<Long> deadEnds = new java.util.HashSet<>();

    /**
     * Chooses the sets of every slot.
     *
     * @param primaryBoost per member, how many more primaries than counted it should be offered as a newcomer in slots
     *     whose primary left (the shortfall of an earlier attempt), or null
     */
    Rebalance(
            int slots,
            int ranks,
            int[] weight,
            int[] zone,
            long[] idHash,
            int[] prevTable,
            int prevRanks,
            int[] primaryBoost,
            boolean spread,
            boolean exactSets,
            int[] chosenTotals) {
        this.slots = slots;
        this.ranks = ranks;
        this.n = weight.length;
        this.zone = zone;
        this.idHash = idHash;
        this.set = new int[slots * ranks];
        this.setLen = new int[slots];
        this.setPrevRank = new int[slots * ranks];
        this.changed = new boolean[slots];
        int[] held = new int[n];
        for (int s = 0; s < slots; s++) {
            int len = 0;
            for (int r = 0; r < prevRanks && len < ranks; r++) {
                int m = prevTable[s * prevRanks + r];
                if (m >= 0) {
                    set[s * ranks + len] = m;
                    setPrevRank[s * ranks + len] = r;
                    len++;
                    held[m]++;
                }
            }
            setLen[s] = len;
        }
        this.startSet = set.clone();
        this.startLen = setLen.clone();
        this.startPrevRank = setPrevRank.clone();
        this.repaired = new boolean[slots];
        this.spread = spread;
        // the same for every attempt over the same previous ring: computed once (chosenTotals) where given
        this.total = chosenTotals != null
                ? chosenTotals.clone()
                : KeptTotals.choose(
                        slots, ranks, weight, zone, held, Quotas.totals(slots, ranks, weight, zone, held), set, setLen);
        this.previouslyHeld = held.clone();
        this.shares = Quotas.bounds(slots, ranks, weight);
        this.primaryShortfall = new int[n];
        long[] keys = new long[slots];
        for (int s = 0; s < slots; s++) {
            keys[s] = (mix(s * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L) & ~0xFFFFL) | s;
        }
        Arrays.sort(keys);
        this.order = new int[slots];
        for (int i = 0; i < slots; i++) {
            order[i] = (int) (keys[i] & 0xFFFF);
        }
        chooseSets(held, primaryBoost);
        if (spread) {
            spreadZones();
            repairZones(exactSets);
        }
        if (exactSets && !flowTried) {
            keepFewestEntries(); // unless the zone repair's flow ran, improving the sets or finding them the fewest
        }
    }

    /**
     * Totals within the same bounds that give a member room to lead a slot whose primary left where none of the
     * slot's members could lead it: with {@code ceil(T / R')} primaries at most, a survivor that keeps that many
     * primaries elsewhere has no room, and the slot then needs a newcomer to lead it or takes a primary that stayed
     * from another slot. For each such slot (in slot order), one survivor that is below the ceiling of its share and
     * would gain room with one entry more takes the rounding extra of a member that gains entries and keeps room for
     * the primaries it keeps (of its zone where a full spread is possible: a zone's total stays, so its cap does). And
     * a member short of primaries gives its rounding extra away where that lowers its lower bound of primaries. Null
     * if nothing changes.
     */
    int[] leadRoomTotals(long[][] bounds) {
        // zones constrain the totals only where a full spread is possible (the zone caps of Quotas)
        boolean zonesBind = spread && spreadPossible();
        int[] t = total.clone();
        int[] keeps = new int[n];
        for (int s = 0; s < slots; s++) {
            int leader = previousLeader(s);
            if (leader >= 0) {
                keeps[leader]++;
            }
        }
        boolean changedAny = false;
        for (int i = 0; i < slots; i++) {
            int s = order[i];
            if (previousLeader(s) >= 0 || startLen[s] == 0) {
                continue;
            }
            boolean room = false;
            int candidate = -1;
            for (int j = 0; j < startLen[s] && !room; j++) {
                int m = startSet[s * ranks + j];
                if (mayLead(t[m], ranks) > keeps[m]) {
                    room = true;
                } else if (candidate < 0 && t[m] < bounds[1][m] && mayLead(t[m] + 1, ranks) > keeps[m]) {
                    candidate = m;
                }
            }
            if (room || candidate < 0) {
                continue;
            }
            int giver = -1;
            // of its zone first, so that zone totals stay; of another only where zones do not bind
            for (int pass = 0; pass < (zonesBind ? 1 : 2) && giver < 0; pass++) {
                for (int x = 0; x < n && giver < 0; x++) {
                    if (x != candidate
                            && (pass == 1 || zone[x] == zone[candidate])
                            && t[x] > bounds[0][x]
                            && t[x] > previouslyHeld[x]
                            && mayLead(t[x] - 1, ranks) >= keeps[x]) {
                        giver = x;
                    }
                }
            }
            if (giver < 0) {
                continue;
            }
            t[candidate]++;
            t[giver]--;
            keeps[candidate]++; // the room it gained is for this slot
            changedAny = true;
        }
        // A member short of primaries (it could reach its lower bound, floor(T / R'), only by taking primaries that
        // stayed) gives up its rounding extra where that lowers the bound, to a member below the ceiling of its share
        // and not short itself, one whose lower bound does not rise first.
        for (int u = 0; u < n; u++) {
            if (primaryShortfall[u] <= 0
                    || t[u] <= bounds[0][u]
                    || t[u] - 1 < previouslyHeld[u]
                    || (t[u] - 1) / ranks == t[u] / ranks) {
                continue;
            }
            int taker = -1;
            // of its zone first, its lower bound not rising first; of another zone only where zones do not bind
            for (int pass = 0; pass < (zonesBind ? 2 : 4) && taker < 0; pass++) {
                for (int x = 0; x < n && taker < 0; x++) {
                    if (x != u
                            && (pass >= 2 || zone[x] == zone[u])
                            && t[x] < bounds[1][x]
                            && primaryShortfall[x] == 0
                            && (pass % 2 == 1 || (t[x] + 1) / ranks == t[x] / ranks)) {
                        taker = x;
                    }
                }
            }
            if (taker >= 0) {
                t[u]--;
                t[taker]++;
                changedAny = true;
            }
        }
        return changedAny ? t : null;
    }

    /**
     * Each member's total, as chosen before the set phase ({@link KeptTotals}) or, after a zone repair, by the exact
     * flow ({@link SetFlow}): to pass to another attempt.
     */
    int[] totals() {
        return total.clone();
    }

    /**
     * How many slots listed a zone twice after the set phase and the swaps of new entries, when a full spread exists
     * (0 otherwise): the slots {@link #repairZones} had to repair.
     */
    int zoneConflicts() {
        return zoneConflicts;
    }

    /** How many slots list a zone twice while some zone is missing from them. */
    int slotsWithZoneTwice() {
        int zones = zones();
        int c = 0;
        for (int s = 0; s < slots; s++) {
            if (zoneDoubled(s, zones)) {
                c++;
            }
        }
        return c;
    }

    /** How many pairs of entries {@link #spreadZones} swapped. */
    int zoneSwaps() {
        return zoneSwaps;
    }

    /** After {@link #order()}: entries where exact balance was given up (0 when the placement is exact). */
    int unresolved() {
        return unresolved;
    }

    /**
     * After {@link #order()}: per member that held entries before, how many primaries it could reach its lower bound
     * only through slots that kept their primary (so a surviving primary moved); all zero if none.
     */
    int[] primaryShortfall() {
        return primaryShortfall;
    }

    boolean hasPrimaryShortfall() {
        for (int v : primaryShortfall) {
            if (v > 0) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- sets

    private void chooseSets(int[] held, int[] primaryBoost) {
        // How many more primaries each member needs than it keeps or inherits as first backup: a slot whose
        // primary left prefers such a member as its newcomer, so that primaries can balance inside changed slots.
        primaryNeed = new int[n];
        for (int m = 0; m < n; m++) {
            primaryNeed[m] = mayLead(total[m], ranks);
        }
        for (int s = 0; s < slots; s++) {
            int first = firstBackup(s);
            if (first >= 0) {
                primaryNeed[first]--;
            }
        }
        if (primaryBoost != null) {
            for (int m = 0; m < n; m++) {
                primaryNeed[m] += primaryBoost[m];
            }
        }
        // Members over quota give up entries.
        for (int m = 0; m < n; m++) {
            int excess = held[m] - total[m];
            if (excess <= 0) {
                continue;
            }
            int[] candidates = new int[held[m]];
            long[] keys = new long[held[m]];
            int c = 0;
            for (int i = 0; i < slots; i++) {
                int s = order[i];
                int pos = position(s, m);
                if (pos >= 0) {
                    boolean zoneTwice = zone[m] >= 0 && zoneCount(s, zone[m]) > 1;
                    // zone doubled first, then lowest rank (largest previous rank) first, then an order of slots
                    // that is this member's own: with one order shared by all members, the slots given to one
                    // joiner would be the first ones given to the next, and two joiners would share most slots
                    keys[c] = ((zoneTwice ? 0L : 1L) << 62)
                            | ((long) (ranks - 1 - Math.min(setPrevRank[s * ranks + pos], ranks - 1)) << 40)
                            | ((memberSlotHash(idHash[m], s) >>> 40) << 16)
                            | s;
                    candidates[c++] = s;
                }
            }
            Integer[] idx = new Integer[c];
            for (int i = 0; i < c; i++) {
                idx[i] = i;
            }
            Arrays.sort(idx, (a, b) -> Long.compare(keys[a], keys[b]));
            // First give up entries at ranks where m holds more than its new per-rank share, so that the member
            // taking the entry can take it at the same rank; then the lowest-ranked entries.
            int ceil = mayLead(total[m], ranks);
            int[] atRank = new int[ranks];
            for (int i = 0; i < c; i++) {
                int s = candidates[i];
                atRank[Math.min(setPrevRank[s * ranks + position(s, m)], ranks - 1)]++;
            }
            int[] surplus = new int[ranks];
            for (int r = 0; r < ranks; r++) {
                surplus[r] = Math.max(0, atRank[r] - ceil);
            }
            // A slot that already lost a member is spared while others can give, so that every hole can be filled
            // by a member that needs entries (a slot with two holes may have only one such member to take).
            // The entry is refilled at once by a member that must gain entries and is not in the slot yet; a slot
            // without such a member is spared while others can give.
            boolean[] drop = new boolean[c];
            int dropped = 0;
            for (int pass = 0; pass < 6 && dropped < excess; pass++) {
                boolean bySurplus = pass % 2 == 0;
                boolean fullOnly = pass < 2;
                boolean fillable = pass < 4;
                for (int k = 0; k < c && dropped < excess; k++) {
                    int i = idx[k];
                    int s = candidates[i];
                    if (drop[i] || (fullOnly && setLen[s] < ranks) || (fillable && !hasNewcomer(s, held))) {
                        continue;
                    }
                    int r = Math.min(setPrevRank[s * ranks + position(s, m)], ranks - 1);
                    if (bySurplus) {
                        if (surplus[r] == 0) {
                            continue;
                        }
                        surplus[r]--;
                    }
                    drop[i] = true;
                    remove(s, m);
                    held[m]--;
                    dropped++;
                    int f = bestNewcomer(s, held);
                    if (f >= 0) {
                        add(s, f);
                        held[f]++;
                    }
                }
            }
        }
        // Slots whose primary left and whose first backup would inherit more primaries than it may hold take a
        // newcomer that needs primaries first, so the primary can go to the newcomer inside that slot.
        for (int i = 0; i < slots; i++) {
            int s = order[i];
            if (setLen[s] == ranks || !primaryOpen(s)) {
                continue;
            }
            int first = firstBackup(s);
            if (first >= 0 && primaryNeed[first] < 0) {
                int m = bestNewcomer(s, held);
                if (m >= 0) {
                    add(s, m);
                    held[m]++;
                    primaryNeed[first]++;
                }
            }
        }
        // Members under quota take free entries: greedily, then along augmenting paths among the new entries,
        // and only if neither works by moving a member from another slot.
        if ((long) n * ((slots + 63) >>> 6) <= NEW_IN_WORDS) {
            newIn = new long[n][(slots + 63) >>> 6];
            absentIn = new long[n][(slots + 63) >>> 6];
            orderPos = new int[slots];
            newCount = new int[slots];
            withNew = new long[(slots + 63) >>> 6];
            for (int m = 0; m < n; m++) {
                Arrays.fill(absentIn[m], -1L);
            }
            for (int k = 0; k < slots; k++) {
                int s = order[k];
                orderPos[s] = k;
                for (int i = 0; i < setLen[s]; i++) {
                    int m = set[s * ranks + i];
                    absentIn[m][k >>> 6] &= ~(1L << k);
                    if (setPrevRank[s * ranks + i] == NEW) {
                        newIn[m][s >>> 6] |= 1L << s;
                        newCount[s]++;
                        withNew[k >>> 6] |= 1L << k;
                    }
                }
            }
        }
        for (int i = 0; i < slots; i++) {
            int s = order[i];
            while (setLen[s] < ranks) {
                int m = bestNewcomer(s, held);
                if (m >= 0) {
                    add(s, m);
                    held[m]++;
                } else if (!augmentSet(s, held)) {
                    repairSet(s, held);
                }
            }
        }
        newIn = null;
        absentIn = null;
        orderPos = null;
        newCount = null;
        withNew = null;
    }

    /**
     * Swaps entries that are new in this placement between two slots when that takes a zone out of a slot that has it
     * twice and makes neither slot worse. Only new entries move, so every member keeps its totals and every slot
     * keeps what it kept. A swap between two slots that both lost their primary, or both kept it, is preferred: then
     * every member stays a newcomer in as many slots whose primary is open as before. Runs only when a full spread
     * exists ({@link #spreadPossible}).
     */
    private void spreadZones() {
        int zones = zones();
        if (!spreadPossible()) {
            return;
        }
        ZoneSwaps swaps = new ZoneSwaps(zones);
        boolean progress = true;
        for (int round = 0; round < 8 && progress; round++) {
            progress = false;
            for (int s : order) {
                while (zoneDoubled(s, zones) && (swaps.swapZone(s, true) || swaps.swapZone(s, false))) {
                    progress = true;
                }
            }
        }
    }

    /**
     * Repairs the slots that still list a zone twice when a full spread exists: entries move between slots along
     * cycles (slot s gives up a member of its doubled zone to a slot t that lacks that zone, t gives up another member
     * to a slot that lacks its zone, and so on back to s, which lacks the last one's zone). Every member keeps its
     * totals; a slot on the cycle gains a zone it lacked and loses one it had, so no slot gets a zone twice that had it
     * once, and the repaired slot loses one doubled zone. Of all cycles, one with the fewest moves between members that
     * both stay (see {@link #repairMoves}) is chosen, and a kept primary is given up only if no other cycle exists.
     */
    private void repairZones(boolean exactSets) {
        int zones = zones();
        if (!spreadPossible()) {
            return;
        }
        for (int s = 0; s < slots; s++) {
            if (zoneDoubled(s, zones)) {
                zoneConflicts++;
            }
        }
        if (zoneConflicts == 0) {
            return;
        }
        openAtStart = new boolean[slots];
        for (int s = 0; s < slots; s++) {
            openAtStart[s] = primaryOpen(s);
        }
        returnMemo = new int[n * (RETURN_RANKS + 1) * 2];
        returnSeen = new int[returnMemo.length];
        if (zones <= BIT_SET_ZONES) {
            zonesAt = new long[slots];
            for (int i = 0; i < slots; i++) {
                zonesAt[i] = zoneBits(order[i]);
            }
        }
        if (slots > REPAIR_SCAN) {
            slotsHolding = new int[n][];
            slotsHoldingLen = new int[n];
            holdingCursor = new int[n];
            for (int m = 0; m < n; m++) {
                slotsHolding[m] = new int[16];
            }
            for (int s : order) {
                for (int i = 0; i < setLen[s]; i++) {
                    addHolding(set[s * ranks + i], s);
                }
            }
        }
        for (int s : order) {
            while (zoneDoubled(s, zones)
                    && (repairSwap(s) || repairCycle(s, zones, false) || repairCycle(s, zones, true))) {
                zoneCycles++;
            }
        }
        if (exactSets) {
            keepMostEntries();
        }
    }

    /**
     * After the repair: the sets with the fewest new entries with totals within the balance rule and distinct zones
     * ({@link SetFlow}, exact); the slots it changes count as repaired.
     */
    private void keepMostEntries() {
        int zones = zones();
        for (int s = 0; s < slots; s++) {
            if (zoneDoubled(s, zones)) {
                return; // the repair found no cycle for some slot: the flow needs distinct zones to start from
            }
        }
        flowTried = true;
        runFlow(zones, zone, Long.MAX_VALUE, true);
    }

    /**
     * Where no zone repair ran and the sets hold more new entries than the members' totals need (some member keeps
     * fewer of its entries than it could: the give-ups of the set phase met in a slot that one newcomer could fill only
     * once): the sets with the fewest new entries ({@link SetFlow}, exact). The zones are those of the members where
     * this attempt spreads them and every slot lists distinct zones; each member is a zone of its own where the ring
     * has no zones or no full spread exists (fewer moves come before a best-effort spread; among the sets with the
     * fewest new entries the flow keeps the closest to the set phase's, which preferred the zones a slot lacked).
     */
    private void keepFewestEntries() {
        if (newEntries() <= entriesNeeded()) {
            return;
        }
        int zones = zones();
        int[] flowZone = zone;
        if (zones == 0 || !spreadPossible()) {
            flowZone = new int[n];
            for (int m = 0; m < n; m++) {
                flowZone[m] = m;
            }
            zones = n;
        } else if (!spread) {
            return; // a spread exists but this attempt does not make it
        } else {
            for (int s = 0; s < slots; s++) {
                if (zoneDoubled(s, zones)) {
                    return;
                }
            }
        }
        runFlow(zones, flowZone, FLOW_WORK, false);
    }

    /**
     * Runs {@link SetFlow} on the sets with these zones and work budget, and takes the sets it changed: their previous
     * ranks and marks (slots marked repaired after a zone repair). Outside a zone repair, a member the flow moved out of
     * a slot although its total does not shrink moved for the same reason as a dead end of the set phase (no member
     * under its share could fill what it left otherwise), and is labelled so.
     */
    private void runFlow(int zones, int[] flowZone, long budget, boolean repair) {
        int before = newEntries();
        int[][] bounds = null;
        if (repair) {
            // after a zone repair the totals are free within the balance rule: they are what the repair kept, and
            // other totals may keep more entries
            bounds = new int[2][n];
            for (int m = 0; m < n; m++) {
                bounds[0][m] = (int) Math.min(shares[0][m], total[m]);
                bounds[1][m] = (int) Math.max(shares[1][m], total[m]);
            }
        }
        boolean[] improved = SetFlow.improve(
                slots, ranks, zones, flowZone, idHash, startSet, startLen, startPrevRank, set, setLen, bounds, budget);
        if (improved == null) {
            return;
        }
        entriesBeforeFlow = before;
        if (bounds != null) {
            System.arraycopy(counts(n, ranks, set, setLen), 0, total, 0, n); // the totals the flow chose
        }
        for (int s = 0; s < slots; s++) {
            if (!improved[s]) {
                continue;
            }
            boolean same = setLen[s] == startLen[s];
            for (int i = 0; i < setLen[s]; i++) {
                int pos = s * ranks + i;
                setPrevRank[pos] = startRank(s, set[pos]);
                same &= setPrevRank[pos] != NEW;
            }
            changed[s] = !same;
            repaired[s] |= repair;
            for (int i = 0; i < startLen[s] && !repair; i++) {
                int v = startSet[s * ranks + i];
                deadEnds.remove((long) s * n + v);
                if (position(s, v) < 0 && total[v] >= previouslyHeld[v]) {
                    deadEnds.add((long) s * n + v);
                }
            }
        }
        setsImproved = true;
    }

    /** Whether {@link SetFlow} changed the sets to fewer new entries (not only to more kept primaries). */
    boolean flowSavedEntries() {
        return setsImproved && newEntries() < entriesBeforeFlow;
    }

    /** Entries the sets moved out of a slot although their member's total does not shrink (labelled dead ends). */
    int deadEnds() {
        return deadEnds.size();
    }

    /** Entries that are new in their slot (held by a member that was not in the slot's starting set). */
    int newEntries() {
        int count = 0;
        for (int s = 0; s < slots; s++) {
            for (int i = 0; i < setLen[s]; i++) {
                if (setPrevRank[s * ranks + i] == NEW) {
                    count++;
                }
            }
        }
        return count;
    }

    /**
     * The fewest new entries the members' present counts allow (their totals, unless a dead end of the set phase gave
     * up exact balance): what each member holds beyond the entries it starts with, at least.
     */
    private long entriesNeeded() {
        int[] count = counts(n, ranks, set, setLen);
        long needed = 0;
        for (int m = 0; m < n; m++) {
            needed += Math.max(0, count[m] - previouslyHeld[m]);
        }
        return needed;
    }

    /** Whether {@link #keepMostEntries} or {@link #keepFewestEntries} changed the sets. */
    boolean setsImproved() {
        return setsImproved;
    }

    /** After {@link #order()}: slots whose previous primary is still placeable and no longer leads them. */
    int primariesMoved() {
        return primariesMoved(order());
    }

    /**
     * The cheapest swap that takes one doubled zone out of slot s0: a member a of the doubled zone goes to a slot u
     * that lacks a's zone, and a member y of u whose zone s0 lacks comes to s0 (a cycle of two slots). Cost: {@link
     * #REPAIR_MOVE} per zone-repair move, plus one per member that cannot keep its previous rank (see {@link
     * #rankMiss}, {@link #REPAIR_MOVE} more if a member moves between a slot whose primary left and one whose primary
     * stayed, and {@link
     * #PRIMARY_MISS} per kept primary that leaves its slot, less that per member that gets back a primary it held.
     */
    private boolean repairSwap(int s0) {
        int base = s0 * ranks;
        int s0Before = repaired[s0] ? repairMoves(s0, -1, -1) : 0;
        int[] best = {Integer.MAX_VALUE, -1, -1, -1}; // cost, a, u, y
        // A large ring: first, for every member of the doubled zone, the slots of the members that held s0 before
        // and left it (the swap that costs nothing gives one of them back its place in s0); then, if none is free,
        // REPAIR_SCAN slots from s0's own place in the order, so that partners spread over the ring, and further only
        // if none fits. A ring of up to REPAIR_SCAN slots is searched whole.
        boolean large = slots > REPAIR_SCAN;
        for (int pass = large ? 0 : 1; pass < 2 && best[0] > 0; pass++) {
            for (int i = 0; i < setLen[s0] && best[0] > 0; i++) {
                int a = set[base + i];
                int ra = setPrevRank[base + i];
                if (zoneCount(s0, zone[a]) < 2) {
                    continue;
                }
                returnSearch++;
                if (pass == 0) {
                    scanLeavers(s0, a, ra, s0Before, best);
                } else {
                    int start = large ? orderIndex()[s0] + 1 : 0;
                    int limit = large ? REPAIR_SCAN : slots;
                    for (int k = 0; k < slots && best[0] > 0 && (k < limit || best[1] < 0); k++) {
                        int at = start + k < slots ? start + k : start + k - slots;
                        if (zonesAt == null || (zonesAt[at] & (1L << zone[a])) == 0) {
                            swapCandidate(s0, a, ra, s0Before, order[at], best);
                        }
                    }
                }
            }
        }
        if (best[1] < 0) {
            return false;
        }
        replace(best[2], best[3], best[1]);
        replace(s0, best[1], best[3]);
        return true;
    }

    /** Prices swaps of a with the slots that hold a member that held s0 before and left it. */
    private void scanLeavers(int s0, int a, int ra, int s0Before, int[] best) {
        for (int g = 0; g < startLen[s0] && best[0] > 0; g++) {
            int left = startSet[s0 * ranks + g];
            if (position(s0, left) >= 0) {
                continue;
            }
            // From where the last free swap with this member was found: the slots before it rarely fit any more.
            int[] held = slotsHolding[left];
            int len = slotsHoldingLen[left];
            int from = holdingCursor[left];
            for (int k = 0; k < len && best[0] > 0; k++) {
                int idx = (from + k) % len;
                if (position(held[idx], left) >= 0) {
                    swapCandidate(s0, a, ra, s0Before, held[idx], best);
                    if (best[0] == 0) {
                        holdingCursor[left] = idx;
                    }
                }
            }
        }
    }

    /** Prices swapping member a of slot s0 with each member of slot u that fits; keeps the cheapest in best. */
    private void swapCandidate(int s0, int a, int ra, int s0Before, int u, int[] best) {
        if (u == s0 || zoneCount(u, zone[a]) > 0) {
            return;
        }
        int ub = u * ranks;
        int uBefore = -1;
        for (int j = 0; j < setLen[u]; j++) {
            int y = set[ub + j];
            int ry = setPrevRank[ub + j];
            if (zoneCount(s0, zone[y]) > 0) {
                continue;
            }
            int back = returnCost(s0, a, s0Before, y, ry, u);
            int floor = hopFloor(a, s0, u, ry);
            if (!repaired[u] && total[y] >= previouslyHeld[y] && ry != NEW) {
                floor += REPAIR_MOVE; // y gives up a place it kept: one zone-repair move in u, which had none
            }
            if (back + floor >= best[0]) {
                continue; // the swap costs at least that: pricing a's hop in full cannot make it the cheapest
            }
            if (uBefore < 0) {
                uBefore = repaired[u] ? repairMoves(u, -1, -1) : 0;
            }
            int cost = Math.max(0, hopCost(a, ra, s0, u, y, uBefore) + back);
            if (cost < best[0]) {
                best[0] = cost;
                best[1] = a;
                best[2] = u;
                best[3] = y;
            }
        }
    }

    /**
     * {@code hopCost(y, ry, u, s0, a, s0Before)}: member y of slot u taking a's place in s0. Of u it depends only on
     * whether u's primary was open, so it is priced once per (y, ry, that) in one search for (s0, a), which {@link
     * #returnSearch} numbers.
     */
    private int returnCost(int s0, int a, int s0Before, int y, int ry, int u) {
        if (ry != NEW && ry >= RETURN_RANKS) {
            return hopCost(y, ry, u, s0, a, s0Before);
        }
        int key = (y * (RETURN_RANKS + 1) + (ry == NEW ? RETURN_RANKS : ry)) * 2 + (openAtStart[u] ? 1 : 0);
        if (returnSeen[key] != returnSearch) {
            returnSeen[key] = returnSearch;
            returnMemo[key] = hopCost(y, ry, u, s0, a, s0Before);
        }
        return returnMemo[key];
    }

    /** The previous ranks {@link #returnCost} keeps apart (a ring's most); a rank beyond is priced every time. */
    private static final int RETURN_RANKS = Ring.MAX_REPLICATION;

    /** Up to this many zones, the zone searches keep zones in bit sets and counts ({@code long} bits). */
    private static final int BIT_SET_ZONES = Long.SIZE;

    /** Per (member, previous rank, open primary): {@link #returnCost} and the search it was priced in. */
    private int[] returnMemo;

    private int[] returnSeen;
    private int returnSearch;

    /** How many slots a swap search scans for one doubled slot before it takes the best swap it found. */
    static final int REPAIR_SCAN = 8192;

    private int[] orderIndex;
    /**
     * Above {@link #REPAIR_SCAN} slots, from the start of the repair: per member, the slots that held it (appended on
     * every repair move, never removed: check that the member is still there).
     */
    private int[][] slotsHolding;

    private int[] slotsHoldingLen;
    /** Per member, where in {@link #slotsHolding} its last free swap was found. */
    private int[] holdingCursor;

    private void addHolding(int m, int s) {
        if (slotsHoldingLen[m] == slotsHolding[m].length) {
            slotsHolding[m] = Arrays.copyOf(slotsHolding[m], slotsHolding[m].length * 2);
        }
        slotsHolding[m][slotsHoldingLen[m]++] = s;
    }

    /**
     * During the zone repair, with at most 64 zones: per position in {@link #order}, the zones its slot lists (bit z
     * for zone z), read in order by the swap search to pass over the slots that list a's zone without loading them.
     */
    private long[] zonesAt;

    /** The zones slot s lists, bit z for zone z (zones below 64). */
    private long zoneBits(int s) {
        long bits = 0;
        for (int i = 0; i < setLen[s]; i++) {
            bits |= 1L << zone[set[s * ranks + i]];
        }
        return bits;
    }

    /** The position of each slot in {@link #order}; computed once. */
    private int[] orderIndex() {
        if (orderIndex == null) {
            orderIndex = new int[slots];
            for (int i = 0; i < slots; i++) {
                orderIndex[order[i]] = i;
            }
        }
        return orderIndex;
    }

    /** What a zone-repair move costs against a member that cannot keep its previous rank. */
    private static final int REPAIR_MOVE = 4;

    /** What it costs against a zone-repair move that a kept primary leaves its slot. */
    private static final int PRIMARY_MISS = 3 * REPAIR_MOVE;

    /**
     * The cost of member c (at previous rank rc in the slot it leaves, or NEW) taking the place of y in slot u, whose
     * zone-repair moves were {@code uBefore} (0 if u is not repaired yet).
     */
    private int hopCost(int c, int rc, int p, int u, int y, int uBefore) {
        return REPAIR_MOVE * Math.max(0, repairMoves(u, c, y) - uBefore)
                + rankMiss(c, rc, u, y)
                + hopFloor(c, p, u, prevRankOf(u, y));
    }

    /**
     * The part of {@link #hopCost} that does not count moves or ranks, and so never exceeds it: member c leaving slot
     * p for slot u in place of a member whose previous rank there is ry (an entry with a previous rank is one its
     * member held in u before, at that rank).
     */
    private int hopFloor(int c, int p, int u, int ry) {
        int cost = 0;
        if (openAtStart[p] != openAtStart[u]) {
            // c moves between a slot whose primary left and one whose primary stayed: the members that may take
            // the open primaries change, which the rank phase may have to make up with a primary that stayed
            cost += REPAIR_MOVE;
        }
        if (ry == 0) {
            cost += PRIMARY_MISS; // a kept primary leaves its slot
        }
        if (startRank(u, c) == 0) {
            cost -= PRIMARY_MISS; // a member returns to the slot it was primary of
        }
        return cost;
    }

    /**
     * What it costs that member c, which held its entry at previous rank rc (not NEW), cannot hold rank rc in slot u
     * in place of y (it held u before at another rank, or y kept another rank there, or another kept member holds rc
     * in u): 1, since the rank phase then has to shift some member's ranks elsewhere.
     */
    private int rankMiss(int c, int rc, int u, int y) {
        if (rc == NEW) {
            return 0;
        }
        int back = startRank(u, c);
        int ub = u * ranks;
        int ry = setPrevRank[ub + position(u, y)];
        int target;
        if (back != NEW) {
            target = back;
        } else if (ry != NEW) {
            target = ry;
        } else {
            target = rc;
            for (int i = 0; i < setLen[u]; i++) {
                if (set[ub + i] != y && setPrevRank[ub + i] == rc) {
                    target = NEW;
                }
            }
        }
        return target == rc ? 0 : 1;
    }

    /**
     * Finds and applies the cheapest cycle that takes one doubled zone out of slot s0 (a shortest-path search over
     * (slot, member that leaves it) with {@link #repairMoves} as the cost of touching a slot). With {@code
     * allowPrimary}, a kept primary may leave its slot.
     */
    private boolean repairCycle(int s0, int zones, boolean allowPrimary) {
        // State k: member out[k] leaves slot at[k], taking the place of parent[k]'s member (for a root, s0's own).
        // A state with close[k] ends the cycle: out[k] enters s0.
        int[] at = new int[64];
        int[] out = new int[64];
        int[] parent = new int[64];
        boolean[] close = new boolean[64];
        int[] cost = new int[64];
        int states = 0;
        boolean[] entered = new boolean[slots];
        boolean[] expanded = new boolean[zones];
        entered[s0] = true;
        java.util.ArrayList<ArrayDeque<Integer>> buckets = new java.util.ArrayList<>();
        int base = s0 * ranks;
        for (int i = 0; i < setLen[s0]; i++) {
            int a = set[base + i];
            if (zoneCount(s0, zone[a]) < 2 || (!allowPrimary && setPrevRank[base + i] == 0)) {
                continue;
            }
            at[states] = s0;
            out[states] = a;
            parent[states] = -1;
            cost[states] = 0;
            push(buckets, 0, states++);
        }
        for (int c = 0; c < buckets.size(); c++) {
            ArrayDeque<Integer> bucket = buckets.get(c);
            while (bucket != null && !bucket.isEmpty()) {
                int k = bucket.poll();
                if (close[k]) {
                    applyCycle(s0, k, at, out, parent);
                    return true;
                }
                int z = zone[out[k]];
                if (expanded[z]) {
                    continue;
                }
                expanded[z] = true;
                for (int u : order) {
                    if (entered[u] || zoneCount(u, z) > 0) {
                        continue;
                    }
                    entered[u] = true;
                    int ub = u * ranks;
                    int before = repaired[u] ? repairMoves(u, -1, -1) : 0;
                    for (int j = 0; j < setLen[u]; j++) {
                        int y = set[ub + j];
                        if (zone[y] == z || (!allowPrimary && setPrevRank[ub + j] == 0)) {
                            continue;
                        }
                        if (states + 2 > at.length) {
                            int len = at.length * 2;
                            at = Arrays.copyOf(at, len);
                            out = Arrays.copyOf(out, len);
                            parent = Arrays.copyOf(parent, len);
                            close = Arrays.copyOf(close, len);
                            cost = Arrays.copyOf(cost, len);
                        }
                        int step =
                                cost[k] + Math.max(0, hopCost(out[k], prevRankOf(at[k], out[k]), at[k], u, y, before));
                        at[states] = u;
                        out[states] = y;
                        parent[states] = k;
                        if (zoneCount(s0, zone[y]) == 0) {
                            // y can enter s0: the cycle closes, at the cost of s0's own moves.
                            int root = states;
                            while (parent[root] >= 0) {
                                root = parent[root];
                            }
                            int s0Before = repaired[s0] ? repairMoves(s0, -1, -1) : 0;
                            close[states] = true;
                            cost[states] =
                                    step + Math.max(0, hopCost(y, setPrevRank[ub + j], u, s0, out[root], s0Before));
                        } else {
                            cost[states] = step;
                        }
                        push(buckets, cost[states], states++);
                    }
                }
            }
        }
        return false;
    }

    private static void push(java.util.ArrayList<ArrayDeque<Integer>> buckets, int c, int k) {
        while (buckets.size() <= c) {
            buckets.add(null);
        }
        if (buckets.get(c) == null) {
            buckets.set(c, new ArrayDeque<>());
        }
        buckets.get(c).add(k);
    }

    /** Applies the cycle that ends with state k: each state's slot takes its parent's member, s0 takes out[k]. */
    private void applyCycle(int s0, int k, int[] at, int[] out, int[] parent) {
        int last = out[k];
        int cur = k;
        while (parent[cur] >= 0) {
            replace(at[cur], out[cur], out[parent[cur]]);
            cur = parent[cur];
        }
        replace(s0, out[cur], last);
    }

    /** In slot s, member {@code in} takes the place of {@code out}; a member that held s before gets its rank back. */
    private void replace(int s, int out, int in) {
        int pos = s * ranks + position(s, out);
        set[pos] = in;
        if (slotsHolding != null) {
            addHolding(in, s);
        }
        if (zonesAt != null) {
            zonesAt[orderIndex()[s]] = zoneBits(s);
        }
        setPrevRank[pos] = startRank(s, in);
        changed[s] = true;
        repaired[s] = true;
    }

    /** Member m's rank in slot s in the previous ring if it was in s's starting set, else NEW. */
    private int startRank(int s, int m) {
        int base = s * ranks;
        for (int i = 0; i < startLen[s]; i++) {
            if (startSet[base + i] == m) {
                return startPrevRank[base + i];
            }
        }
        return NEW;
    }

    /**
     * The moves in slot s that the plan reports as zone repairs if s is repaired, with {@code in} in place of {@code
     * out} (-1, -1 for s as it is): the members of its starting set that are gone from it for the zones (see {@link
     * #leftForZones}).
     */
    private int repairMoves(int s, int in, int out) {
        boolean gained = gainedForZones(s, in, out);
        int base = s * ranks;
        int moves = 0;
        for (int i = 0; i < startLen[s]; i++) {
            int m = startSet[base + i];
            if (m != in && (m == out || position(s, m) < 0) && (gained || total[m] >= previouslyHeld[m])) {
                moves++;
            }
        }
        return moves;
    }

    /**
     * True if member m held slot s before, holds it no more, and gave it up for the zone repair: s was repaired, and
     * either m's total does not shrink (it did not give the entry up for its share) or s gained a member whose total
     * does not grow (the entry went to it for the zones, not for its share).
     */
    boolean leftForZones(int s, int m) {
        if (!repaired[s] || position(s, m) >= 0 || startRank(s, m) == NEW) {
            return false;
        }
        return total[m] >= previouslyHeld[m] || gainedForZones(s, -1, -1);
    }

    /**
     * True if member m kept slot s but gave it up to fill a dead end of the set phase: another slot lacked a member
     * and every member under its share was in it already (see {@link #repairSet}).
     */
    boolean leftForDeadEnd(int s, int m) {
        return deadEnds.contains((long) s * n + m) && position(s, m) < 0;
    }

    /** True if slot s, with {@code in} in place of {@code out}, has a new member whose total does not grow. */
    private boolean gainedForZones(int s, int in, int out) {
        int base = s * ranks;
        for (int i = 0; i < setLen[s]; i++) {
            int m = set[base + i] == out ? in : set[base + i];
            if (total[m] <= previouslyHeld[m] && startRank(s, m) == NEW) {
                return true;
            }
        }
        return false;
    }

    private static void addHolder(int[][] holders, int[] holderCount, int z, int s) {
        if (holderCount[z] == holders[z].length) {
            holders[z] = Arrays.copyOf(holders[z], holders[z].length * 2);
        }
        holders[z][holderCount[z]++] = s;
    }

    /** The number of zones (zone indexes are 0..zones-1). */
    private int zones() {
        int zones = 0;
        for (int m = 0; m < n; m++) {
            zones = Math.max(zones, zone[m] + 1);
        }
        return zones;
    }

    /**
     * True if every member has a zone, there are at least {@code R'} zones and no zone holds more than {@code S}
     * entries in all: then a table with {@code R'} zones in every slot exists. Otherwise some slots must list a zone
     * twice, and the greedy choice stands.
     */
    private boolean spreadPossible() {
        return Quotas.spreadPossible(slots, ranks, zone, total);
    }

    /** True if slot s has a zone twice while some zone is missing from it. */
    private boolean zoneDoubled(int s, int zones) {
        return repeats(s, zones) > 0;
    }

    /**
     * In a slot that lists a zone twice while some zone is missing from it, how many of its zoned entries repeat a zone
     * listed before them; 0 in any other slot.
     */
    private int repeats(int s, int zones) {
        int base = s * ranks;
        int distinct = 0;
        int repeated = 0;
        for (int i = 0; i < setLen[s]; i++) {
            int z = zone[set[base + i]];
            if (z < 0) {
                continue;
            }
            boolean seen = false;
            for (int j = 0; j < i && !seen; j++) {
                seen = zone[set[base + j]] == z;
            }
            if (seen) {
                repeated++;
            } else {
                distinct++;
            }
        }
        return distinct < zones ? repeated : 0;
    }

    /**
     * The search of {@link #spreadZones}, with what it keeps up to date between swaps: the slots that hold a new entry
     * of each zone, the slots that list a zone twice, and how many slots could give up a zone for another.
     */
    private final class ZoneSwaps {

        private static final int ONCE = 0;
        private static final int TWICE = 1;

        private final int zones;
        /** Slots whose primary left, before the swaps. */
        private final boolean[] open;
        /**
         * Per zone, the slots (in slot order) that hold a new entry of that zone; a swap appends, stale rows are
         * skipped when read.
         */
        private final int[][] holders;

        private final int[] holderCount;
        /** The slots that list a zone twice, and some that no longer do (dropped when met), in no particular order. */
        private final int[] twiceSlots;

        private int twiceCount;
        private final boolean[] twiceListed;
        /**
         * At {@code ((kind * 2 + o) * zones + y) * (zones + 1)}: how many slots with open primary {@code o == 1} list
         * zone y once ({@code kind} {@link #ONCE}) or more ({@link #TWICE}), one of them a new entry; at {@code + 1 +
         * x}: how many of those list zone x too. Null above {@link #BIT_SET_ZONES} zones.
         */
        private final int[] slotCounts;

        ZoneSwaps(int zones) {
            this.zones = zones;
            open = new boolean[slots];
            for (int s = 0; s < slots; s++) {
                open[s] = primaryOpen(s);
            }
            holders = new int[zones][16];
            holderCount = new int[zones];
            for (int s : order) {
                for (int i = 0; i < setLen[s]; i++) {
                    if (setPrevRank[s * ranks + i] == NEW) {
                        addHolder(holders, holderCount, zone[set[s * ranks + i]], s);
                    }
                }
            }
            twiceSlots = new int[slots];
            twiceListed = new boolean[slots];
            slotCounts = zones <= BIT_SET_ZONES ? new int[4 * zones * (zones + 1)] : null;
            for (int s = 0; s < slots; s++) {
                listIfZoneTwice(s);
                count(s, 1);
            }
        }

        /**
         * Slot s has a zone twice: finds a new entry a of that zone in s and a new entry b in another slot t of a
         * zone that s lacks, such that t gets no worse, and swaps them. Prefers a t that improves too (it lists b's
         * zone twice and lacks a's); else takes the first t that fits, in the order of a, of b's zone and of {@link
         * #holders}.
         */
        boolean swapZone(int s, boolean sameOpen) {
            int base = s * ranks;
            // The holders of a zone are scanned only for a pair (a, y) that has a t, which the slots listing a zone
            // twice (few) and the counts tell: a t that improves first, else the first t that fits, where the scan
            // stops instead of pricing every holder.
            for (int pass = 0; pass < 2; pass++) {
                boolean improving = pass == 0;
                for (int i = 0; i < setLen[s]; i++) {
                    int a = set[base + i];
                    if (setPrevRank[base + i] != NEW || zoneCount(s, zone[a]) < 2) {
                        continue;
                    }
                    for (int y = 0; y < zones; y++) {
                        if (zoneCount(s, y) > 0 || !swapExists(s, a, y, sameOpen, improving)) {
                            continue;
                        }
                        for (int h = 0; h < holderCount[y]; h++) {
                            int t = holders[y][h];
                            if (t == s || (sameOpen && open[t] != open[s]) || position(t, a) >= 0) {
                                continue;
                            }
                            int b = newcomerOfZone(t, y);
                            if (b < 0) {
                                continue;
                            }
                            // t loses b's zone and gains a's
                            int worse = zoneCount(t, zone[a]) > 0 ? 1 : 0;
                            int better = zoneCount(t, y) > 1 ? 1 : 0;
                            if (improving ? better > worse : better >= worse) {
                                swap(s, a, t, b);
                                return true;
                            }
                        }
                    }
                }
            }
            return false;
        }

        /**
         * False only if no slot t other than s (with s's open primary if {@code sameOpen}) holds a new entry of zone y
         * that a (of a zone s lists twice, zone y missing in s) can swap with: with {@code improving}, such that t
         * lists y twice and lacks a's zone; else such that t gets no worse.
         */
        private boolean swapExists(int s, int a, int y, boolean sameOpen, boolean improving) {
            int za = zone[a];
            if (slotCounts != null) {
                // t lists y twice and lacks a's zone: both slots improve
                if (counted(s, sameOpen, TWICE, y, -1) > counted(s, sameOpen, TWICE, y, za)) {
                    return true;
                }
                if (improving) {
                    return false;
                }
                // t lists y once and lacks a's zone: it swaps one zone it lists once for another
                if (counted(s, sameOpen, ONCE, y, -1) > counted(s, sameOpen, ONCE, y, za)) {
                    return true;
                }
                // else only a t that lists y twice and a's zone, but not a, is left (it stays as bad)
                if (counted(s, sameOpen, TWICE, y, za) == 0) {
                    return false;
                }
            } else if (!improving) {
                return true;
            }
            for (int k = 0; k < twiceCount; ) {
                int t = twiceSlots[k];
                if (!zoneDoubled(t, zones)) {
                    // repaired meanwhile; a later swap that leaves it listing a zone twice again (a neutral one can)
                    // lists it again through swap()
                    twiceListed[t] = false;
                    twiceSlots[k] = twiceSlots[--twiceCount];
                    continue;
                }
                k++;
                if (t != s
                        && !(sameOpen && open[t] != open[s])
                        && zoneCount(t, y) > 1
                        && (improving ? zoneCount(t, za) == 0 : position(t, a) < 0)
                        && newcomerOfZone(t, y) >= 0) {
                    return true;
                }
            }
            return false;
        }

        /**
         * How many slots (with s's open primary if {@code sameOpen}) list zone y once ({@link #ONCE}) or more ({@link
         * #TWICE}), one of them a new entry, and also list zone x (any, if x is -1).
         */
        private int counted(int s, boolean sameOpen, int kind, int y, int x) {
            int c = 0;
            for (int o = 0; o < 2; o++) {
                if (!sameOpen || open[s] == (o == 1)) {
                    c += slotCounts[((kind * 2 + o) * zones + y) * (zones + 1) + 1 + x];
                }
            }
            return c;
        }

        /** Adds slot s to {@link #slotCounts} ({@code sign} 1), or takes it out (-1). */
        private void count(int s, int sign) {
            if (slotCounts == null) {
                return;
            }
            int base = s * ranks;
            int o = open[s] ? 1 : 0;
            for (int i = 0; i < setLen[s]; i++) {
                int y = zone[set[base + i]];
                if (setPrevRank[base + i] != NEW || newcomerOfZone(s, y) != set[base + i]) {
                    continue; // the slot is counted once per zone, at its first new entry of that zone
                }
                int at = (((zoneCount(s, y) > 1 ? TWICE : ONCE) * 2 + o) * zones + y) * (zones + 1);
                slotCounts[at] += sign;
                for (int j = 0; j < setLen[s]; j++) {
                    int x = zone[set[base + j]];
                    if (x != y && firstOfZone(s, j)) {
                        slotCounts[at + 1 + x] += sign;
                    }
                }
            }
        }

        /** Member a moves from slot s to slot t, member b from t to s; both entries stay new. */
        private void swap(int s, int a, int t, int b) {
            zoneSwaps++;
            count(s, -1);
            count(t, -1);
            set[s * ranks + position(s, a)] = b;
            set[t * ranks + position(t, b)] = a;
            count(s, 1);
            count(t, 1);
            addHolder(holders, holderCount, zone[a], t);
            addHolder(holders, holderCount, zone[b], s);
            listIfZoneTwice(s);
            listIfZoneTwice(t);
        }

        /** True if the entry at position j of slot s is the first of its zone in s. */
        private boolean firstOfZone(int s, int j) {
            int base = s * ranks;
            for (int i = 0; i < j; i++) {
                if (zone[set[base + i]] == zone[set[base + j]]) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Lists slot s among {@link #twiceSlots} if it lists a zone twice and is not listed yet (with a full spread
         * possible, a slot that lists a zone twice lacks some zone: {@link #zoneDoubled}).
         */
        private void listIfZoneTwice(int s) {
            if (!twiceListed[s] && zoneDoubled(s, zones)) {
                twiceListed[s] = true;
                twiceSlots[twiceCount++] = s;
            }
        }

        /** The first new entry of zone z in slot t, or -1. */
        private int newcomerOfZone(int t, int z) {
            int tb = t * ranks;
            for (int j = 0; j < setLen[t]; j++) {
                if (setPrevRank[tb + j] == NEW && zone[set[tb + j]] == z) {
                    return set[tb + j];
                }
            }
            return -1;
        }
    }

    /**
     * Open slot s0 takes a member m that is at quota from a slot u that gained m in this placement; u takes
     * another member, and so on until a member under quota. Only new entries move, so nothing that stayed moves.
     */
    private boolean augmentSet(int s0, int[] held) {
        if (newIn != null && !mayAugment(held)) {
            return false;
        }
        if (setSeen == null) {
            setSeen = new int[slots];
            setParent = new int[slots];
            setVia = new int[slots];
            setQueue = new int[slots];
        }
        int stamp = ++setStamp;
        boolean[] expanded = new boolean[n];
        int head = 0;
        int tail = 0;
        setQueue[tail++] = s0;
        setSeen[s0] = stamp;
        setParent[s0] = -1;
        while (head < tail) {
            int t = setQueue[head++];
            for (int m = 0; m < n; m++) {
                if (position(t, m) >= 0) {
                    continue;
                }
                if (held[m] < total[m]) {
                    held[m]++;
                    int cur = t;
                    int give = m;
                    while (cur >= 0) {
                        int gave = cur == s0 ? -1 : setVia[cur];
                        if (gave >= 0) {
                            remove(cur, gave);
                        }
                        add(cur, give);
                        give = gave;
                        cur = setParent[cur];
                    }
                    return true;
                }
                if (expanded[m]) {
                    continue;
                }
                expanded[m] = true;
                // the slots m entered in this placement, in slot order
                if (newIn != null) {
                    long[] bits = newIn[m];
                    for (int w = 0; w < bits.length; w++) {
                        for (long word = bits[w]; word != 0; word &= word - 1) {
                            int u = (w << 6) + Long.numberOfTrailingZeros(word);
                            if (setSeen[u] != stamp) {
                                setSeen[u] = stamp;
                                setParent[u] = t;
                                setVia[u] = m;
                                setQueue[tail++] = u;
                            }
                        }
                    }
                } else {
                    for (int u = 0; u < slots; u++) {
                        if (setSeen[u] != stamp && isNew(u, m)) {
                            setSeen[u] = stamp;
                            setParent[u] = t;
                            setVia[u] = m;
                            setQueue[tail++] = u;
                        }
                    }
                }
            }
        }
        return false;
    }

    /**
     * The first position k >= from in {@link #order} whose slot does not list member u (the slots that do are
     * skipped through {@code absentIn} where it is kept), or {@code slots} if there is none.
     */
    private int absentFrom(int u, int from) {
        if (absentIn == null) {
            return from;
        }
        long[] bits = absentIn[u];
        int w = from >>> 6;
        if (w >= bits.length) {
            return slots;
        }
        long word = bits[w] & (-1L << from);
        while (word == 0) {
            if (++w >= bits.length) {
                return slots;
            }
            word = bits[w];
        }
        return Math.min(slots, (w << 6) + Long.numberOfTrailingZeros(word));
    }

    /**
     * False if no path of {@link #augmentSet} can exist: the open slot lists every member under quota (the greedy
     * fill found none to add), so a path must end in another slot the search reaches, which it does only through a
     * new entry, and which lacks a member under quota. Where no slot with a new entry lacks one, the search would fail
     * after reaching every slot it can.
     */
    private boolean mayAugment(int[] held) {
        for (int u = 0; u < n; u++) {
            if (held[u] >= total[u]) {
                continue;
            }
            long[] absent = absentIn[u];
            for (int w = 0; w < absent.length; w++) {
                if ((absent[w] & withNew[w]) != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean isNew(int s, int m) {
        int pos = position(s, m);
        return pos >= 0 && setPrevRank[s * ranks + pos] == NEW;
    }

    /** The member of slot s with the lowest previous rank (the primary if it stayed), or -1. */
    private int firstBackup(int s) {
        int first = -1;
        int firstRank = NEW;
        for (int i = 0; i < setLen[s]; i++) {
            if (setPrevRank[s * ranks + i] < firstRank) {
                firstRank = setPrevRank[s * ranks + i];
                first = set[s * ranks + i];
            }
        }
        return first;
    }

    private boolean primaryOpen(int s) {
        for (int i = 0; i < setLen[s]; i++) {
            if (setPrevRank[s * ranks + i] == 0) {
                return false;
            }
        }
        return true;
    }

    private boolean hasNewcomer(int s, int[] held) {
        for (int m = 0; m < n; m++) {
            if (held[m] < total[m] && position(s, m) < 0) {
                return true;
            }
        }
        return false;
    }

    private int bestNewcomer(int s, int[] held) {
        boolean primaryOpen = primaryOpen(s);
        if (inSlot == null) {
            inSlot = new boolean[n];
            zoneInSlot = new int[n];
        }
        // s's members and zones, marked once instead of searched for every member
        int base = s * ranks;
        for (int i = 0; i < setLen[s]; i++) {
            int m = set[base + i];
            inSlot[m] = true;
            if (zone[m] >= 0) {
                zoneInSlot[zone[m]]++;
            }
        }
        int best = -1;
        int bestZone = 0;
        int bestNeeds = 0;
        int bestDeficit = 0;
        long bestMix = 0;
        for (int m = 0; m < n; m++) {
            int deficit = total[m] - held[m];
            if (deficit <= 0 || inSlot[m]) {
                continue;
            }
            int z = zone[m] < 0 ? 0 : zoneInSlot[zone[m]];
            // 2: below the lower bound of primaries without this slot, 1: below the upper bound, 0: no need
            int needs =
                    !primaryOpen || primaryNeed[m] <= 0 ? 0 : primaryNeed[m] > (total[m] % ranks > 0 ? 1 : 0) ? 2 : 1;
            // first urgent, then the fewest of its zone in s, the greater need, the larger deficit, the smaller hash
            // (hashed only on a tie of all the rest)
            int better = best < 0 ? 1 : Integer.compare(needs == 2 ? 1 : 0, bestNeeds == 2 ? 1 : 0);
            if (better == 0) {
                better = Integer.compare(bestZone, z);
            }
            if (better == 0) {
                better = Integer.compare(needs, bestNeeds);
            }
            if (better == 0) {
                better = Integer.compare(deficit, bestDeficit);
            }
            long mx = 0;
            if (better == 0) {
                mx = memberSlotHash(idHash[m], s);
                better = Long.compare(bestMix, mx);
            } else if (better > 0) {
                mx = memberSlotHash(idHash[m], s);
            }
            if (better > 0) {
                best = m;
                bestZone = z;
                bestNeeds = needs;
                bestDeficit = deficit;
                bestMix = mx;
            }
        }
        for (int i = 0; i < setLen[s]; i++) {
            int m = set[base + i];
            inSlot[m] = false;
            if (zone[m] >= 0) {
                zoneInSlot[zone[m]]--;
            }
        }
        if (best >= 0 && bestNeeds > 0) {
            primaryNeed[best]--;
        }
        return best;
    }

    /** Scratch of {@link #bestNewcomer}: the members of the slot it fills, and how many of each zone it lists. */
    private boolean[] inSlot;

    private int[] zoneInSlot;

    /** Every member under quota is already in s: move some v from another slot t into s, and give t a member u. */
    private void repairSet(int s, int[] held) {
        // First a member that entered t in this placement, so that no entry moves between two members that both stay
        // in t; only if none exists a member t kept.
        for (int pass = 0; pass < 2; pass++) {
            for (int u = 0; u < n; u++) {
                if (held[u] >= total[u]) {
                    continue;
                }
                for (int k = absentFrom(u, 0); k < slots; k = absentFrom(u, k + 1)) {
                    int t = order[k];
                    if (t == s || position(t, u) >= 0 || setLen[t] < ranks) {
                        continue;
                    }
                    for (int i = setLen[t] - 1; i >= 0; i--) {
                        int v = set[t * ranks + i];
                        if (position(s, v) < 0 && (pass == 1 || setPrevRank[t * ranks + i] == NEW)) {
                            if (setPrevRank[t * ranks + i] != NEW) {
                                deadEnds.add((long) t * n + v);
                            }
                            remove(t, v);
                            add(t, u);
                            add(s, v);
                            held[u]++;
                            return;
                        }
                    }
                }
            }
        }
        // No swap exists (tiny rings): stay distinct and complete, give up exact balance for this entry.
        int best = -1;
        for (int m = 0; m < n; m++) {
            if (position(s, m) < 0 && (best < 0 || held[m] - total[m] < held[best] - total[best])) {
                best = m;
            }
        }
        add(s, best);
        held[best]++;
        unresolved++;
    }

    private void add(int s, int m) {
        set[s * ranks + setLen[s]] = m;
        setPrevRank[s * ranks + setLen[s]] = NEW;
        setLen[s]++;
        changed[s] = true;
        if (newIn != null) {
            newIn[m][s >>> 6] |= 1L << s;
            int k = orderPos[s];
            absentIn[m][k >>> 6] &= ~(1L << k);
            newCount[s]++;
            withNew[k >>> 6] |= 1L << k;
        }
    }

    private void remove(int s, int m) {
        int base = s * ranks;
        int pos = position(s, m);
        if (newIn != null) {
            newIn[m][s >>> 6] &= ~(1L << s);
            int k = orderPos[s];
            absentIn[m][k >>> 6] |= 1L << k;
            if (setPrevRank[base + pos] == NEW && --newCount[s] == 0) {
                withNew[k >>> 6] &= ~(1L << k);
            }
        }
        for (int i = pos; i < setLen[s] - 1; i++) {
            set[base + i] = set[base + i + 1];
            setPrevRank[base + i] = setPrevRank[base + i + 1];
        }
        setLen[s]--;
        changed[s] = true;
    }

    private int prevRankOf(int s, int m) {
        return setPrevRank[s * ranks + position(s, m)];
    }

    private int position(int s, int m) {
        return position(set, setLen, ranks, s, m);
    }

    /** The most primaries a member with {@code total} entries may lead: {@code ceil(total / ranks)}. */
    static int mayLead(int total, int ranks) {
        return total / ranks + (total % ranks > 0 ? 1 : 0);
    }

    /** Member m's position in slot s of a set table laid out as {@link #set}, or -1. */
    /** How many entries each of the {@code n} members holds in {@code set} (laid out as {@link #set}). */
    static int[] counts(int n, int ranks, int[] set, int[] setLen) {
        int[] count = new int[n];
        for (int s = 0; s < setLen.length; s++) {
            for (int i = 0; i < setLen[s]; i++) {
                count[set[s * ranks + i]]++;
            }
        }
        return count;
    }

    static int position(int[] set, int[] setLen, int ranks, int s, int m) {
        int base = s * ranks;
        for (int i = 0; i < setLen[s]; i++) {
            if (set[base + i] == m) {
                return i;
            }
        }
        return -1;
    }

    private int zoneCount(int s, int z) {
        int c = 0;
        int base = s * ranks;
        for (int i = 0; i < setLen[s]; i++) {
            if (zone[set[base + i]] == z) {
                c++;
            }
        }
        return c;
    }

    // ---------------------------------------------------------------- ranks

    /** The replica table, {@code slots * ranks} member indexes; computed once. */
    int[] order() {
        if (ordered == null) {
            int unresolvedBefore = unresolved;
            if (zoneCycles + zoneSwaps > 0 && spreadPossible()) {
                // The zone spread moved newcomers between slots: trade them back where a slot whose primary is
                // open would otherwise need a primary that stayed.
                // A trade may move a newcomer only where the movement rules let it be new: a member that did not
                // hold the slot before (its entry stays NEW), whose total grows or into a slot the repair changed.
                new PrimaryTrades(slots, ranks, set, setLen, setPrevRank, zone, total, order, this::mayEnter).run();
            }
            ordered = rank();
            int short1 = shortfall();
            if (short1 > 0) {
                // Some member can reach its share of primaries only by taking a primary that stayed (the set phase,
                // or the zone spread, put other newcomers in the slots whose primary is open): give it newcomer
                // places there.
                int[] keptSet = set.clone();
                int[] keptShortfall = primaryShortfall.clone();
                int unresolved1 = unresolved;
                if (swapNewcomersForPrimaries(ordered)) {
                    Arrays.fill(primaryShortfall, 0);
                    unresolved = unresolvedBefore;
                    int[] again = rank();
                    if (shortfall() < short1 && unresolved <= unresolved1) {
                        ordered = again;
                    } else {
                        System.arraycopy(keptSet, 0, set, 0, set.length);
                        System.arraycopy(keptShortfall, 0, primaryShortfall, 0, n);
                        unresolved = unresolved1;
                    }
                }
            }
            if (spread && spreadPossible()) {
                ordered = relocateGiveUps(ordered, unresolvedBefore);
            }
        }
        return ordered;
    }

    /**
     * The rankings {@link #relocateGiveUps} may try in one spreading attempt (each ranks the whole ring again), and the
     * ones it tries per primary that moved between survivors in one round.
     */
    private static final int RELOCATION_BUDGET = 24;

    private static final int RELOCATION_TRIES = 8;

    /**
     * Where a primary that stayed in its slot moved to another member that stays (the ranks had to take it from a
     * member over its share of primaries, and the newcomer was not in that slot), lets that member give up its primary
     * entry in this slot instead of an entry it gave up elsewhere: the newcomer that took the other entry moves here,
     * the member gets the other entry back. Every member keeps its totals, every slot gains only a newcomer and loses
     * only a member over its quota, and zones stay spread; kept only if the ranks then move fewer primaries.
     */
    private int[] relocateGiveUps(int[] table, int unresolvedBefore) {
        int budget = RELOCATION_BUDGET;
        boolean improved = true;
        while (improved && budget > 0) {
            improved = false;
            int[][] gaveUp = slotsGivenUp();
            for (int i = 0; i < slots && !improved && budget > 0; i++) {
                int s = order[i];
                int x = lostKeptPrimary(s, table);
                int tries = 0;
                for (int k = 0; x >= 0 && k < gaveUp[x].length && tries < RELOCATION_TRIES && !improved; k++) {
                    int a = gaveUp[x][k];
                    for (int e = 0; e < setLen[a] && budget > 0 && !improved; e++) {
                        int j = set[a * ranks + e];
                        if (setPrevRank[a * ranks + e] != NEW || !mayRelocate(s, x, a, j)) {
                            continue;
                        }
                        tries++;
                        budget--;
                        int[] better = tryRelocation(s, x, a, j, table, unresolvedBefore);
                        if (better != null) {
                            table = better;
                            improved = true;
                        }
                    }
                }
            }
        }
        return table;
    }

    /**
     * Lets x give up s instead of a, where newcomer j took its entry, and ranks again: the new table if fewer
     * primaries move and balance is no worse, else null with every change undone.
     */
    private int[] tryRelocation(int s, int x, int a, int j, int[] table, int unresolvedBefore) {
        boolean changedS = changed[s];
        boolean changedA = changed[a];
        int rankX = setPrevRank[s * ranks + position(s, x)];
        int rankJ = setPrevRank[a * ranks + position(a, j)];
        int[] keptShortfall = primaryShortfall.clone();
        int keptUnresolved = unresolved;
        put(s, x, j, startRank(s, j));
        put(a, j, x, startRank(a, x));
        Arrays.fill(primaryShortfall, 0);
        unresolved = unresolvedBefore;
        int[] again = rank();
        if (primariesMoved(again) < primariesMoved(table) && unresolved <= keptUnresolved) {
            return again;
        }
        put(s, j, x, rankX);
        put(a, x, j, rankJ);
        changed[s] = changedS;
        changed[a] = changedA;
        System.arraycopy(keptShortfall, 0, primaryShortfall, 0, n);
        unresolved = keptUnresolved;
        return null;
    }

    /** Per member, the slots it held before and gave up (not by a zone repair), in slot order. */
    private int[][] slotsGivenUp() {
        int[] count = new int[n];
        forEachGivenUp((m, a) -> count[m]++);
        int[][] out = new int[n][];
        for (int m = 0; m < n; m++) {
            out[m] = new int[count[m]];
            count[m] = 0;
        }
        forEachGivenUp((m, a) -> out[m][count[m]++] = a);
        return out;
    }

    /** Something done with a (member, slot) pair. */
    private interface SlotAction {
        void apply(int m, int s);
    }

    /** Calls {@code action} with (member, slot) for every slot, in slot order, that a member held and gave up. */
    private void forEachGivenUp(SlotAction action) {
        for (int i = 0; i < slots; i++) {
            int a = order[i];
            if (repaired[a]) {
                continue;
            }
            for (int e = 0; e < startLen[a]; e++) {
                int m = startSet[a * ranks + e];
                if (position(a, m) < 0) {
                    action.apply(m, a);
                }
            }
        }
    }

    /** The member that led s before, still holds it and no longer leads it in {@code table}, led by a survivor; or -1. */
    private int lostKeptPrimary(int s, int[] table) {
        int was = previousLeader(s);
        int now = table[s * ranks];
        if (repaired[s] || was < 0 || now == was || now < 0 || position(s, was) < 0 || startRank(s, now) == NEW) {
            return -1;
        }
        return was;
    }

    /** The member that led slot s in the previous ring, if it is placeable now; or -1. */
    private int previousLeader(int s) {
        for (int i = 0; i < startLen[s]; i++) {
            if (startPrevRank[s * ranks + i] == 0) {
                return startSet[s * ranks + i];
            }
        }
        return -1;
    }

    /** Whether x may give up s instead of a, where newcomer j took its entry, under the movement rules and zones. */
    private boolean mayRelocate(int s, int x, int a, int j) {
        if (position(s, j) >= 0 || repaired[s] || !mayEnter(s, j)) {
            return false;
        }
        int zj = zone[j];
        int zx = zone[x];
        return zoneCount(s, zj) - (zj == zx ? 1 : 0) == 0 && zoneCount(a, zx) - (zx == zj ? 1 : 0) == 0;
    }

    /** In slot s, member {@code in} takes the place of {@code out}, with previous rank {@code prevRank}. */
    private void put(int s, int out, int in, int prevRank) {
        int pos = s * ranks + position(s, out);
        set[pos] = in;
        setPrevRank[pos] = prevRank;
        changed[s] = true;
    }

    /** How many slots whose primary stayed placeable are led by another member in {@code table}. */
    private int primariesMoved(int[] table) {
        int moved = 0;
        for (int s = 0; s < slots; s++) {
            int was = previousLeader(s);
            if (was >= 0 && table[s * ranks] != was) {
                moved++;
            }
        }
        return moved;
    }

    private int shortfall() {
        int sum = 0;
        for (int v : primaryShortfall) {
            sum += v;
        }
        return sum;
    }

    /**
     * The movement rules for a newcomer place: member m may be new in slot s if it did not hold s before and its total
     * grows, or the zone repair changed s.
     */
    private boolean mayEnter(int s, int m) {
        return startRank(s, m) == NEW && (total[m] > previouslyHeld[m] || repaired[s]);
    }

    /**
     * For each member u short of primaries, swaps a newcomer entry of u in a slot whose primary stayed with a newcomer
     * entry of another member of u's zone in a slot whose primary is open and which that member does not lead in
     * {@code table}. Only new entries of one zone trade places, so every member keeps its totals, every slot keeps
     * what it kept and its zones: the movement rules and the spread stand. Where zones do not bind (no full spread is
     * possible, or this attempt does not spread them), a member of another zone may be the partner when no member of
     * u's zone can: then only if the two slots together list a zone twice while one is missing no more often than
     * before, and with no more repeated zones in such slots (the best-effort spread is no worse). Returns true if it
     * swapped any.
     */
    private boolean swapNewcomersForPrimaries(int[] table) {
        boolean any = false;
        boolean zonesBind = spread && spreadPossible();
        int zones = zones();
        for (int u = 0; u < n; u++) {
            for (int pass = 0; pass < (zonesBind ? 1 : 2) && primaryShortfall[u] > 0; pass++) {
                any |= swapNewcomersFor(u, table, pass == 1, zones);
            }
        }
        return any;
    }

    /** One pass of {@link #swapNewcomersForPrimaries} for member u: partners of its zone, or of any zone. */
    private boolean swapNewcomersFor(int u, int[] table, boolean anyZone, int zones) {
        boolean any = false;
        int need = primaryShortfall[u];
        for (int i = 0; i < slots && need > 0; i++) {
            int s = order[i];
            if (position(s, u) >= 0 || !primaryOpen(s) || !mayEnter(s, u)) {
                continue;
            }
            int sb = s * ranks;
            for (int a = 0; a < setLen[s] && need > 0; a++) {
                int v = set[sb + a];
                if (setPrevRank[sb + a] != NEW || (zone[v] != zone[u]) != anyZone || table[sb] == v) {
                    continue;
                }
                for (int k = 0; k < slots; k++) {
                    int t = order[k];
                    int pu = position(t, u);
                    if (pu < 0
                            || setPrevRank[t * ranks + pu] != NEW
                            || primaryOpen(t)
                            || position(t, v) >= 0
                            || !mayEnter(t, v)) {
                        continue;
                    }
                    int doubledBefore = anyZone ? doubled(s, zones) + doubled(t, zones) : 0;
                    int repeatsBefore = anyZone ? repeats(s, zones) + repeats(t, zones) : 0;
                    set[sb + a] = u;
                    set[t * ranks + pu] = v;
                    if (anyZone
                            && (doubled(s, zones) + doubled(t, zones) > doubledBefore
                                    || repeats(s, zones) + repeats(t, zones) > repeatsBefore)) {
                        set[sb + a] = v; // the spread would be worse: not this partner
                        set[t * ranks + pu] = u;
                        continue;
                    }
                    primaryShortfall[u] = --need;
                    any = true;
                    break;
                }
                if (set[sb + a] == u) {
                    break;
                }
            }
        }
        return any;
    }

    private int doubled(int s, int zones) {
        return zoneDoubled(s, zones) ? 1 : 0;
    }

    private int[] rank() {
        int[] base = new int[n];
        int[] extra = new int[n];
        for (int m = 0; m < n; m++) {
            base[m] = total[m] / ranks;
            extra[m] = total[m] % ranks;
        }
        int[] table = new int[slots * ranks];
        Arrays.fill(table, -1);
        // Within a slot, members are tried in previous rank order, new members last in a stable hashed order.
        int[][] pref = new int[slots][];
        for (int s = 0; s < slots; s++) {
            Integer[] idx = new Integer[ranks];
            for (int i = 0; i < ranks; i++) {
                idx[i] = i;
            }
            final int slot = s;
            Arrays.sort(idx, (a, b) -> {
                int ra = setPrevRank[slot * ranks + a];
                int rb = setPrevRank[slot * ranks + b];
                if (ra != rb) {
                    return Integer.compare(ra, rb);
                }
                long ma = memberSlotHash(idHash[set[slot * ranks + a]], slot);
                long mb = memberSlotHash(idHash[set[slot * ranks + b]], slot);
                return Long.compare(ma, mb);
            });
            pref[s] = new int[ranks];
            for (int i = 0; i < ranks; i++) {
                pref[s][i] = set[s * ranks + idx[i]];
            }
        }
        int[][] slotsOf = new int[n][];
        int[] slotPos = new int[slots * ranks];
        int[] fillCount = new int[n];
        int[] occurrences = new int[n];
        for (int s = 0; s < slots * ranks; s++) {
            occurrences[set[s]]++;
        }
        for (int m = 0; m < n; m++) {
            slotsOf[m] = new int[occurrences[m]];
        }
        for (int s : order) {
            for (int i = 0; i < ranks; i++) {
                int m = set[s * ranks + i];
                slotPos[s * ranks + i] = fillCount[m];
                slotsOf[m][fillCount[m]++] = s;
            }
        }
        boolean[] ranked = new boolean[slots * ranks]; // by position in pref[s]
        for (int r = 0; r < ranks; r++) {
            // A member holds floor(T/R') or ceil(T/R') entries at each rank, and T in all.
            int remainingRanks = ranks - r;
            int[] lo = new int[n];
            int[] q = new int[n];
            for (int m = 0; m < n; m++) {
                lo[m] = base[m] + (extra[m] == remainingRanks ? 1 : 0);
                q[m] = base[m] + (extra[m] > 0 ? 1 : 0);
            }
            RankFill fill = new RankFill(lo, q, pref, ranked, slotsOf, slotPos);
            // Exact keeps first, then moves up; unchanged slots before changed ones, so that a member over its
            // quota gives up entries where the slot changes anyway.
            for (int pass = 0; pass < 4; pass++) {
                boolean exact = pass < 2;
                boolean changedPass = pass % 2 == 1;
                for (int s : order) {
                    if (changed[s] != changedPass || fill.assign[s] >= 0) {
                        continue;
                    }
                    for (int i = 0; i < ranks; i++) {
                        int m = pref[s][i];
                        if (ranked[s * ranks + i] || fill.count[m] >= q[m]) {
                            continue;
                        }
                        if (exact && prevRankOf(s, m) != r) {
                            continue;
                        }
                        fill.assign[s] = m;
                        fill.kept[s] = exact;
                        fill.mark(s, m, exact);
                        fill.count[m]++;
                        break;
                    }
                }
            }
            boolean open = false;
            for (int s = 0; s < slots && !open; s++) {
                open = fill.assign[s] < 0;
            }
            if (open) {
                fill.keepUseful();
            }
            for (int s : order) {
                if (fill.assign[s] >= 0) {
                    continue;
                }
                if (augment(fill, s, true) || augment(fill, s, false)) {
                    continue;
                }
                // No path: stay distinct and complete, give up exact balance at this entry.
                for (int i = 0; i < ranks; i++) {
                    if (!ranked[s * ranks + i]) {
                        int m = pref[s][i];
                        fill.assign[s] = m;
                        fill.mark(s, m, false);
                        fill.count[m]++;
                        fill.counted(m);
                        break;
                    }
                }
                unresolved++;
            }
            fill.dropUseful();
            for (int m = 0; m < n; m++) {
                while (fill.count[m] < lo[m]) {
                    boolean ok1 = lift(fill, m, true);
                    if (!ok1 && r == 0 && previouslyHeld[m] > 0) {
                        primaryShortfall[m]++;
                    }
                    if (!ok1 && !lift(fill, m, false)) {
                        unresolved++;
                        break;
                    }
                }
            }
            for (int m = 0; m < n; m++) {
                if (fill.count[m] > base[m]) {
                    extra[m]--;
                }
            }
            for (int s = 0; s < slots; s++) {
                int m = fill.assign[s];
                table[s * ranks + r] = m;
                for (int i = 0; i < ranks; i++) {
                    if (pref[s][i] == m) {
                        ranked[s * ranks + i] = true;
                    }
                }
            }
        }
        return table;
    }

    /**
     * One rank of {@link #rank()} while it is filled: the member each slot takes at it, how many slots each member
     * takes against its bounds, and the bit sets that the path searches ({@link #augment}, {@link #lift}) walk. A new
     * one is made for each rank, so nothing of one rank's searches is left for the next; the slots' order of members
     * ({@code pref}), the members ranked at earlier ranks ({@code ranked}) and each member's slots ({@code slotsOf},
     * {@code slotPos}) are shared by every rank.
     */
    private final class RankFill {
        /** Per slot, the member it takes at this rank, or -1 while it is open. */
        final int[] assign = new int[slots];
        /** Per slot, whether its member is the one that held this rank of it in the previous ring. */
        final boolean[] kept = new boolean[slots];
        /** Per member, how many slots take it at this rank. */
        final int[] count = new int[n];
        /** Per member, the fewest slots it may take at this rank. */
        final int[] lo;
        /** Per member, the most slots it may take at this rank (its quota). */
        final int[] q;
        /** Per slot, its members in the order they are tried: previous rank first, new members last. */
        final int[][] pref;
        /** By position in {@code pref[s]}: that member of slot s was ranked at an earlier rank. */
        final boolean[] ranked;
        /** Per member, the slots whose set lists it, in {@link #order}. */
        final int[][] slotsOf;
        /** The position of {@code set[s * ranks + i]} in {@code slotsOf} of that member. */
        final int[] slotPos;
        /**
         * Per member, over the positions of its slots in {@code slotsOf}: those assigned to it at this rank ({@code
         * assignedBits}), and of those the ones not kept from the previous ring ({@code movableBits}). The searches of
         * {@link #augment} walk the set bits in order instead of every slot of a member.
         */
        final long[][] assignedBits = new long[n][];

        final long[][] movableBits = new long[n][];
        /** Kept while {@link #augment} runs for the slots the keeps left open, null otherwise ({@link #keepUseful}). */
        UsefulSlots useful;
        /** Searches of this rank that reached {@link #AVOID_KEPT_REACH} slots. */
        int longSearches;

        RankFill(int[] lo, int[] q, int[][] pref, boolean[] ranked, int[][] slotsOf, int[] slotPos) {
            this.lo = lo;
            this.q = q;
            this.pref = pref;
            this.ranked = ranked;
            this.slotsOf = slotsOf;
            this.slotPos = slotPos;
            Arrays.fill(assign, -1);
            for (int m = 0; m < n; m++) {
                assignedBits[m] = new long[(slotsOf[m].length + 63) >>> 6];
                movableBits[m] = new long[(slotsOf[m].length + 63) >>> 6];
            }
        }

        /**
         * Starts {@link #useful} from the slots assigned so far. Called once the keeps are done, only where they left a
         * slot open: the searches for the open slots read it.
         */
        void keepUseful() {
            useful = new UsefulSlots();
        }

        /** Stops keeping {@link #useful}: nothing after the searches for the open slots reads it. */
        void dropUseful() {
            useful = null;
        }

        /** Records that slot s is assigned member m at this rank, kept from the previous ring or not. */
        void mark(int s, int m, boolean keptThere) {
            int p = slotPos[s * ranks + position(s, m)];
            assignedBits[m][p >>> 6] |= 1L << p;
            if (keptThere) {
                movableBits[m][p >>> 6] &= ~(1L << p);
            } else {
                movableBits[m][p >>> 6] |= 1L << p;
            }
            if (useful != null) {
                useful.refresh(s);
            }
        }

        /** Records that slot s is no longer assigned member m. */
        void unmark(int s, int m) {
            int p = slotPos[s * ranks + position(s, m)];
            assignedBits[m][p >>> 6] &= ~(1L << p);
            movableBits[m][p >>> 6] &= ~(1L << p);
            if (useful != null) {
                useful.bits[m][p >>> 6] &= ~(1L << p);
            }
        }

        /** After member m's count grew: where it reached its quota, the slots that could take m are useful no more. */
        void counted(int m) {
            if (useful != null) {
                useful.counted(m);
            }
        }

        /** True if member m is in slot t's set and not yet ranked there. */
        boolean open(int t, int m) {
            for (int i = 0; i < ranks; i++) {
                if (pref[t][i] == m) {
                    return !ranked[t * ranks + i];
                }
            }
            return false;
        }

        /**
         * Per member, over the positions of its slots in {@code slotsOf}: those assigned to it where {@link #complete}
         * would succeed (another unranked member of the slot is under quota), so that a path of one step is found
         * without a search ({@link #oneStep}). Reads the rank's arrays as {@link #augment} changes them.
         */
        final class UsefulSlots {
            final long[][] bits = new long[n][];

            UsefulSlots() {
                for (int m = 0; m < n; m++) {
                    bits[m] = new long[assignedBits[m].length];
                }
                for (int s = 0; s < slots; s++) {
                    refresh(s);
                }
            }

            /** Sets slot s's bit in its assigned member's {@code bits} to whether {@link #complete} would succeed. */
            void refresh(int s) {
                int m = assign[s];
                if (m < 0) {
                    return;
                }
                int p = slotPos[s * ranks + position(s, m)];
                boolean completes = false;
                for (int i = 0; i < ranks && !completes; i++) {
                    int x = pref[s][i];
                    completes = !ranked[s * ranks + i] && x != m && count[x] < q[x];
                }
                if (completes) {
                    bits[m][p >>> 6] |= 1L << p;
                } else {
                    bits[m][p >>> 6] &= ~(1L << p);
                }
            }

            void counted(int m) {
                if (count[m] != q[m]) {
                    return;
                }
                for (int u : slotsOf[m]) {
                    if (assign[u] >= 0 && assign[u] != m) {
                        refresh(u);
                    }
                }
            }
        }
    }

    /**
     * Finds a member for open slot s0 of the rank being filled along an alternating path: s0 takes a member m that is
     * at quota, a slot that had m takes another of its members, and so on until a member under quota. With {@code
     * avoidKept}, the path runs only through slots that did not keep their previous member at this rank, so that the
     * slots that did keep it too.
     *
     * <p>A breadth-first search over slots, so the path is a shortest one. A slot is tested for a member under quota
     * as soon as it is reached rather than when it is dequeued: the first slot reached with one is the first one the
     * queue would have found, so the path is the same, without queueing the rest of a member's slots first. A
     * member's slots are scanned once per search (a second scan would find them all reached already), through the
     * bitsets of the slots assigned to it ({@code assignedBits}, {@code movableBits}), and a path of one step is looked
     * up first in {@link RankFill.UsefulSlots} ({@link #oneStep}). With {@code avoidKept}, a search may stop at {@link
     * #AVOID_KEPT_REACH} slots once {@code max(LONG_SEARCHES, S / 16)} searches of the rank reached that many.
     */
    private boolean augment(RankFill fill, int s0, boolean avoidKept) {
        if (searchSeen == null) {
            searchSeen = new int[slots];
            searchParent = new int[slots];
            searchQueue = new int[slots];
        }
        int stamp = ++searchStamp;
        boolean[] scanned = new boolean[n];
        searchSeen[s0] = stamp;
        searchParent[s0] = -1;
        if (complete(fill, s0)) {
            return true;
        }
        if (fill.useful != null && oneStep(fill, s0, avoidKept)) {
            return true;
        }
        int head = 0;
        int tail = 0;
        searchQueue[tail++] = s0;
        while (head < tail) {
            int t = searchQueue[head++];
            for (int i = 0; i < ranks; i++) {
                int m = fill.pref[t][i];
                if (fill.ranked[t * ranks + i] || m == fill.assign[t] || scanned[m]) {
                    continue;
                }
                scanned[m] = true;
                // the slots assigned m (and, avoiding kept slots, not kept), in slotsOf order
                long[] bits = avoidKept ? fill.movableBits[m] : fill.assignedBits[m];
                int[] list = fill.slotsOf[m];
                for (int w = 0; w < bits.length; w++) {
                    for (long word = bits[w]; word != 0; word &= word - 1) {
                        int u = list[(w << 6) + Long.numberOfTrailingZeros(word)];
                        if (searchSeen[u] != stamp) {
                            searchSeen[u] = stamp;
                            searchParent[u] = t;
                            // one step from s0: oneStep found none to complete
                            if ((t != s0 || fill.useful == null) && complete(fill, u)) {
                                return true;
                            }
                            if (avoidKept
                                    && tail == AVOID_KEPT_REACH
                                    && ++fill.longSearches > Math.max(LONG_SEARCHES, slots >> 4)) {
                                return false; // far enough: a path through kept slots is searched next
                            }
                            searchQueue[tail++] = u;
                        }
                    }
                }
            }
        }
        return false;
    }

    /**
     * The path of one step {@link #augment} would find first, found through {@link RankFill.UsefulSlots} without
     * scanning the slots that do not complete it: s0's members in pref order, each one's slots in slotsOf order, the
     * first assigned to it (and not kept, with {@code avoidKept}) where another member is under quota. False if there
     * is none (or the bits were wrong), and the search decides.
     */
    private boolean oneStep(RankFill fill, int s0, boolean avoidKept) {
        for (int i = 0; i < ranks; i++) {
            int m = fill.pref[s0][i];
            if (fill.ranked[s0 * ranks + i] || m == fill.assign[s0]) {
                continue;
            }
            long[] completes = fill.useful.bits[m];
            long[] movable = fill.movableBits[m];
            for (int w = 0; w < completes.length; w++) {
                long word = avoidKept ? completes[w] & movable[w] : completes[w];
                if (word != 0) {
                    int u = fill.slotsOf[m][(w << 6) + Long.numberOfTrailingZeros(word)];
                    searchParent[u] = s0;
                    return complete(fill, u);
                }
            }
        }
        return false;
    }

    /**
     * If slot t has an unranked member under quota other than its own, gives it to t and shifts every slot on the
     * path from t back to the open slot by one member.
     */
    private boolean complete(RankFill fill, int t) {
        for (int i = 0; i < ranks; i++) {
            int m = fill.pref[t][i];
            if (fill.ranked[t * ranks + i] || m == fill.assign[t] || fill.count[m] >= fill.q[m]) {
                continue;
            }
            fill.count[m]++;
            int cur = t;
            int give = m;
            while (cur >= 0) {
                int old = fill.assign[cur];
                if (old >= 0) {
                    fill.unmark(cur, old);
                }
                fill.assign[cur] = give;
                fill.kept[cur] = false;
                fill.mark(cur, give, false);
                give = old;
                cur = searchParent[cur];
            }
            fill.counted(m);
            return true;
        }
        return false;
    }

    /**
     * Gives member u0, below its lower bound at the rank being filled, one more entry there: u0 takes a slot from b, b
     * takes one from c, and so on until a member above its lower bound. With {@code avoidKept}, the path avoids slots
     * that kept their previous member at this rank.
     */
    private boolean lift(RankFill fill, int u0, boolean avoidKept) {
        int[] parentSlot = new int[n];
        int[] parentMember = new int[n];
        boolean[] seen = new boolean[n];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(u0);
        seen[u0] = true;
        while (!queue.isEmpty()) {
            int a = queue.poll();
            for (int t : fill.slotsOf[a]) {
                int b = fill.assign[t];
                if (b == a || b < 0 || seen[b] || (avoidKept && fill.kept[t]) || !fill.open(t, a)) {
                    continue;
                }
                seen[b] = true;
                parentSlot[b] = t;
                parentMember[b] = a;
                if (fill.count[b] > fill.lo[b]) {
                    fill.count[b]--;
                    fill.count[u0]++;
                    int cur = b;
                    while (cur != u0) {
                        int slot = parentSlot[cur];
                        int taker = parentMember[cur];
                        fill.unmark(slot, fill.assign[slot]);
                        fill.assign[slot] = taker;
                        fill.kept[slot] = false;
                        fill.mark(slot, taker, false);
                        cur = taker;
                    }
                    return true;
                }
                queue.add(b);
            }
        }
        return false;
    }

    /** A stable hash of (member, slot): each member's own order of slots, and tie-breaks between members. */
    static long memberSlotHash(long memberIdHash, int slot) {
        return mix(memberIdHash ^ (slot * 0x9E3779B97F4A7C15L));
    }

    static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        return x ^ (x >>> 33);
    }
}
