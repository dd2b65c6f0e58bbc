package io.ringleader.coordinator.cli;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGINT (Ctrl-C) and SIGTERM into a stop request, so a long-running command can stop its
 * server and exit 0 instead of being torn down by the JVM's default handler (exit 130/143). A
 * second signal forces the exit at once.
 *
 * <p>This uses {@code sun.misc.Signal} (module jdk.unsupported, present in every JDK 17+) through
 * reflection, which keeps the compiler quiet about proprietary API; if it is missing, {@link
 * #install} returns a no-op and the caller's shutdown hook does the stopping.
 */
final class StopSignals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);
    private static final String[] SIGNALS = {"INT", "TERM"};
    static final int FORCED_EXIT_CODE = 130;

    private final List<Runnable> restore;

    private StopSignals(List<Runnable> restore) {
        this.restore = restore;
    }

    /** Installs handlers that run {@code onStop} on the first signal and halt the JVM on the second. */
    static StopSignals install(Runnable onStop) {
        List<Runnable> restore = new ArrayList<>();
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            AtomicInteger received = new AtomicInteger();
            Object handler = Proxy.newProxyInstance(
                    StopSignals.class.getClassLoader(), new Class<?>[] {handlerClass}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "handle" -> {
                                if (received.incrementAndGet() == 1) {
                                    onStop.run();
                                } else {
                                    Runtime.getRuntime().halt(FORCED_EXIT_CODE);
                                }
                                return null;
                            }
                            case "hashCode" -> {
                                return System.identityHashCode(proxy);
                            }
                            case "equals" -> {
                                return proxy == args[0];
                            }
                            default -> {
                                return "ringleader-stop-signal-handler";
                            }
                        }
                    });
            for (String name : SIGNALS) {
                Object signal = signalClass.getConstructor(String.class).newInstance(name);
                Object previous = handle.invoke(null, signal, handler);
                restore.add(() -> {
                    try {
                        handle.invoke(null, signal, previous);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        LOG.debug("could not restore the handler of SIG{}", name, e);
                    }
                });
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.debug("cannot handle stop signals here; relying on the shutdown hook", e);
        }
        return new StopSignals(restore);
    }

    /** Puts the previous handlers back. */
    @Override
    public void close() {
        restore.forEach(Runnable::run);
    }
}
