package io.ringleader.agent.roles;

import java.util.Arrays;
import java.util.function.IntConsumer;

/** An immutable set of slot numbers, kept as a bitmap: 2 KiB for 16384 slots, whatever their count. */
public final class SlotSet {
    private static final SlotSet EMPTY = new SlotSet(new long[0]);

    private final long[] words;
    private final int cardinality;

    private SlotSet(long[] words) {
        int last = words.length;
        while (last > 0 && words[last - 1] == 0) {
            last--;
        }
        this.words = last == words.length ? words : Arrays.copyOf(words, last);
        int count = 0;
        for (long w : this.words) {
            count += Long.bitCount(w);
        }
        this.cardinality = count;
    }

    /** The empty set. */
    public static SlotSet empty() {
        return EMPTY;
    }

    /** The set of these slots. */
    public static SlotSet of(int... slots) {
        Builder b = new Builder();
        for (int s : slots) {
            b.add(s);
        }
        return b.build();
    }

    /** Whether {@code slot} is in the set. */
    public boolean contains(int slot) {
        int w = slot >>> 6;
        return slot >= 0 && w < words.length && (words[w] & (1L << slot)) != 0;
    }

    /** How many slots are in the set. */
    public int size() {
        return cardinality;
    }

    /** Whether the set is empty. */
    public boolean isEmpty() {
        return cardinality == 0;
    }

    /** Calls {@code action} for every slot, in increasing order. */
    public void forEach(IntConsumer action) {
        for (int w = 0; w < words.length; w++) {
            long word = words[w];
            while (word != 0) {
                int bit = Long.numberOfTrailingZeros(word);
                action.accept((w << 6) + bit);
                word &= word - 1;
            }
        }
    }

    /** The slots in this set and not in {@code other}. */
    public SlotSet minus(SlotSet other) {
        long[] out = Arrays.copyOf(words, words.length);
        for (int i = 0; i < Math.min(out.length, other.words.length); i++) {
            out[i] &= ~other.words[i];
        }
        return new SlotSet(out);
    }

    /** The slots in this set or in {@code other}. */
    public SlotSet union(SlotSet other) {
        long[] out = Arrays.copyOf(words, Math.max(words.length, other.words.length));
        for (int i = 0; i < other.words.length; i++) {
            out[i] |= other.words[i];
        }
        return new SlotSet(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SlotSet other && Arrays.equals(words, other.words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words);
    }

    /** Ranges, e.g. {@code [0-4095, 8192]}; long sets are cut after 8 ranges. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        int[] ranges = {0};
        int[] start = {-1};
        int[] prev = {-2};
        forEach(s -> {
            if (s != prev[0] + 1) {
                appendRange(sb, start[0], prev[0], ranges);
                start[0] = s;
            }
            prev[0] = s;
        });
        appendRange(sb, start[0], prev[0], ranges);
        if (ranges[0] > 8) {
            sb.append(", …");
        }
        return sb.append("] (").append(cardinality).append(" slots)").toString();
    }

    private static void appendRange(StringBuilder sb, int start, int end, int[] ranges) {
        if (start < 0) {
            return;
        }
        ranges[0]++;
        if (ranges[0] > 8) {
            return;
        }
        if (ranges[0] > 1) {
            sb.append(", ");
        }
        sb.append(start);
        if (end > start) {
            sb.append('-').append(end);
        }
    }

    /** Builds a {@link SlotSet}. */
    public static final class Builder {
        private long[] words = new long[0];

        /**
         * Adds a slot.
         *
         * @throws IllegalArgumentException if {@code slot < 0}
         */
        public Builder add(int slot) {
            if (slot < 0) {
                throw new IllegalArgumentException("slot must be >= 0, was " + slot);
            }
            int w = slot >>> 6;
            if (w >= words.length) {
                words = Arrays.copyOf(words, Math.max(w + 1, words.length * 2));
            }
            words[w] |= 1L << slot;
            return this;
        }

        /** The set. */
        public SlotSet build() {
            return new SlotSet(words.clone());
        }
    }
}
