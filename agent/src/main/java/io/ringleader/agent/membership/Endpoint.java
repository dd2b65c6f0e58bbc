package io.ringleader.agent.membership;

import java.util.Objects;

/**
 * Where a member serves its clients.
 *
 * @param host a host name or address, non-blank, at most 255 characters
 * @param port 1 to 65535
 */
public record Endpoint(String host, int port) {

    /**
     * Validates both parts.
     *
     * @throws IllegalArgumentException if the host is blank or too long, or the port is out of range
     */
    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || host.length() > 255) {
            throw new IllegalArgumentException("endpoint host must be 1-255 non-blank characters, was '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint port must be between 1 and 65535, was " + port);
        }
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
