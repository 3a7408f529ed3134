package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A server's BOOTREPLY as a VM's link saw it: its DHCP message type (0 for a BOOTP reply without option 53), the
 * address it gives, the option codes in its options field in order, whether it overloads sname/file (52), and its
 * sizes: the IP datagram and the DHCP message.
 */
record ServerReply(int xid, int type, int yiaddr, long srcMac, int ipLength, int dhcpLength, List<Integer> options)
{
    /** The reply carried in {@code frame}, or null if it is not an IPv4 UDP datagram from port 67 with op 2. */
    static ServerReply parse(final byte[] frame)
    {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        if (frame.length < 14 + 20 + 8 + 240 || (b.getShort(12) & 0xFFFF) != 0x0800 || (frame[14 + 9] & 0xFF) != 17)
        {
            return null;
        }
        final int udp = 14 + (frame[14] & 0x0F) * 4;
        final int dhcp = udp + 8;
        if ((b.getShort(udp) & 0xFFFF) != 67 || dhcp + 240 > frame.length || frame[dhcp] != 2)
        {
            return null;
        }
        final int end = Math.min(frame.length, udp + (b.getShort(udp + 4) & 0xFFFF));
        int type = 0;
        final List<Integer> options = new ArrayList<>();
        for (int at = dhcp + 240; at < end && (frame[at] & 0xFF) != 255;)
        {
            final int code = frame[at] & 0xFF;
            if (code == 0)
            {
                at++;
                continue;
            }
            if (at + 1 >= end)
            {
                break;
            }
            if (code == 53)
            {
                type = frame[at + 2] & 0xFF;
            }
            options.add(code);
            at += 2 + (frame[at + 1] & 0xFF);
        }
        long src = 0;
        for (int i = 6; i < 12; i++)
        {
            src = (src << 8) | (frame[i] & 0xFF);
        }
        return new ServerReply(b.getInt(dhcp + 4), type, b.getInt(dhcp + 16), src, b.getShort(16) & 0xFFFF,
            end - dhcp, List.copyOf(options));
    }

    boolean is(final int messageType)
    {
        return type == messageType;
    }

    String address()
    {
        return Addresses.ipv4(yiaddr);
    }

    @Override
    public String toString()
    {
        return (type == 0 ? "BOOTREPLY" : DhcpMessageType.name(type)) +
            (yiaddr == 0 ? "" : " " + address());
    }
}
