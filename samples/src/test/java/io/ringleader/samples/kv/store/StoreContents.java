package io.ringleader.samples.kv.store;

import java.util.HashMap;
import java.util.Map;

/** Test helpers over a whole store. */
final class StoreContents {
    private StoreContents() {}

    /** Every entry of {@code store}, tombstones included, by {@code slot/key}. */
    static Map<String, Entry> of(KvStore store) {
        Map<String, Entry> all = new HashMap<>();
        for (int slot = 0; slot < store.slotCount(); slot++) {
            for (Entry entry : store.slotEntries(slot)) {
                all.put(entry.slot() + "/" + entry.key(), entry);
            }
        }
        return all;
    }

    static Entry put(int slot, String key, long seq, String value) {
        return new Entry(slot, key, new Version(1, seq), value);
    }

    static Entry delete(int slot, String key, long seq) {
        return new Entry(slot, key, new Version(1, seq), null);
    }
}
