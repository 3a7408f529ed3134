package io.dvmc.port;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The socket of a {@code net_vhost} port in server mode (DPDK's default: the dataplane listens, QEMU connects).
 * DPDK binds the path and refuses one that exists, leaving the file to its owner, so a dataplane killed with -9
 * could not create the port again after its restart. A socket file nobody accepts on is what such a death leaves
 * and is removed; one with a listener belongs to a live process and is left for the EAL to refuse.
 */
public final class VhostSocket
{

    private static final int FILE_TYPE = 0170000;
    private static final int SOCKET = 0140000;

    private VhostSocket()
    {
    }

    /**
     * Removes the stale socket of {@code device} (an EAL device string such as
     * {@code net_vhost0,iface=/run/vm.sock}), if it is a vhost-user server port and its socket file has no listener.
     *
     * @return the path removed, or null when nothing was
     */
    public static Path removeStale(String device)
    {
        Path path = serverSocket(device);
        if (path == null || !isSocket(path))
        {
            return null;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(path));
            return null;
        }
        catch (ConnectException refused)
        {
            try
            {
                return Files.deleteIfExists(path) ? path : null;
            }
            catch (IOException ex)
            {
                throw new UncheckedIOException("stale vhost-user socket " + path + " cannot be removed", ex);
            }
        }
        catch (IOException ex)
        {
            return null;
        }
    }

    /** The {@code iface} of a net_vhost device that is not in client mode, else null. */
    static Path serverSocket(String device)
    {
        String[] parts = device.split(",");
        if (!parts[0].startsWith("net_vhost"))
        {
            return null;
        }
        String iface = null;
        for (int i = 1; i < parts.length; i++)
        {
            String part = parts[i].trim();
            if (part.startsWith("iface="))
            {
                iface = part.substring("iface=".length());
            }
            else if (part.equals("client=1"))
            {
                return null;
            }
        }
        return iface == null || iface.isEmpty() ? null : Path.of(iface);
    }

    private static boolean isSocket(Path path)
    {
        try
        {
            int mode = (Integer)Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & FILE_TYPE) == SOCKET;
        }
        catch (IOException | UnsupportedOperationException ex)
        {
            return false;
        }
    }
}
