package io.dvmc.frame;

import java.nio.ByteBuffer;

/**
 * Edits of real captured frames, and checksums computed the plain way (16-bit words, as RFC 1071 §1 states it) to
 * check the production code against something it does not share.
 */
final class Frames
{
    static final int ETHERNET = 14;

    private Frames()
    {
    }

    /**
     * @param tags TPID, TCI pairs, outermost first.
     * @return the frame with the tags inserted after the source MAC.
     */
    static byte[] tagged(final byte[] frame, final int... tags)
    {
        final int count = tags.length / 2;
        final byte[] out = new byte[frame.length + 4 * count];
        System.arraycopy(frame, 0, out, 0, 12);
        final ByteBuffer tagBytes = ByteBuffer.wrap(out, 12, 4 * count);
        for (int i = 0; i < count; i++)
        {
            tagBytes.putShort((short)tags[2 * i]).putShort((short)tags[2 * i + 1]);
        }
        System.arraycopy(frame, 12, out, 12 + 4 * count, frame.length - 12);
        return out;
    }

    /**
     * @return the untagged frame with four bytes of IPv4 options (NOPs) added, header fields and checksum fixed.
     */
    static byte[] withIpOptions(final byte[] frame)
    {
        final byte[] out = new byte[frame.length + 4];
        System.arraycopy(frame, 0, out, 0, ETHERNET + 20);
        out[ETHERNET + 20] = 1;
        out[ETHERNET + 21] = 1;
        out[ETHERNET + 22] = 1;
        out[ETHERNET + 23] = 1;
        System.arraycopy(frame, ETHERNET + 20, out, ETHERNET + 24, frame.length - ETHERNET - 20);
        out[ETHERNET] = 0x46;
        final int total = u16(out, ETHERNET + 2) + 4;
        put16(out, ETHERNET + 2, total);
        fixIpChecksum(out, ETHERNET);
        return out;
    }

    static void fixIpChecksum(final byte[] frame, final int ip)
    {
        put16(frame, ip + 10, 0);
        put16(frame, ip + 10, ~onesComplementSum(frame, ip, (frame[ip] & 0x0F) * 4, 0) & 0xFFFF);
    }

    static boolean ipChecksumIsValid(final byte[] frame, final int ip)
    {
        return onesComplementSum(frame, ip, (frame[ip] & 0x0F) * 4, 0) == 0xFFFF;
    }

    static boolean udpChecksumIsValid(final byte[] frame, final int ip)
    {
        final int ihl = (frame[ip] & 0x0F) * 4;
        final int udp = ip + ihl;
        final int udpLength = u16(frame, udp + 4);
        int pseudo = 0;
        for (int i = 12; i < 20; i += 2)
        {
            pseudo += u16(frame, ip + i);
        }
        pseudo += 17 + udpLength;
        return u16(frame, udp + 6) != 0 && onesComplementSum(frame, udp, udpLength, pseudo) == 0xFFFF;
    }

    static int onesComplementSum(final byte[] bytes, final int offset, final int length, final int initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            final int high = bytes[offset + i] & 0xFF;
            final int low = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
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
}
