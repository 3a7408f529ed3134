package io.dvmc.port;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * The descriptors a dataplane loop may sleep on for a port ({@code idle: wait}), readable while the port has frames
 * the loop has not taken. Neither PMD tells its descriptors, so they are found among this process's
 * ({@code /proc/self/fd}) by the port's kernel interface, whose index the port tells ({@link EthPort#ifIndex}):
 * <ul>
 *   <li>{@code net_af_packet}: its packet sockets, each with an rx ring ({@code PACKET_MMAP}), which
 *       {@code /proc/self/net/packet} lists as bound to the interface. The kernel reports one readable while its ring
 *       holds a frame the PMD has not handed back.</li>
 *   <li>{@code net_tap}: its tap queues ({@code /dev/net/tun}), which {@code /proc/self/fdinfo} shows attached to the
 *       interface ({@code iff:}). One is readable while the kernel holds a frame for it; the PMD's keep-alive queue,
 *       detached, never is.</li>
 * </ul>
 * With several queue pairs every lane waits on all of the port's descriptors: a lane may wake for another lane's frame
 * and find none, but never sleeps through its own.
 *
 * <p>Other ports give none here, and a loop backs off instead of sleeping while it polls one.
 */
public final class PortDescriptors
{
    public static final int[] NONE = new int[0];
    private static final Path PACKET_SOCKETS = Path.of("/proc/self/net/packet");
    private static final Path FDS = Path.of("/proc/self/fd");
    private static final Path FD_INFO = Path.of("/proc/self/fdinfo");
    private static final String TUN = "/dev/net/tun";
    /** Columns of /proc/net/packet: sk RefCnt Type Proto Iface R Rmem User Inode. */
    private static final int IFACE_COLUMN = 4;
    private static final int INODE_COLUMN = 8;
    private static final int IF_NAME_SIZE = 16;
    private static final MethodHandle IF_INDEXTONAME = Linker.nativeLinker().downcallHandle(
        Linker.nativeLinker().defaultLookup().find("if_indextoname").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private PortDescriptors()
    {
    }

    /**
     * @param device the port's device as host.json gives it ({@code net_af_packet0,iface=veth0,qpairs=2}).
     * @param port   the port, set up.
     * @return its descriptors, {@link #NONE} for a kind of port that gives none.
     * @throws IOException when the descriptors of a port that has some cannot be found.
     */
    public static int[] of(final String device, final EthPort port) throws IOException
    {
        final boolean packet = device.startsWith("net_af_packet");
        if (!packet && !device.startsWith("net_tap"))
        {
            return NONE;
        }
        final int ifIndex = port.ifIndex();
        if (ifIndex <= 0)
        {
            throw new IOException("the port tells no interface index");
        }
        final int[] found = packet ? packetSockets(ifIndex) : tapQueues(ifName(ifIndex));
        if (found.length == 0)
        {
            throw new IOException("none of this process's descriptors is on interface index " + ifIndex);
        }
        return found;
    }

    private static int[] packetSockets(final int ifIndex) throws IOException
    {
        final Set<String> sockets = new HashSet<>();
        final List<String> lines = Files.readAllLines(PACKET_SOCKETS);
        for (int i = 1; i < lines.size(); i++)
        {
            final String[] columns = lines.get(i).trim().split("\\s+");
            if (columns.length > INODE_COLUMN && Integer.parseInt(columns[IFACE_COLUMN]) == ifIndex)
            {
                sockets.add("socket:[" + columns[INODE_COLUMN] + "]");
            }
        }
        return descriptors(sockets::contains, fd -> true);
    }

    private static int[] tapQueues(final String ifName) throws IOException
    {
        final String attached = "iff:\t" + ifName;
        return descriptors(TUN::equals, fd -> {
            try
            {
                return Files.readAllLines(FD_INFO.resolve(Integer.toString(fd))).contains(attached);
            }
            catch (final IOException ex)
            {
                // Closed since the directory was read.
                return false;
            }
        });
    }

    /** This process's descriptors whose link target {@code target} accepts and that {@code also} accepts. */
    private static int[] descriptors(final Predicate<String> target, final IntPredicate also)
        throws IOException
    {
        int[] fds = new int[8];
        int count = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FDS))
        {
            for (final Path entry : entries)
            {
                final String link;
                try
                {
                    link = Files.readSymbolicLink(entry).toString();
                }
                catch (final IOException ex)
                {
                    // Closed since the directory was read.
                    continue;
                }
                final int fd = Integer.parseInt(entry.getFileName().toString());
                if (target.test(link) && also.test(fd))
                {
                    if (count == fds.length)
                    {
                        fds = Arrays.copyOf(fds, count * 2);
                    }
                    fds[count++] = fd;
                }
            }
        }
        return Arrays.copyOf(fds, count);
    }

    private static String ifName(final int ifIndex) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment name = arena.allocate(IF_NAME_SIZE);
            final MemorySegment result = (MemorySegment)IF_INDEXTONAME.invokeExact(ifIndex, name);
            if (result.address() == 0)
            {
                throw new IOException("no interface of index " + ifIndex + " in this network namespace");
            }
            return name.getString(0);
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("if_indextoname: " + ex, ex);
        }
    }
}
