package io.dvmc.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * CPU time spent by this process and by other processes of the run (the etcd members, named by pid), read at the
 * start and the end of a timed phase: on a machine whose cores every process shares, CPU per operation says where
 * the capacity goes when the rate alone cannot.
 */
final class CpuMeter
{
    /** Linux's USER_HZ, the unit of {@code /proc/<pid>/stat}'s utime and stime. */
    private static final long TICK_NS = 10_000_000L;

    private final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)ManagementFactory
        .getOperatingSystemMXBean();
    private final long[] pids;
    private final String othersLabel;
    private long ownStart;
    private long othersStart;

    CpuMeter(final String pids, final String othersLabel)
    {
        this.othersLabel = othersLabel;
        this.pids = pids == null || pids.isBlank()
            ? new long[0]
            : Arrays.stream(pids.split(",")).mapToLong(Long::parseLong).toArray();
    }

    void start()
    {
        ownStart = os.getProcessCpuTime();
        othersStart = othersNs();
    }

    /** {@code cpu-us-per-op this-process=<µs> <others label>=<µs>} over the phase since {@link #start}. */
    String perOperation(final long operations)
    {
        final double own = (os.getProcessCpuTime() - ownStart) / 1e3 / Math.max(1, operations);
        final String others = pids.length == 0
            ? ""
            : String.format(" %s=%.0f", othersLabel, (othersNs() - othersStart) / 1e3 / Math.max(1, operations));
        return String.format("cpu-us-per-op this-process=%.0f%s", own, others);
    }

    private long othersNs()
    {
        long ticks = 0;
        for (final long pid : pids)
        {
            try
            {
                final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                // Fields after the command name, which may hold spaces, start after its closing parenthesis.
                final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            }
            catch (final IOException | RuntimeException ex)
            {
                throw new IllegalStateException("cannot read the CPU time of pid " + pid + ": " + ex, ex);
            }
        }
        return ticks * TICK_NS;
    }
}
