package io.dvmc.lab;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The socket systemd listens on for {@code Type=notify} units ({@code NOTIFY_SOCKET}): an AF_UNIX datagram socket
 * bound to a path, whose datagrams ({@code READY=1}, {@code STOPPING=1}, ...) the test reads.
 */
public final class NotifySocket implements AutoCloseable
{
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = libc("socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = libc("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = libc("recv",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final Path path;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(4096);
    private final List<String> received = new ArrayList<>();

    private NotifySocket(final Path path, final int fd)
    {
        this.path = path;
        this.fd = fd;
    }

    private static MethodHandle libc(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    public static NotifySocket bind(final Path path)
    {
        try (Arena a = Arena.ofConfined())
        {
            Files.deleteIfExists(path);
            final int fd = (int)SOCKET.invokeExact(AF_UNIX, SOCK_DGRAM, 0);
            check(fd >= 0, "open an AF_UNIX datagram socket");
            final byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            final MemorySegment address = a.allocate(110);
            address.set(JAVA_SHORT, 0, (short)AF_UNIX);
            MemorySegment.copy(name, 0, address, JAVA_BYTE, 2, name.length);
            check((int)BIND.invokeExact(fd, address, 2 + name.length + 1) == 0, "bind " + path);
            final MemorySegment timeout = a.allocate(16);
            timeout.set(JAVA_LONG, 0, 0L);
            timeout.set(JAVA_LONG, 8, 100_000L);
            check((int)SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16) == 0, "SO_RCVTIMEO");
            return new NotifySocket(path, fd);
        }
        catch (final LabException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new LabException("notify socket " + path + ": " + t);
        }
    }

    private static void check(final boolean ok, final String what)
    {
        if (!ok)
        {
            throw new LabException("could not " + what);
        }
    }

    public Path path()
    {
        return path;
    }

    /**
     * Waits up to {@code timeout} for a notification with the line {@code line} (e.g. {@code READY=1}).
     *
     * @return the whole notification, or null when none came.
     */
    public synchronized String await(final String line, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        do
        {
            for (final String message : received)
            {
                if (message.lines().anyMatch(line::equals))
                {
                    received.remove(message);
                    return message;
                }
            }
            receiveOne();
        }
        while (System.nanoTime() - deadline < 0);
        return null;
    }

    /** Every notification received and not yet awaited. */
    public synchronized List<String> pending()
    {
        receiveOne();
        return List.copyOf(received);
    }

    private void receiveOne()
    {
        try
        {
            final long n = (long)RECV.invokeExact(fd, buffer, buffer.byteSize(), 0);
            if (n > 0)
            {
                received.add(new String(buffer.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
            }
        }
        catch (final Throwable t)
        {
            throw new LabException("recv on " + path + ": " + t);
        }
    }

    public void close()
    {
        try
        {
            final int ignored = (int)CLOSE.invokeExact(fd);
            Files.deleteIfExists(path);
        }
        catch (final Throwable ignored)
        {
            // A test's temporary directory goes anyway.
        }
        arena.close();
    }
}
