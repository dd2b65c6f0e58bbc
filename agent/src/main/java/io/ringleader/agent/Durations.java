package io.ringleader.agent;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads durations as operators write them: {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}, or ISO-8601. */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Durations() {}

    /**
     * Parses {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h} or an ISO-8601 duration such as {@code PT2S}.
     *
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    public static Duration parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("a duration is required: use 250ms, 2s, 1m, 1h or PT2S");
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        try {
            return Duration.parse(v.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + value
                    + "' is not a duration: use a number with ms, s, m or h (250ms, 2s) or ISO-8601 (PT2S)");
        }
    }
}
