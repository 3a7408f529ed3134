package io.dvmc.dhcp;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated by the calling thread, from the JVM's per-thread allocation counter (HotSpot).
 */
public final class Allocations
{
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean)ManagementFactory
        .getThreadMXBean();

    private Allocations()
    {
    }

    public static long ofThisThread()
    {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
