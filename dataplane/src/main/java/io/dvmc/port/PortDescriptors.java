package io.dvmc.port;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The descriptors a dataplane loop may sleep on for a port ({@code idle: wait}), readable while the port has frames
 * the loop has not taken.
 *
 * <p>{@code net_af_packet}: the PMD's packet sockets, each with an rx ring ({@code PACKET_MMAP}); the kernel reports
 * one readable while its ring holds a frame the PMD has not handed back. The PMD does not tell its sockets, so they
 * are found as this process's sockets ({@code /proc/self/fd}) that {@code /proc/self/net/packet} lists as bound to the
 * port's interface (whose index the port tells, {@link EthPort#ifIndex}). With several queue pairs (one socket each, in a fanout group) every lane waits on them all: a lane
 * may wake for another lane's frame and find none, but never sleeps through its own.
 *
 * <p>Other ports give none here, and a loop backs off instead of sleeping while it polls one.
 */
public final class PortDescriptors
{
    public static final int[] NONE = new int[0];
    private static final Path PACKET_SOCKETS = Path.of("/proc/self/net/packet");
    private static final Path FDS = Path.of("/proc/self/fd");
    /** Columns of /proc/net/packet: sk RefCnt Type Proto Iface R Rmem User Inode. */
    private static final int IFACE_COLUMN = 4;
    private static final int INODE_COLUMN = 8;

    private PortDescriptors()
    {
    }

    /**
     * @param device the port's device as host.json gives it ({@code net_af_packet0,iface=veth0,qpairs=2}).
     * @param port   the port, set up.
     * @return its descriptors, {@link #NONE} for a kind of port that gives none.
     * @throws IOException when an {@code net_af_packet} port's sockets cannot be found.
     */
    public static int[] of(final String device, final EthPort port) throws IOException
    {
        if (!device.startsWith("net_af_packet"))
        {
            return NONE;
        }
        final int ifIndex = port.ifIndex();
        if (ifIndex <= 0)
        {
            throw new IOException("the port tells no interface index");
        }
        final Set<Long> inodes = new HashSet<>();
        final List<String> lines = Files.readAllLines(PACKET_SOCKETS);
        for (int i = 1; i < lines.size(); i++)
        {
            final String[] columns = lines.get(i).trim().split("\\s+");
            if (columns.length > INODE_COLUMN && Integer.parseInt(columns[IFACE_COLUMN]) == ifIndex)
            {
                inodes.add(Long.parseLong(columns[INODE_COLUMN]));
            }
        }
        final int[] found = socketsOf(inodes);
        if (found.length == 0)
        {
            throw new IOException("no packet socket of this process is bound to interface index " + ifIndex);
        }
        return found;
    }

    private static int[] socketsOf(final Set<Long> inodes) throws IOException
    {
        final int[] fds = new int[inodes.size()];
        int count = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FDS))
        {
            for (final Path entry : entries)
            {
                final String target;
                try
                {
                    target = Files.readSymbolicLink(entry).toString();
                }
                catch (final IOException ex)
                {
                    // Closed since the directory was read.
                    continue;
                }
                if (target.startsWith("socket:[") && target.endsWith("]") && count < fds.length &&
                    inodes.contains(Long.parseLong(target.substring(8, target.length() - 1))))
                {
                    fds[count++] = Integer.parseInt(entry.getFileName().toString());
                }
            }
        }
        return Arrays.copyOf(fds, count);
    }
}
