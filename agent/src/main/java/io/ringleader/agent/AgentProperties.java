package io.ringleader.agent;

import io.ringleader.agent.internal.Flags;
import io.ringleader.agent.membership.MemberState;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Applies {@code ringleader.*} settings (see {@code conf/agent.properties}) to an {@link Agent.Builder}. Unknown
 * {@code ringleader.*} keys are refused, so that a typo is not silently ignored; other keys are left alone.
 */
final class AgentProperties {
    static final String PREFIX = "ringleader.";
    static final String ATTRIBUTE_PREFIX = "ringleader.member.attribute.";
    static final Set<String> KEYS = Set.of(
            "ringleader.zk",
            "ringleader.cluster",
            "ringleader.root",
            "ringleader.observer",
            "ringleader.member.id",
            "ringleader.member.host",
            "ringleader.member.port",
            "ringleader.member.weight",
            "ringleader.member.zone",
            "ringleader.member.state",
            "ringleader.session.timeout",
            "ringleader.connection.timeout",
            "ringleader.auth.scheme",
            "ringleader.auth.credentials.env",
            "ringleader.insecure");

    private AgentProperties() {}

    static void apply(Agent.Builder builder, Properties properties, Function<String, String> environment) {
        Map<String, String> settings = new java.util.TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            if (!KEYS.contains(key) && !key.startsWith(ATTRIBUTE_PREFIX)) {
                throw new IllegalArgumentException("unknown setting '" + key + "'; known settings: "
                        + new TreeSet<>(KEYS) + " and " + ATTRIBUTE_PREFIX + "<name>");
            }
            settings.put(key, properties.getProperty(key).trim());
        }
        ifSet(settings, "ringleader.zk", builder::connectString);
        ifSet(settings, "ringleader.cluster", builder::cluster);
        ifSet(settings, "ringleader.root", builder::root);
        ifSet(settings, "ringleader.member.id", builder::memberId);
        ifSet(settings, "ringleader.member.zone", builder::zone);
        if (Flags.parse("ringleader.observer", settings.get("ringleader.observer"))) {
            builder.observer();
        }
        if (Flags.parse("ringleader.insecure", settings.get("ringleader.insecure"))) {
            builder.insecure();
        }
        String host = settings.get("ringleader.member.host");
        String port = settings.get("ringleader.member.port");
        if (host != null || port != null) {
            if (host == null || port == null) {
                throw new IllegalArgumentException(
                        "ringleader.member.host and ringleader.member.port must be set together");
            }
            builder.endpoint(host, integer("ringleader.member.port", port));
        }
        ifSet(settings, "ringleader.member.weight", v -> builder.weight(integer("ringleader.member.weight", v)));
        ifSet(settings, "ringleader.member.state", v -> {
            try {
                builder.initialState(MemberState.valueOf(v.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw bad("ringleader.member.state", v, "one of JOINING, UP, DRAINING, SPARE");
            }
        });
        ifSet(
                settings,
                "ringleader.session.timeout",
                v -> builder.sessionTimeout(duration("ringleader.session.timeout", v)));
        ifSet(
                settings,
                "ringleader.connection.timeout",
                v -> builder.connectionTimeout(duration("ringleader.connection.timeout", v)));
        String scheme = settings.get("ringleader.auth.scheme");
        String credentialsEnv = settings.get("ringleader.auth.credentials.env");
        if (scheme != null || credentialsEnv != null) {
            if (scheme == null || credentialsEnv == null) {
                throw new IllegalArgumentException(
                        "ringleader.auth.scheme and ringleader.auth.credentials.env must be set together");
            }
            String credentials = environment.apply(credentialsEnv);
            if (credentials == null || credentials.isEmpty()) {
                throw new IllegalArgumentException("ringleader.auth.credentials.env names the environment variable "
                        + credentialsEnv + ", which is not set: export it with the ZooKeeper credentials");
            }
            builder.authorization(scheme, credentials);
        }
        settings.forEach((key, value) -> {
            if (key.startsWith(ATTRIBUTE_PREFIX)) {
                builder.attribute(key.substring(ATTRIBUTE_PREFIX.length()), value);
            }
        });
    }

    private static void ifSet(Map<String, String> settings, String key, java.util.function.Consumer<String> apply) {
        String value = settings.get(key);
        if (value != null) {
            apply.accept(value);
        }
    }

    private static int integer(String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw bad(key, value, "a whole number");
        }
    }

    private static java.time.Duration duration(String key, String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
    }

    private static IllegalArgumentException bad(String key, String value, String expected) {
        return new IllegalArgumentException(key + " must be " + expected + ", was '" + value + "'");
    }
}
