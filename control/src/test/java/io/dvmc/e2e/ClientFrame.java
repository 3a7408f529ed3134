package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.frame.Checksums;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A BOOTREQUEST frame (Ethernet, IPv4, UDP 68 to 67) exactly as a probe wants it on the wire: the options in the
 * order and in as many instances as added, from the client's own MAC, broadcast unless {@link #unicast}. The
 * broadcast flag is set, so that every server answers on the link's broadcast address.
 */
final class ClientFrame
{
    private static final int ETH = 14;
    private static final int IP = 20;
    private static final int UDP = 8;
    private static final int BROADCAST = 0xFFFF_FFFF;

    private final long mac;
    private final int xid;
    private final ByteArrayOutputStream options = new ByteArrayOutputStream();
    private long dstMac = 0xFFFF_FFFF_FFFFL;
    private int srcIp;
    private int dstIp = BROADCAST;
    private int ciaddr;

    private ClientFrame(final long mac, final int xid)
    {
        this.mac = mac;
        this.xid = xid;
    }

    /** A request from {@code mac} with transaction id {@code xid}, DHCP message type {@code type} (0: none). */
    static ClientFrame of(final String mac, final int xid, final int type)
    {
        final ClientFrame frame = new ClientFrame(Addresses.parseMac(mac), xid);
        return type == 0 ? frame : frame.option(53, type);
    }

    int xid()
    {
        return xid;
    }

    ClientFrame option(final int code, final int... value)
    {
        options.write(code);
        options.write(value.length);
        for (final int v : value)
        {
            options.write(v);
        }
        return this;
    }

    ClientFrame address(final int code, final int ipv4)
    {
        return option(code, ipv4 >>> 24, (ipv4 >>> 16) & 0xFF, (ipv4 >>> 8) & 0xFF, ipv4 & 0xFF);
    }

    ClientFrame ciaddr(final int address)
    {
        this.ciaddr = address;
        return this;
    }

    /** Sent from {@code from} to the server's own MAC and address, as a bound client's RELEASE is. */
    ClientFrame unicast(final long serverMac, final int from, final int serverIp)
    {
        this.dstMac = serverMac;
        this.srcIp = from;
        this.dstIp = serverIp;
        return this;
    }

    byte[] build()
    {
        final byte[] opts = options.toByteArray();
        final int bootp = Math.max(300, 240 + opts.length + 1);
        final ByteBuffer b = ByteBuffer.allocate(ETH + IP + UDP + bootp);
        putMac(b, dstMac);
        putMac(b, mac);
        b.putShort((short)0x0800);
        b.put((byte)0x45).put((byte)0).putShort((short)(IP + UDP + bootp)).putShort((short)xid).putShort((short)0)
            .put((byte)64).put((byte)17).putShort((short)0).putInt(srcIp).putInt(dstIp);
        b.putShort((short)68).putShort((short)67).putShort((short)(UDP + bootp)).putShort((short)0);
        b.put((byte)1).put((byte)1).put((byte)6).put((byte)0).putInt(xid).putShort((short)0)
            .putShort((short)0x8000).putInt(ciaddr).putInt(0).putInt(0).putInt(0);
        putMac(b, mac);
        b.position(ETH + IP + UDP + 236);
        b.putInt(0x63825363).put(opts).put((byte)255);
        final byte[] frame = b.array();
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        buffer.putShort(ETH + 10, (short)Checksums.internetChecksum(buffer, ETH, IP), ByteOrder.BIG_ENDIAN);
        final int length = UDP + bootp;
        final long pseudo = Checksums.pseudoHeaderSum(srcIp, dstIp, 17, length);
        final int udp = ~Checksums.fold(Checksums.sum(buffer, ETH + IP, length, pseudo)) & 0xFFFF;
        buffer.putShort(ETH + IP + 6, (short)(udp == 0 ? 0xFFFF : udp), ByteOrder.BIG_ENDIAN);
        return frame;
    }

    /** The same frame with its UDP checksum wrong (neither right nor 0, "none computed"). */
    static byte[] badUdpChecksum(final byte[] frame)
    {
        final byte[] bad = frame.clone();
        bad[ETH + IP + 6] ^= 0x5A;
        return bad;
    }

    private static void putMac(final ByteBuffer b, final long mac)
    {
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            b.put((byte)(mac >>> shift));
        }
    }
}
