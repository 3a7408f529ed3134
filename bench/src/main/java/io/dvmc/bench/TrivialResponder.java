package io.dvmc.bench;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The cheapest DHCP server a relay can meet, to measure the load generator alone: it answers a relayed DISCOVER
 * with an OFFER and a relayed REQUEST with an ACK, to giaddr:67, with an address derived from the MAC and no state
 * at all. What perfdhcp completes against it is perfdhcp's own ceiling on this machine.
 *
 * <p>{@code TrivialResponder SERVER}: listens on 0.0.0.0:67 (relays broadcast or send to SERVER), option 54 SERVER.
 */
public final class TrivialResponder
{
    /** 10.1.0.0, inside the 10.0.0.0/12 every bench server hands out. */
    private static final int POOL = 0x0A01_0000;

    private TrivialResponder()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final byte[] server = InetAddress.getByName(args[0]).getAddress();
        final int serverId = (server[0] & 0xff) << 24 | (server[1] & 0xff) << 16 | (server[2] & 0xff) << 8 |
            server[3] & 0xff;
        final ByteBuffer in = ByteBuffer.allocateDirect(1500);
        final ByteBuffer out = ByteBuffer.allocateDirect(DhcpPacket.MIN_BOOTP_LENGTH + 64);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final DhcpPacket request = new DhcpPacket();
        int relayAddress = 0;
        InetSocketAddress relay = null;
        try (DatagramChannel channel = DatagramChannel.open())
        {
            channel.bind(new InetSocketAddress(67));
            while (true)
            {
                in.clear();
                channel.receive(in);
                view.wrap(in, 0, in.position());
                if (request.wrap(view, 0, in.position()).validate() < 0 || request.op() != DhcpPacket.BOOTREQUEST ||
                    request.giaddr() == 0)
                {
                    continue;
                }
                final int type = switch (request.messageType())
                {
                    case DhcpMessageType.DISCOVER -> DhcpMessageType.OFFER;
                    case DhcpMessageType.REQUEST -> DhcpMessageType.ACK;
                    default -> 0;
                };
                if (type == 0)
                {
                    continue;
                }
                RelayedDhcp.reply(request, out, type, POOL | (int)(request.chaddrMac() & 0xF_FFFF), serverId);
                final int giaddr = request.giaddr();
                if (giaddr != relayAddress)
                {
                    // One relay in a bench: its socket address is made once.
                    relayAddress = giaddr;
                    relay = new InetSocketAddress(InetAddress.getByAddress(new byte[]{(byte)(giaddr >>> 24),
                        (byte)(giaddr >>> 16), (byte)(giaddr >>> 8), (byte)giaddr}), 67);
                }
                channel.send(out, relay);
            }
        }
    }
}
