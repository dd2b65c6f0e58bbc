package io.ringleader.coordinator.http;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Where the coordinator serves its HTTP API and dashboard: {@code ringleader.http.address}.
 *
 * @param host a host name or IP literal (IPv6 without brackets)
 * @param port 0 to 65535; 0 binds a free port
 */
public record HttpAddress(String host, int port) {
    /** The setting's name. */
    public static final String KEY = "ringleader.http.address";

    /** The value that turns the HTTP server off. */
    public static final String OFF = "off";

    /** The default: loopback only, port 8484. */
    public static final HttpAddress DEFAULT = new HttpAddress("127.0.0.1", 8484);

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if the host is blank or the port is out of range
     */
    public HttpAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(KEY + " needs a host, for example 127.0.0.1:8484");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(KEY + " port must be between 0 and 65535, was " + port);
        }
    }

    /**
     * Parses {@code host:port}, {@code [ipv6]:port} or {@code off}; null means the default.
     *
     * @return the address, or empty for {@code off}
     * @throws IllegalArgumentException naming the setting and the bad value
     */
    public static Optional<HttpAddress> parse(String value) {
        if (value == null) {
            return Optional.of(DEFAULT);
        }
        String v = value.trim();
        if (v.equalsIgnoreCase(OFF)) {
            return Optional.empty();
        }
        int colon = v.lastIndexOf(':');
        String host = colon < 0 ? "" : v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = "";
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException(KEY + " must be host:port, [ipv6]:port or off, was '" + value + "'");
        }
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(KEY + " port must be a whole number, was '" + value + "'");
        }
        return Optional.of(new HttpAddress(host, port));
    }

    /** The socket address to bind (resolving the host). */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port}, IPv6 in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
