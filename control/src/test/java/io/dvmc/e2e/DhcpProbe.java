package io.dvmc.e2e;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * A bound VM's DHCP client reduced to what a crash test measures, run in the VM's namespace ({@link JvmProcess}):
 * <ul>
 *   <li>{@code renew IF IP MS [SERVER]}: a REBINDING DHCPREQUEST (ciaddr IP, broadcast, RFC 2131 §4.3.2) every
 *       MS milliseconds, printing {@code ack <epoch ms>} for each DHCPACK and {@code nak <epoch ms>} for each
 *       DHCPNAK it receives, so a test sees to the tick when the host stops and starts answering. With SERVER, a
 *       DHCPRELEASE of IP unicast to SERVER (RFC 2131 §4.4.6) goes first, and {@code released <epoch ms>} is
 *       printed before it is sent.</li>
 * </ul>
 * It uses the kernel's UDP sockets on the address the VM's real client applied, as that client would.
 */
public final class DhcpProbe
{
    private static final int SERVER_PORT = 67;
    private static final int CLIENT_PORT = 68;
    private static final int MAGIC_COOKIE = 0x63825363;

    private DhcpProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final byte[] mac = NetworkInterface.getByName(args[1]).getHardwareAddress();
        final InetAddress ip = InetAddress.getByName(args[2]);
        try (DatagramSocket socket = new DatagramSocket(null))
        {
            socket.setReuseAddress(true);
            socket.setBroadcast(true);
            socket.bind(new InetSocketAddress(ip, CLIENT_PORT));
            if (!args[0].equals("renew"))
            {
                throw new IllegalArgumentException("renew, not " + args[0]);
            }
            if (args.length > 4)
            {
                final InetAddress server = InetAddress.getByName(args[4]);
                System.out.println("released " + System.currentTimeMillis());
                send(socket, message(7, 0x52454C45, mac, ip, server), server);
            }
            renew(socket, mac, ip, Long.parseLong(args[3]));
        }
    }

    private static void renew(final DatagramSocket socket, final byte[] mac, final InetAddress ip, final long everyMs)
        throws IOException
    {
        final Thread receiver = new Thread(() -> receive(socket), "probe-receiver");
        receiver.setDaemon(true);
        receiver.start();
        final InetAddress broadcast = InetAddress.getByName("255.255.255.255");
        System.out.println("started " + System.currentTimeMillis());
        for (int xid = 1;; xid++)
        {
            send(socket, message(3, xid, mac, ip, null), broadcast);
            LockSupport.parkNanos(everyMs * 1_000_000L);
        }
    }

    private static void receive(final DatagramSocket socket)
    {
        final byte[] buffer = new byte[1500];
        final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (true)
        {
            try
            {
                socket.receive(packet);
            }
            catch (final SocketTimeoutException ex)
            {
                continue;
            }
            catch (final IOException ex)
            {
                return;
            }
            final int type = messageType(ByteBuffer.wrap(buffer, 0, packet.getLength()));
            if (type == 5 || type == 6)
            {
                System.out.println((type == 5 ? "ack " : "nak ") + System.currentTimeMillis());
                System.out.flush();
            }
        }
    }

    private static void send(final DatagramSocket socket, final byte[] message, final InetAddress to)
        throws IOException
    {
        socket.send(new DatagramPacket(message, message.length, to, SERVER_PORT));
    }

    /** A BOOTREQUEST of DHCP type {@code type} from {@code ciaddr}; option 54 when {@code server} is given. */
    private static byte[] message(final int type, final int xid, final byte[] mac, final InetAddress ciaddr,
        final InetAddress server)
    {
        final ByteBuffer b = ByteBuffer.allocate(300);
        b.put((byte)1).put((byte)1).put((byte)6).put((byte)0).putInt(xid).putShort((short)0).putShort((short)0);
        b.put(ciaddr.getAddress()).put(new byte[12]).put(mac).put(new byte[10 + 64 + 128]);
        b.putInt(MAGIC_COOKIE).put((byte)53).put((byte)1).put((byte)type);
        if (server != null)
        {
            b.put((byte)54).put((byte)4).put(server.getAddress());
        }
        b.put((byte)255);
        return b.array();
    }

    private static int messageType(final ByteBuffer b)
    {
        if (b.limit() < 240 || b.get(0) != 2 || b.getInt(236) != MAGIC_COOKIE)
        {
            return -1;
        }
        for (int at = 240; at + 1 < b.limit();)
        {
            final int code = b.get(at) & 0xFF;
            if (code == 255)
            {
                break;
            }
            if (code == 0)
            {
                at++;
                continue;
            }
            final int length = b.get(at + 1) & 0xFF;
            if (code == 53 && length == 1 && at + 2 < b.limit())
            {
                return b.get(at + 2) & 0xFF;
            }
            at += 2 + length;
        }
        return -1;
    }
}
