package io.dvmc.wake;

import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library calls a sleeping loop needs, bound once. Pointers are passed as 64-bit integers, so that a call on
 * memory allocated once needs no {@link MemorySegment} object. The calls of the set-up ({@link #eventfd},
 * {@link #open}, {@link #mkfifo}) capture errno with the call, as the JDK guarantees it, and return {@code -errno} on
 * failure: the JVM may run native code of its own before a later read (closing an arena, loading a class), and an
 * agent's restart read EAGAIN where mkfifo had failed with EEXIST. The calls of a running loop ({@link #poll},
 * {@link #read}, {@link #write}) read it through {@link #errno()} right after they fail, with no allocation.
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
    /** POLLERR | POLLHUP | POLLNVAL. */
    static final short POLL_FAILED = 0x8 | 0x10 | 0x20;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(INT, LONG, LONG, INT));
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle CAPTURED_ERRNO = CALL_STATE
        .varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle EVENTFD = bindCapturing("eventfd", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(LONG, INT, LONG, LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(LONG, INT, LONG, LONG));
    // open(2) is variadic; without O_CREAT it takes no mode, so the fixed part is the whole call.
    private static final MethodHandle OPEN = bindCapturing("open", FunctionDescriptor.of(INT, LONG, INT));
    private static final MethodHandle MKFIFO = bindCapturing("mkfifo", FunctionDescriptor.of(INT, LONG, INT));
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

    /** Bound with errno captured into a segment given as the first argument. */
    private static MethodHandle bindCapturing(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor,
            Linker.Option.captureCallState("errno"));
    }

    private static int orErrno(final int result, final MemorySegment state)
    {
        return result >= 0 ? result : -(int)CAPTURED_ERRNO.get(state, 0L);
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

    /** @return the descriptor, or {@code -errno}. */
    static int eventfd(final int flags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            return orErrno((int)EVENTFD.invokeExact(state, 0, flags), state);
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

    /** @return the descriptor, or {@code -errno}. */
    static int open(final String path, final int flags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            return orErrno((int)OPEN.invokeExact(state, arena.allocateFrom(path).address(), flags), state);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("open", ex);
        }
    }

    /** @return 0, or {@code -errno}. */
    static int mkfifo(final String path, final int mode)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            return orErrno((int)MKFIFO.invokeExact(state, arena.allocateFrom(path).address(), mode), state);
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
