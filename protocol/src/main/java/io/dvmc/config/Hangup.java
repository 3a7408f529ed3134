package io.dvmc.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP, which by default ends a JVM like SIGTERM does. An operator sends it to make a daemon re-read its
 * configuration, so no dvmc process may die of it: the agent re-reads its bindings, the dataplane its ports, and
 * a process with nothing to re-read logs that and goes on. {@code sun.misc.Signal} (module jdk.unsupported) needs
 * no JVM flag.
 */
public final class Hangup
{
    private static final Logger LOG = LoggerFactory.getLogger(Hangup.class);
    private static final String SIGHUP = "HUP";
    private static volatile boolean handled;

    private Hangup()
    {
    }

    /** Runs {@code action} on each SIGHUP (on the JVM's signal thread, so it must be quick), logged as {@code name}. */
    public static void handle(final String name, final Runnable action)
    {
        handled = true;
        Signal.handle(new Signal(SIGHUP), signal -> {
            LOG.info("{}: SIGHUP: re-reading the configuration", name);
            action.run();
        });
    }

    /** Keeps the process alive on SIGHUP when {@link #handle} was not called: logged, nothing else. */
    public static void survive(final String name)
    {
        if (!handled)
        {
            Signal.handle(new Signal(SIGHUP),
                signal -> LOG.info("{}: SIGHUP ignored: nothing here is re-read on it", name));
        }
    }
}
