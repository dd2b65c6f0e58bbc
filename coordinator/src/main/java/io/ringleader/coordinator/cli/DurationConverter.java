package io.ringleader.coordinator.cli;

import io.ringleader.agent.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Reads a duration flag: {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}, or ISO-8601 {@code PT2S}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
