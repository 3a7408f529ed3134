package io.dvmc.e2e;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the tests of a dataplane with {@code idle: wait} share: its options, and the check that it slept. */
final class SleepingLoops
{
    /**
     * The dataplane's JVM option that makes a sleep last ten minutes unless something wakes it: a wake that is missed
     * shows as a client that is never answered, not as a frame answered 10 ms late.
     */
    static final String NEVER_WAKE_BY_TIMEOUT = "-Ddvmc.idle.timeoutMs=600000";
    /** An idle thread that sleeps wakes for nothing; one that parks (backoff) wakes about 1,000 times a second. */
    private static final int IDLE_WAKES_AT_MOST = 40;

    private SleepingLoops()
    {
    }

    /** The dataplane slept, and none of {@code loops} wakes more than a few times in 2 s of silence. */
    static void assertSleptAndIdleThreadsDoNotWake(final DvmcHost host, final List<String> loops)
        throws IOException
    {
        assertNotEquals(0, host.counter("dataplane: loop sleeps"), host.dataplane().log());
        assertTrue(host.dataplane().log().contains("sleeps while idle"), host.dataplane().log());
        assertEquals(0, host.counter("dataplane: loops backing off"), host.dataplane().log());
        final long pid = host.dataplane().pid();
        final Map<String, Long> before = wakesByThread(pid);
        LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());
        final Map<String, Long> after = wakesByThread(pid);
        for (final String loop : loops)
        {
            assertTrue(before.containsKey(loop), loop + " not among " + before.keySet());
            final long wakes = after.get(loop) - before.get(loop);
            System.out.printf("%s woke %d times in 2 s of silence%n", loop, wakes);
            assertTrue(wakes <= IDLE_WAKES_AT_MOST, loop + " woke " + wakes + " times in 2 s of silence");
        }
        assertEquals(0, host.counter("dataplane: dataplane errors"), host.dataplane().log());
    }

    /** Thread name (as the kernel keeps it, 15 characters) to the times it went to sleep of its own accord. */
    private static Map<String, Long> wakesByThread(final long pid) throws IOException
    {
        final Map<String, Long> wakes = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task")))
        {
            for (final Path task : tasks.toList())
            {
                try
                {
                    final String name = Files.readString(task.resolve("comm")).trim();
                    Files.readAllLines(task.resolve("status")).stream()
                        .filter(line -> line.startsWith("voluntary_ctxt_switches:"))
                        .map(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).trim()))
                        .forEach(count -> wakes.put(name, count));
                }
                catch (final FileSystemException ex)
                {
                    // The thread ended since the listing (the JVM starts and ends compiler threads).
                }
            }
        }
        return wakes;
    }
}
