package io.ringleader.bench;

import java.util.SplittableRandom;

/** Random ASCII keys, the same for every contender of a run. */
final class Keys {

    /** The key length the routing target is stated for. */
    static final int LENGTH = 16;

    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private Keys() {}

    /** {@code count} random keys of {@value #LENGTH} ASCII letters, digits, '-' and '_', from {@code seed}. */
    static String[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] keys = new String[count];
        char[] chars = new char[LENGTH];
        for (int i = 0; i < count; i++) {
            for (int c = 0; c < LENGTH; c++) {
                chars[c] = ALPHABET[random.nextInt(ALPHABET.length)];
            }
            keys[i] = new String(chars);
        }
        return keys;
    }
}
