package io.dvmc.bench;

import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * DHCP messages as a relay agent sends and receives them (RFC 2131 §4.1: giaddr set, hops 1, port 67 to port 67),
 * for the bench's own load generator and responder: perfdhcp's messages, with every field the generator needs to
 * choose (ciaddr for a renewal) under its control.
 */
final class RelayedDhcp
{
    /** What a perfdhcp REQUEST asks for: subnet mask, router, DNS. */
    private static final byte[] PARAMETERS = {1, 3, 6};

    private RelayedDhcp()
    {
    }

    /**
     * A relayed BOOTREQUEST into {@code out} from position 0, flipped for sending. {@code requestedIp} and
     * {@code serverId} are written as options 50 and 54 when not 0 (a SELECTING REQUEST); a RENEWING REQUEST
     * carries neither and has {@code ciaddr} set (RFC 2131 §4.3.2).
     */
    static void request(final ByteBuffer out, final int type, final int xid, final long mac,
        final int ciaddr, final int giaddr, final int requestedIp, final int serverId)
    {
        header(out, DhcpPacket.BOOTREQUEST, xid, mac, giaddr);
        out.put(DhcpPacket.HOPS_OFFSET, (byte)1);
        out.putInt(DhcpPacket.CIADDR_OFFSET, ciaddr);
        out.position(DhcpPacket.OPTIONS_OFFSET);
        messageType(out, type);
        if (requestedIp != 0)
        {
            address(out, DhcpOption.REQUESTED_IP, requestedIp);
        }
        if (serverId != 0)
        {
            address(out, DhcpOption.SERVER_ID, serverId);
        }
        out.put((byte)DhcpOption.PARAMETER_REQUEST_LIST).put((byte)PARAMETERS.length).put(PARAMETERS);
        end(out);
    }

    /** A reply to {@code request} (a relayed one: sent back to its giaddr) into {@code out}, flipped for sending. */
    static void reply(final DhcpPacket request, final ByteBuffer out, final int type, final int yiaddr,
        final int serverId)
    {
        header(out, DhcpPacket.BOOTREPLY, request.xid(), request.chaddrMac(), request.giaddr());
        out.put(DhcpPacket.HOPS_OFFSET, (byte)request.hops());
        out.putShort(DhcpPacket.FLAGS_OFFSET, (short)request.flags());
        out.putInt(DhcpPacket.CIADDR_OFFSET, request.ciaddr());
        out.putInt(DhcpPacket.YIADDR_OFFSET, yiaddr);
        out.position(DhcpPacket.OPTIONS_OFFSET);
        messageType(out, type);
        address(out, DhcpOption.SERVER_ID, serverId);
        out.put((byte)DhcpOption.LEASE_TIME).put((byte)4).putInt(3600);
        address(out, DhcpOption.SUBNET_MASK, 0xFFF0_0000);
        address(out, DhcpOption.ROUTER, serverId);
        end(out);
    }

    private static void header(final ByteBuffer out, final int op, final int xid, final long mac, final int giaddr)
    {
        out.clear().order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < DhcpPacket.MIN_BOOTP_LENGTH; i++)
        {
            out.put(i, (byte)0);
        }
        out.put(DhcpPacket.OP_OFFSET, (byte)op);
        out.put(DhcpPacket.HTYPE_OFFSET, (byte)DhcpPacket.HTYPE_ETHERNET);
        out.put(DhcpPacket.HLEN_OFFSET, (byte)DhcpPacket.HLEN_ETHERNET);
        out.putInt(DhcpPacket.XID_OFFSET, xid);
        out.putInt(DhcpPacket.GIADDR_OFFSET, giaddr);
        for (int i = 0; i < 6; i++)
        {
            out.put(DhcpPacket.CHADDR_OFFSET + i, (byte)(mac >>> (40 - 8 * i)));
        }
        out.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE);
    }

    private static void messageType(final ByteBuffer out, final int type)
    {
        out.put((byte)DhcpOption.MESSAGE_TYPE).put((byte)1).put((byte)type);
    }

    private static void address(final ByteBuffer out, final int option, final int address)
    {
        out.put((byte)option).put((byte)4).putInt(address);
    }

    /** END, then padding to the 300 bytes of a BOOTP message (RFC 951, which some servers still insist on). */
    private static void end(final ByteBuffer out)
    {
        out.put((byte)DhcpOption.END);
        out.position(Math.max(out.position(), DhcpPacket.MIN_BOOTP_LENGTH));
        out.flip();
    }
}
