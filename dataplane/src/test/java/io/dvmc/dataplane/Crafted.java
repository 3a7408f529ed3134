package io.dvmc.dataplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Frames for dataplane tests: real client captures, edited the way a hostile or unusual sender would, with the
 * checksums computed the plain way (16-bit words, RFC 1071 §1) so that the production code is checked against
 * something it does not share. Untagged IPv4 without options only.
 */
final class Crafted
{
    static final Path CAPTURES = Path.of("..", "protocol", "src", "test", "resources", "captures");
    static final int IP = 14;
    static final int UDP = IP + 20;

    private Crafted()
    {
    }

    static byte[] capture(final String name)
    {
        try
        {
            return Files.readAllBytes(CAPTURES.resolve(name));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The frame with its IPv4 destination replaced, both checksums made valid again. */
    static byte[] toIp(final byte[] frame, final int dstIp)
    {
        final byte[] out = frame.clone();
        put32(out, IP + 16, dstIp);
        fixIpChecksum(out);
        fixUdpChecksum(out);
        return out;
    }

    /**
     * The client's frame as a relay forwards it (RFC 2131 §4.1): from the relay's MAC and address {@code giaddr},
     * port 67, to broadcast, hops 1, giaddr set, with {@code agentInformation} as option 82 before END (null: none).
     */
    static byte[] relayed(final byte[] frame, final long relayMac, final int giaddr, final byte[] agentInformation)
    {
        final int dhcp = UDP + 8;
        final int end = endOption(frame, dhcp + 240);
        final int extra = agentInformation == null ? 0 : 2 + agentInformation.length;
        final byte[] out = Arrays.copyOf(frame, Math.max(frame.length, end + 1 + extra));
        for (int i = 0; i < 6; i++)
        {
            out[6 + i] = (byte)(relayMac >>> (40 - 8 * i));
        }
        put32(out, IP + 12, giaddr);
        put32(out, IP + 16, 0xFFFF_FFFF);
        put16(out, UDP, 67);
        out[dhcp + 3] = 1;
        put32(out, dhcp + 24, giaddr);
        if (agentInformation != null)
        {
            out[end] = 82;
            out[end + 1] = (byte)agentInformation.length;
            System.arraycopy(agentInformation, 0, out, end + 2, agentInformation.length);
            out[end + extra] = (byte)255;
        }
        put16(out, IP + 2, out.length - IP);
        put16(out, UDP + 4, out.length - UDP);
        fixIpChecksum(out);
        fixUdpChecksum(out);
        return out;
    }

    private static int endOption(final byte[] frame, final int options)
    {
        int at = options;
        while ((frame[at] & 0xFF) != 255)
        {
            at += frame[at] == 0 ? 1 : 2 + (frame[at + 1] & 0xFF);
        }
        return at;
    }

    /** The frame with one payload byte changed and the UDP checksum left as it was: corrupt in transit. */
    static byte[] corrupted(final byte[] frame)
    {
        final byte[] out = frame.clone();
        out[out.length - 1] ^= 0x5A;
        return out;
    }

    /** As a Linux socket hands it to a veth under tx offload: the checksum field holds the pseudo-header sum. */
    static byte[] partialChecksum(final byte[] frame)
    {
        final byte[] out = frame.clone();
        put16(out, UDP + 6, fold(pseudoHeaderSum(out)));
        return out;
    }

    static byte[] withoutChecksum(final byte[] frame)
    {
        final byte[] out = frame.clone();
        put16(out, UDP + 6, 0);
        return out;
    }

    /**
     * Splits the IPv4 datagram of an untagged frame into fragments of at most {@code size} payload bytes
     * (a multiple of 8 but for the last), each a frame with the same Ethernet header, in order.
     */
    static List<byte[]> fragments(final byte[] frame, final int size, final int id)
    {
        final int total = u16(frame, IP + 2);
        final int payload = total - 20;
        final List<byte[]> out = new ArrayList<>();
        for (int at = 0; at < payload; at += size)
        {
            final int length = Math.min(size, payload - at);
            final boolean more = at + length < payload;
            out.add(fragment(frame, at, length, more, id));
        }
        return out;
    }

    /** One fragment: {@code length} bytes of the datagram's payload from {@code offset} (a multiple of 8). */
    static byte[] fragment(final byte[] frame, final int offset, final int length, final boolean more, final int id)
    {
        final byte[] out = new byte[UDP + length];
        System.arraycopy(frame, 0, out, 0, UDP);
        System.arraycopy(frame, UDP + offset, out, UDP, length);
        put16(out, IP + 2, 20 + length);
        put16(out, IP + 4, id);
        put16(out, IP + 6, (more ? 0x2000 : 0) | (offset >>> 3));
        fixIpChecksum(out);
        return out;
    }

    /** A DHCP-sized frame padded to {@code ipTotal} bytes of IPv4 (zero DHCP padding after the options). */
    static byte[] padded(final byte[] frame, final int ipTotal)
    {
        final byte[] out = Arrays.copyOf(frame, IP + ipTotal);
        put16(out, IP + 2, ipTotal);
        put16(out, UDP + 4, ipTotal - 20);
        fixIpChecksum(out);
        fixUdpChecksum(out);
        return out;
    }

    static void fixIpChecksum(final byte[] frame)
    {
        put16(frame, IP + 10, 0);
        put16(frame, IP + 10, ~fold(sum(frame, IP, 20, 0)) & 0xFFFF);
    }

    static void fixUdpChecksum(final byte[] frame)
    {
        put16(frame, UDP + 6, 0);
        final int udpLength = u16(frame, UDP + 4);
        final int checksum = ~fold(sum(frame, UDP, udpLength, pseudoHeaderSum(frame))) & 0xFFFF;
        put16(frame, UDP + 6, checksum == 0 ? 0xFFFF : checksum);
    }

    private static long pseudoHeaderSum(final byte[] frame)
    {
        return sum(frame, IP + 12, 8, 0) + 17 + u16(frame, UDP + 4);
    }

    private static long sum(final byte[] bytes, final int offset, final int length, final long initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            sum += ((bytes[offset + i] & 0xFF) << 8) | (i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0);
        }
        return sum;
    }

    private static int fold(final long sum)
    {
        long s = sum;
        while ((s >>> 16) != 0)
        {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int)s;
    }

    static int u16(final byte[] bytes, final int at)
    {
        return ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
    }

    static void put16(final byte[] bytes, final int at, final int value)
    {
        bytes[at] = (byte)(value >>> 8);
        bytes[at + 1] = (byte)value;
    }

    static void put32(final byte[] bytes, final int at, final int value)
    {
        put16(bytes, at, value >>> 16);
        put16(bytes, at + 2, value);
    }
}
