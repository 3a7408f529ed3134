package io.dvmc.lab;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A raw Ethernet socket (AF_PACKET) on an interface inside a namespace of the lab: sends frames exactly as a test
 * crafted them (a bad checksum stays bad) and receives every frame the interface sees. The socket is opened by the
 * calling thread after it entered the namespace (setns), which it leaves again at once; a socket keeps the
 * namespace it was born in, so the rest of the JVM never changes namespace.
 */
public final class RawLink implements AutoCloseable
{
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final short ETH_P_ALL_BE = 0x0300;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SNAP = 2048;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = libc("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETNS = libc("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKET = libc("socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = libc("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND = libc("send",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = libc("recv",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = libc("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(SNAP);

    private RawLink(int fd)
    {
        this.fd = fd;
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /** A raw socket bound to {@code ifname} in namespace {@code ns} (as {@code ip netns} names it). */
    public static RawLink open(String ns, String ifname)
    {
        try (Arena a = Arena.ofConfined())
        {
            int own = (int)OPEN.invokeExact(a.allocateFrom("/proc/thread-self/ns/net"), 0);
            int target = (int)OPEN.invokeExact(a.allocateFrom("/run/netns/" + ns), 0);
            check(own >= 0 && target >= 0, "open the namespaces of this thread and " + ns);
            try
            {
                check((int)SETNS.invokeExact(target, CLONE_NEWNET) == 0, "enter " + ns);
                int fd;
                try
                {
                    fd = (int)SOCKET.invokeExact(AF_PACKET, SOCK_RAW, (int)ETH_P_ALL_BE);
                    check(fd >= 0, "open an AF_PACKET socket in " + ns);
                    int index = (int)IF_NAMETOINDEX.invokeExact(a.allocateFrom(ifname));
                    check(index > 0, ifname + " in " + ns);
                    MemorySegment sll = a.allocate(20);
                    sll.set(JAVA_SHORT, 0, (short)AF_PACKET);
                    sll.set(JAVA_SHORT, 2, ETH_P_ALL_BE);
                    sll.set(JAVA_INT, 4, index);
                    check((int)BIND.invokeExact(fd, sll, 20) == 0, "bind to " + ifname + " in " + ns);
                    MemorySegment timeout = a.allocate(16);
                    timeout.set(JAVA_LONG, 0, 0L);
                    timeout.set(JAVA_LONG, 8, 50_000L);
                    check((int)SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16) == 0, "SO_RCVTIMEO");
                }
                finally
                {
                    check((int)SETNS.invokeExact(own, CLONE_NEWNET) == 0, "return to this thread's namespace");
                }
                return new RawLink(fd);
            }
            finally
            {
                int ignored = (int)CLOSE.invokeExact(own);
                ignored = (int)CLOSE.invokeExact(target);
            }
        }
        catch (LabException e)
        {
            throw e;
        }
        catch (Throwable t)
        {
            throw new LabException("raw socket in " + ns + ": " + t);
        }
    }

    private static void check(boolean ok, String what)
    {
        if (!ok)
        {
            throw new LabException("could not " + what);
        }
    }

    /** Sends one frame as it is. */
    public synchronized void send(byte[] frame)
    {
        MemorySegment.copy(frame, 0, buffer, JAVA_BYTE, 0, frame.length);
        try
        {
            long sent = (long)SEND.invokeExact(fd, buffer, (long)frame.length, 0);
            check(sent == frame.length, "send a frame of " + frame.length + " bytes");
        }
        catch (LabException e)
        {
            throw e;
        }
        catch (Throwable t)
        {
            throw new LabException("send: " + t);
        }
    }

    /** Every frame the interface sees for {@code window} (sent ones included) that {@code keep} accepts. */
    public List<byte[]> receive(Duration window, Predicate<byte[]> keep)
    {
        return receive(window, keep, Integer.MAX_VALUE);
    }

    /** Like {@link #receive(Duration, Predicate)}, but returns as soon as {@code enough} frames were kept. */
    public synchronized List<byte[]> receive(Duration window, Predicate<byte[]> keep, int enough)
    {
        List<byte[]> frames = new ArrayList<>();
        long end = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < end && frames.size() < enough)
        {
            long n;
            try
            {
                n = (long)RECV.invokeExact(fd, buffer, (long)SNAP, 0);
            }
            catch (Throwable t)
            {
                throw new LabException("recv: " + t);
            }
            if (n > 0)
            {
                byte[] frame = buffer.asSlice(0, n).toArray(JAVA_BYTE);
                if (keep.test(frame))
                {
                    frames.add(frame);
                }
            }
        }
        return frames;
    }

    /** Discards what is queued. */
    public void drain()
    {
        receive(Duration.ofMillis(60), f -> false);
    }

    @Override
    public void close()
    {
        try
        {
            int ignored = (int)CLOSE.invokeExact(fd);
        }
        catch (Throwable t)
        {
            throw new LabException("close: " + t);
        }
        arena.close();
    }
}
