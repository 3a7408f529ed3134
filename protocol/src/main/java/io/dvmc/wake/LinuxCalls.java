package io.dvmc.wake;

import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C library calls a sleeping loop needs, bound once. Pointers are passed as 64-bit integers, so that a call on
 * memory allocated once needs no {@link MemorySegment} object; errno is read only after a call failed.
 */
public final class LinuxCalls
{
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENXIO = 6;
    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int EPIPE = 32;
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    static final short POLLIN = 0x1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(INT, LONG, LONG, INT));
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(LONG, INT, LONG, LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(LONG, INT, LONG, LONG));
    // open(2) is variadic; without O_CREAT it takes no mode, so the fixed part is the whole call.
    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(INT, LONG, INT));
    private static final MethodHandle MKFIFO = bind("mkfifo", FunctionDescriptor.of(INT, LONG, INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle ERRNO_LOCATION = bind("__errno_location", FunctionDescriptor.of(LONG));

    private LinuxCalls()
    {
    }

    /**
     * Zeroed memory of {@code length} bytes from {@code arena}, seen through a buffer. The buffer does not keep the
     * memory alive: the caller keeps {@code arena}.
     */
    static UnsafeBuffer allocate(final Arena arena, final long length)
    {
        final MemorySegment segment = arena.allocate(length, 8);
        segment.fill((byte)0);
        return new UnsafeBuffer(segment.address(), (int)segment.byteSize());
    }

    private static MethodHandle bind(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    static int poll(final long fds, final int count, final int timeoutMs)
    {
        try
        {
            return (int)POLL.invokeExact(fds, (long)count, timeoutMs);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("poll", ex);
        }
    }

    static int eventfd(final int flags)
    {
        try
        {
            return (int)EVENTFD.invokeExact(0, flags);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("eventfd", ex);
        }
    }

    static long read(final int fd, final long address, final long length)
    {
        try
        {
            return (long)READ.invokeExact(fd, address, length);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("read", ex);
        }
    }

    static long write(final int fd, final long address, final long length)
    {
        try
        {
            return (long)WRITE.invokeExact(fd, address, length);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("write", ex);
        }
    }

    static int open(final String path, final int flags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return (int)OPEN.invokeExact(arena.allocateFrom(path).address(), flags);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("open", ex);
        }
    }

    static int mkfifo(final String path, final int mode)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return (int)MKFIFO.invokeExact(arena.allocateFrom(path).address(), mode);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("mkfifo", ex);
        }
    }

    static void close(final int fd)
    {
        try
        {
            final int ignored = (int)CLOSE.invokeExact(fd);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("close", ex);
        }
    }

    /**
     * This thread's errno; read it right after the call that failed. Read through its address, without the JDK's
     * captured call state, which costs an object per call until the JIT's second tier removes it.
     */
    public static int errno()
    {
        try
        {
            return UnsafeApi.getInt((long)ERRNO_LOCATION.invokeExact());
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("__errno_location", ex);
        }
    }
}
