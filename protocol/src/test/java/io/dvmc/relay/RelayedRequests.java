package io.dvmc.relay;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/** DHCP requests as a relay forwards them (RFC 2131 §4.1), built field by field for tests. */
public final class RelayedRequests
{
    private RelayedRequests()
    {
    }

    /**
     * @param agentInformation the value of option 82 (sub-option TLVs), or null for none.
     * @return a BOOTREQUEST payload: a DISCOVER from {@code mac} relayed by {@code giaddr} with {@code hops}.
     */
    public static byte[] discover(final long mac, final int giaddr, final int hops, final byte[] agentInformation)
    {
        return request(DhcpMessageType.DISCOVER, mac, 0, giaddr, hops, agentInformation);
    }

    /** @return a BOOTREQUEST payload of {@code type} from {@code mac} with this ciaddr, giaddr and hops. */
    public static byte[] request(final int type, final long mac, final int ciaddr, final int giaddr, final int hops,
        final byte[] agentInformation)
    {
        final byte[] bytes = new byte[DhcpPacket.MIN_BOOTP_LENGTH + (agentInformation == null ? 0 : 64)];
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        b.putByte(DhcpPacket.OP_OFFSET, (byte)DhcpPacket.BOOTREQUEST);
        b.putByte(DhcpPacket.HTYPE_OFFSET, (byte)DhcpPacket.HTYPE_ETHERNET);
        b.putByte(DhcpPacket.HLEN_OFFSET, (byte)DhcpPacket.HLEN_ETHERNET);
        b.putByte(DhcpPacket.HOPS_OFFSET, (byte)hops);
        b.putInt(DhcpPacket.XID_OFFSET, 0x1234_5678, ByteOrder.BIG_ENDIAN);
        b.putInt(DhcpPacket.CIADDR_OFFSET, ciaddr, ByteOrder.BIG_ENDIAN);
        b.putInt(DhcpPacket.GIADDR_OFFSET, giaddr, ByteOrder.BIG_ENDIAN);
        b.putShort(DhcpPacket.CHADDR_OFFSET, (short)(mac >>> 32), ByteOrder.BIG_ENDIAN);
        b.putInt(DhcpPacket.CHADDR_OFFSET + 2, (int)mac, ByteOrder.BIG_ENDIAN);
        b.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, ByteOrder.BIG_ENDIAN);
        int at = DhcpPacket.OPTIONS_OFFSET;
        b.putByte(at++, (byte)DhcpOption.MESSAGE_TYPE);
        b.putByte(at++, (byte)1);
        b.putByte(at++, (byte)type);
        if (agentInformation != null)
        {
            // RFC 3046 §2.1: the relay appends its option last, before END.
            b.putByte(at++, (byte)DhcpOption.RELAY_AGENT_INFORMATION);
            b.putByte(at++, (byte)agentInformation.length);
            b.putBytes(at, agentInformation);
            at += agentInformation.length;
        }
        b.putByte(at, (byte)DhcpOption.END);
        return bytes;
    }

    /** @return option 82's value holding these sub-options, each given as code then value bytes. */
    public static byte[] agentInformation(final int code, final byte[] value, final Object... more)
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(code);
        out.write(value.length);
        out.writeBytes(value);
        for (int i = 0; i < more.length; i += 2)
        {
            final byte[] v = (byte[])more[i + 1];
            out.write((Integer)more[i]);
            out.write(v.length);
            out.writeBytes(v);
        }
        return out.toByteArray();
    }
}
