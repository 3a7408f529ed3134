package io.dvmc.frame;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * The internet checksum (RFC 1071) over buffer ranges, without allocation.
 * Summing 32-bit words and folding at the end gives the same result as 16-bit words (RFC 1071 §2(B)).
 */
public final class Checksums
{
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    private Checksums()
    {
    }

    /**
     * @return the checksum field value for the range: the one's complement of its one's complement sum.
     * A range that includes a correct checksum field gives 0.
     */
    public static int internetChecksum(final DirectBuffer buffer, final int offset, final int length)
    {
        return ~fold(sum(buffer, offset, length, 0)) & 0xFFFF;
    }

    /**
     * Adds a range to a running sum. The range must start on an even byte of the checksummed data.
     *
     * @param initial a previous sum (0, or a pseudo-header sum).
     * @return the unfolded sum.
     */
    public static long sum(final DirectBuffer buffer, final int offset, final int length, final long initial)
    {
        long sum = initial;
        int i = offset;
        final int end = offset + length;
        for (; i + 4 <= end; i += 4)
        {
            sum += buffer.getInt(i, NET) & 0xFFFF_FFFFL;
        }
        if (i + 2 <= end)
        {
            sum += buffer.getShort(i, NET) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            sum += (buffer.getByte(i) & 0xFF) << 8; // odd length: pad with a zero byte
        }
        return sum;
    }

    /**
     * @return the sum of the IPv4 pseudo-header used by UDP and TCP (RFC 768).
     */
    public static long pseudoHeaderSum(final int srcIp, final int dstIp, final int protocol, final int length)
    {
        return (srcIp & 0xFFFF_FFFFL) + (dstIp & 0xFFFF_FFFFL) + protocol + length;
    }

    /**
     * @return the sum folded to 16 bits with end-around carry.
     */
    public static int fold(final long sum)
    {
        long s = sum;
        while ((s >>> 16) != 0)
        {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int)s;
    }
}
