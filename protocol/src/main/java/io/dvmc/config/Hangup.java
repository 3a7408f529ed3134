package io.dvmc.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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
        unignore(name);
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

    /**
     * A process started with SIGHUP ignored (under nohup, or by a supervisor or CI runner that ignores it) inherits
     * that, and the JVM then installs no handler for it: the reload would never happen, silently. The ignore is
     * undone first, only when it is there: the JVM's own handler stays otherwise. In the instant between the two
     * calls a SIGHUP would end the process, as it does any process started without nohup before its handler.
     */
    private static void unignore(final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            // struct sigaction begins with its handler on Linux; 256 bytes hold the whole struct.
            final MemorySegment old = arena.allocate(256);
            if ((int)Libc.SIGACTION.invokeExact(Libc.SIGHUP_NUMBER, MemorySegment.NULL, old) == 0 &&
                old.get(JAVA_LONG, 0) == Libc.SIG_IGN)
            {
                Libc.SIGNAL.invoke(Libc.SIGHUP_NUMBER, MemorySegment.NULL);
                LOG.info("{}: SIGHUP was ignored when the process started (nohup?); it re-reads on it now", name);
            }
        }
        catch (final Throwable ex)
        {
            LOG.warn("{}: cannot read how SIGHUP is handled, a SIGHUP may be ignored: {}", name, ex.toString());
        }
    }

    /** The downcalls, linked by the first {@link #handle}. */
    private static final class Libc
    {
        static final int SIGHUP_NUMBER = 1;
        static final long SIG_IGN = 1;
        private static final Linker LINKER = Linker.nativeLinker();
        static final MethodHandle SIGACTION = LINKER.downcallHandle(LINKER.defaultLookup().find("sigaction")
            .orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        /** signal(sig, SIG_DFL): SIG_DFL is the null handler. */
        static final MethodHandle SIGNAL = LINKER.downcallHandle(LINKER.defaultLookup().find("signal")
            .orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    }
}
