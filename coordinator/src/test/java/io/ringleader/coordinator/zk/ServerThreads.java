package io.ringleader.coordinator.zk;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.regex.Pattern;

/** Test helpers: which ZooKeeper server threads are alive, and whether a port is free. */
public final class ServerThreads {
    private static final Pattern SERVER_THREAD = Pattern.compile(
            "zkservermainrunner|NIOServerCxnFactory.*|ConnnectionExpirer|SessionTracker|SyncThread.*|ProcessThread.*"
                    + "|RequestThrottler|ringleader-zk-.*");

    private ServerThreads() {}

    /** Names of live threads that belong to a ZooKeeper server or to {@link EmbeddedZooKeeper}. */
    public static List<String> alive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> SERVER_THREAD.matcher(name).matches())
                .sorted()
                .toList();
    }

    /** Whether a server socket can bind {@code port} on loopback right now. */
    public static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
