package io.dvmc.dataplane;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Pins the calling thread to one CPU ({@code sched_setaffinity} of libc, through the FFM API): for the threads the
 * EAL does not start, whose affinity is otherwise the whole process's.
 */
final class CpuPin
{
    /** A glibc cpu_set_t: 1,024 CPUs. */
    private static final int CPU_SET_BYTES = 128;
    private static final int EINVAL = 22;
    private static final StructLayout ERRNO = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = ERRNO.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SCHED_SETAFFINITY = link();

    private CpuPin()
    {
    }

    private static MethodHandle link()
    {
        final Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.captureCallState("errno"));
    }

    /** @throws IllegalStateException when the CPU does not exist or this process may not run on it. */
    static void currentThread(final int cpu)
    {
        if (cpu < 0 || cpu >= CPU_SET_BYTES * 8)
        {
            throw new IllegalStateException("CPU " + cpu + " is outside 0-" + (CPU_SET_BYTES * 8 - 1));
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errno = arena.allocate(ERRNO);
            final MemorySegment set = arena.allocate(CPU_SET_BYTES);
            set.set(JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            // pid 0: the calling thread.
            final int ret = (int)SCHED_SETAFFINITY.invokeExact(errno, 0, (long)CPU_SET_BYTES, set);
            if (ret != 0)
            {
                final int code = (int)ERRNO_VALUE.get(errno, 0L);
                throw new IllegalStateException("cannot pin a thread to CPU " + cpu + ": sched_setaffinity: errno " +
                    code + (code == EINVAL ? " (no such CPU online, or outside the CPUs this process may use)" : ""));
            }
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("cannot pin a thread to CPU " + cpu + ": " + ex, ex);
        }
    }
}
