package io.dvmc.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The readiness protocol of systemd ({@code Type=notify}): a process started by a service manager that set
 * {@code NOTIFY_SOCKET} sends {@code READY=1} to that AF_UNIX datagram socket once it serves, and
 * {@code STOPPING=1} when it begins to stop. Units ordered after a dvmc unit then start only once it is ready, not
 * when its JVM was forked. Java has no AF_UNIX datagram sockets, so the three libc calls go through the FFM API.
 * Without {@code NOTIFY_SOCKET} (a process started by hand or by a test) nothing is sent.
 */
public final class ServiceManager
{
    private static final Logger LOG = LoggerFactory.getLogger(ServiceManager.class);
    public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sun_path of struct sockaddr_un. */
    private static final int PATH_MAX = 108;
    private static final StructLayout ERRNO = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = ERRNO.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private ServiceManager()
    {
    }

    /** Tells the service manager, if any, that this process serves: {@code READY=1} and a status line. */
    public static void ready(final String status)
    {
        notify(System.getenv(NOTIFY_SOCKET), "READY=1\nSTATUS=" + status + "\n");
    }

    /** Tells the service manager, if any, that this process is stopping. */
    public static void stopping()
    {
        notify(System.getenv(NOTIFY_SOCKET), "STOPPING=1\n");
    }

    /**
     * Sends one notification to {@code socket}: a path, or an abstract name written with a leading {@code @}.
     *
     * @return whether it was sent; a failure is logged, since the unit's start then times out.
     */
    public static boolean notify(final String socket, final String message)
    {
        if (socket == null || socket.isEmpty())
        {
            return false;
        }
        final byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= PATH_MAX || path[0] != '/' && path[0] != '@')
        {
            LOG.warn("{}={} is not a socket path; the service manager is not told of this process", NOTIFY_SOCKET,
                socket);
            return false;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errno = arena.allocate(ERRNO);
            final int fd = (int)Libc.SOCKET.invokeExact(errno, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                return failed(socket, "socket", errno);
            }
            try
            {
                // struct sockaddr_un: sa_family_t, then the path; an abstract name starts with a NUL, no NUL ends it.
                final MemorySegment address = arena.allocate(2 + PATH_MAX);
                address.set(JAVA_SHORT, 0, (short)AF_UNIX);
                MemorySegment.copy(path, 0, address, JAVA_BYTE, 2, path.length);
                final boolean abstractName = path[0] == '@';
                if (abstractName)
                {
                    address.set(JAVA_BYTE, 2, (byte)0);
                }
                final int addressLength = 2 + path.length + (abstractName ? 0 : 1);
                final byte[] text = message.getBytes(StandardCharsets.UTF_8);
                final MemorySegment buffer = arena.allocateFrom(JAVA_BYTE, text);
                final long sent = (long)Libc.SENDTO.invokeExact(errno, fd, buffer, (long)text.length, MSG_NOSIGNAL,
                    address, addressLength);
                return sent == text.length || failed(socket, "sendto", errno);
            }
            finally
            {
                final int ignored = (int)Libc.CLOSE.invokeExact(fd);
            }
        }
        catch (final Throwable ex)
        {
            LOG.warn("cannot notify the service manager on {}: {}", socket, ex.toString());
            return false;
        }
    }

    private static boolean failed(final String socket, final String call, final MemorySegment errno)
    {
        LOG.warn("cannot notify the service manager on {}: {} failed, errno {}", socket, call,
            (int)ERRNO_VALUE.get(errno, 0L));
        return false;
    }

    /** The downcalls, linked at the first notification only: a process without a service manager links none. */
    private static final class Libc
    {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
        static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO);
        static final MethodHandle SENDTO = link("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
        static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

        private static MethodHandle link(final String name, final FunctionDescriptor descriptor,
            final Linker.Option... options)
        {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, options);
        }
    }
}
