package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_shim_h;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The DPDK environment abstraction layer of this process.
 *
 * <p>Once per process: DPDK refuses a second {@code rte_eal_init} even after {@code rte_eal_cleanup}, so
 * {@link #init} throws after a successful init (tests fork a JVM per EAL, or hot-plug vdevs with {@link VdevHotplug}).
 * A failed init (bad arguments) may be retried.
 *
 * <p>Thread affinity: {@code rte_eal_init} pins the calling thread to the main lcore's CPU (the first of {@code -l}),
 * and Linux threads inherit their creator's affinity, so every thread that thread starts afterwards is pinned there
 * too. Start JVM worker threads before {@link #init}, call it from a thread that creates no others, or pin
 * deliberately. A thread that allocates from a mempool with a cache needs an lcore id: the init thread has the main
 * one, others call {@link #registerThread()}.
 *
 * <p>Drivers: the Debian build loads its PMD plugins (net_pcap, net_ring, net_null, mempool_ring, ...) from its
 * compiled-in directory ({@code /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0}) by itself; no {@code -d} is needed.
 */
public final class Eal implements AutoCloseable
{

    private static final Object LOCK = new Object();
    private static boolean initialized;

    private final List<String> args;
    private final int consumed;
    private boolean closed;

    private Eal(List<String> args, int consumed)
    {
        this.args = List.copyOf(args);
        this.consumed = consumed;
    }

    /**
     * Runs {@code rte_eal_init} with {@code args} (without the program name, which is added).
     *
     * @throws EalException with DPDK's error text when init fails or already succeeded in this process
     */
    public static Eal init(List<String> args)
    {
        synchronized (LOCK)
        {
            if (initialized)
            {
                throw new EalException("EAL already initialized in this process: DPDK allows one rte_eal_init" +
                    " per process, even after cleanup", 114 /* EALREADY */);
            }
            List<String> argv = new ArrayList<>(args.size() + 1);
            argv.add("dvmc");
            argv.addAll(args);
            int ret;
            try (Arena arena = Arena.ofConfined())
            {
                MemorySegment array = arena.allocate(ValueLayout.ADDRESS, argv.size() + 1L);
                for (int i = 0; i < argv.size(); i++)
                {
                    array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(argv.get(i)));
                }
                array.setAtIndex(ValueLayout.ADDRESS, argv.size(), MemorySegment.NULL);
                // The shim copies argv: EAL keeps pointers into it after init returns.
                ret = dvmc_shim_h.dvmc_eal_init(argv.size(), array);
            }
            if (ret < 0)
            {
                final EalException error = Native.error("rte_eal_init " + args, ret);
                throw new EalException(error.getMessage() + hint(error.errno(), Path.of("/sys/module")),
                    error.errno());
            }
            initialized = true;
            return new Eal(args, ret);
        }
    }

    /**
     * What the errno of a failed init does not say: DPDK 22.11's EAL looks for the VFIO modules in
     * {@code /sys/module} and fails with EAGAIN when that directory is missing, as in a systemd-nspawn container,
     * which shows only part of {@code /sys}. Empty when that is not the case.
     */
    static String hint(final int errno, final Path sysModule)
    {
        return errno == 11 /* EAGAIN */ && !Files.isDirectory(sysModule)
            ? "; " + sysModule + " is missing (a " +
                "container's partial /sys?): the EAL needs it to look for VFIO (systemd-nspawn: --bind-ro=/sys/module)"
            : "";
    }

    /**
     * Arguments for an EAL without hugepages, PCI, shared config or telemetry, for unprivileged tests and tools:
     * {@code -l CPU --no-huge -m memoryMb ... --vdev=v} for each vdev, CPU being the first this thread may run on
     * (0 unless a cpuset says otherwise). {@code -m} is a hard cap: give about twice the mempools' size.
     */
    public static List<String> noHugeArgs(int memoryMb, String... vdevs)
    {
        List<String> out = new ArrayList<>(
            List.of("-l", Integer.toString(firstAllowedCpu()), "--no-huge", "-m", Integer.toString(memoryMb),
                "--no-pci", "--no-shconf", "--no-telemetry", "--log-level=*:warning"));
        for (String vdev : vdevs)
        {
            out.add("--vdev=" + vdev);
        }
        return out;
    }

    /** The lowest CPU in the calling thread's affinity (Linux), or 0 when it cannot be read. */
    public static int firstAllowedCpu()
    {
        try
        {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status")))
            {
                if (line.startsWith("Cpus_allowed_list:"))
                {
                    String list = line.substring(line.indexOf(':') + 1).trim();
                    return Integer.parseInt(list.split("[-,]")[0]);
                }
            }
        }
        catch (IOException | RuntimeException e)
        {
            // not Linux, or an unexpected format: EAL will say if CPU 0 is not allowed
        }
        return 0;
    }

    /** Whether an EAL was initialized in this process (it stays so after close). */
    public static boolean initialized()
    {
        synchronized (LOCK)
        {
            return initialized;
        }
    }

    /** The lcore id of the calling thread, or {@code -1} when it has none (LCORE_ID_ANY). */
    public static int lcoreId()
    {
        return dvmc_shim_h.dvmc_lcore_id(); // LCORE_ID_ANY is UINT32_MAX, i.e. -1 as an int
    }

    /** The NUMA socket of the calling thread's lcore, or -1 when unknown. */
    public static int socketId()
    {
        return dvmc_shim_h.dvmc_socket_id();
    }

    /** Gives the calling thread an lcore id (a no-op when it has one); returns it. Does not change its affinity. */
    public static int registerThread()
    {
        return Native.check(dvmc_shim_h.dvmc_thread_register(), "rte_thread_register");
    }

    /** Releases the lcore id of the calling thread taken by {@link #registerThread()}. */
    public static void unregisterThread()
    {
        dvmc_shim_h.dvmc_thread_unregister();
    }

    public List<String> args()
    {
        return args;
    }

    /** How many arguments EAL consumed (the return value of rte_eal_init). */
    public int consumedArgs()
    {
        return consumed;
    }

    /** Runs {@code rte_eal_cleanup} once; ports and pools must be closed before. The EAL cannot be re-initialized. */
    @Override
    public void close()
    {
        synchronized (LOCK)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        Native.check(dvmc_shim_h.dvmc_eal_cleanup(), "rte_eal_cleanup");
    }
}
