package io.ringleader.samples.kv.node;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringleader.samples.kv.store.Entry;
import io.ringleader.samples.kv.store.Version;
import java.util.List;

/** The JSON bodies exchanged between KV nodes and with clients. The format is documented in the README. */
final class Wire {
    private Wire() {}

    static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** One entry on the wire; {@code value} null is a delete. */
    record WireEntry(String key, long epoch, long seq, String value) {
        static WireEntry of(Entry e) {
            return new WireEntry(e.key(), e.version().epoch(), e.version().seq(), e.value());
        }

        Entry toEntry(int slot) {
            return new Entry(slot, key, new Version(epoch, seq), value);
        }
    }

    /**
     * A message about one slot from the member that claims to be its primary at {@code epoch}: replicate these
     * entries, or confirm that I am still your primary before I answer a read; a confirmation carries the entry read
     * (if any), which the replica stores if it lacks it.
     */
    record SlotMessage(int slot, long epoch, String from, List<WireEntry> entries) {
        SlotMessage {
            entries = entries == null ? List.of() : List.copyOf(entries);
        }
    }

    /**
     * A catch-up request for many slots. With {@code register} (a backup catching up from the primary) the primary
     * copies each slot under its lock and sends every later write of it to the asker; without (a new primary
     * gathering from its backups) each replica admits the asker's epoch in its fence for the slot before it copies.
     * {@code epoch} is the asker's: its own record is older.
     */
    record CatchUpRequest(String from, String host, int port, long epoch, boolean register, List<Integer> slots) {
        CatchUpRequest {
            slots = slots == null ? List.of() : List.copyOf(slots);
        }
    }

    /**
     * A returning node ({@code from}) asks the primary of these slots to stop taking new requests for them and to
     * finish those in flight before it takes them back; the answer gives how many of them the asked node leads and
     * holds.
     */
    record Handback(String from, List<Integer> slots) {
        Handback {
            slots = slots == null ? List.of() : List.copyOf(slots);
        }
    }

    /** Every entry of one slot, tombstones included. */
    record SlotEntries(int slot, List<WireEntry> entries) {
        SlotEntries {
            entries = entries == null ? List.of() : List.copyOf(entries);
        }
    }

    /**
     * The answer to a catch-up: the slots copied, and those refused (for a registration, the asked member is not
     * their primary; for a gather, its view names another primary, or it has seen a newer epoch for the slot).
     */
    record CatchUpAnswer(List<SlotEntries> slots, List<Integer> refused) {
        CatchUpAnswer {
            slots = slots == null ? List.of() : List.copyOf(slots);
            refused = refused == null ? List.of() : List.copyOf(refused);
        }
    }

    /** A successful client operation. */
    record Result(String key, int slot, String value, boolean found, long epoch, long seq) {}

    /**
     * A refusal. {@code definite} says the operation was certainly not applied (the client may retry it anywhere);
     * otherwise its outcome is unknown.
     */
    record Problem(String error, String message, int slot, String primary, long epoch, boolean definite) {}
}
