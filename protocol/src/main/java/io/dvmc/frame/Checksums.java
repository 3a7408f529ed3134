package io.dvmc.frame;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * The internet checksum (RFC 1071) over buffer ranges, without allocation.
 * Summing 32-bit words and folding at the end gives the same result as 16-bit words (RFC 1071 §2(B)).
 */
public final class Checksums
{
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final boolean LITTLE_ENDIAN = NATIVE == ByteOrder.LITTLE_ENDIAN;

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
     * <p>The range is summed 8 bytes at a time in the machine's own byte order and byte-swapped once at the end:
     * the one's complement sum commutes with swapping the bytes of every word (RFC 1071 §2(B)), and this avoids a
     * swap per word on little-endian machines. The range is checked against the buffer once, not at every word.
     *
     * @param initial a previous sum (0, or a pseudo-header sum).
     * @return the unfolded sum.
     */
    public static long sum(final DirectBuffer buffer, final int offset, final int length, final long initial)
    {
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long base = buffer.addressOffset();
        long sum = 0;
        long i = base + offset;
        final long end = i + length;
        for (; i + 8 <= end; i += 8)
        {
            final long word = UnsafeApi.getLong(array, i);
            sum += (word & 0xFFFF_FFFFL) + (word >>> 32);
        }
        if (i + 4 <= end)
        {
            sum += UnsafeApi.getInt(array, i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (i + 2 <= end)
        {
            sum += UnsafeApi.getShort(array, i) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            // Odd length: the last byte is the high byte of a word padded with zero (in network order).
            sum += LITTLE_ENDIAN ? UnsafeApi.getByte(array, i) & 0xFF : (UnsafeApi.getByte(array, i) & 0xFF) << 8;
        }
        final int folded = fold(sum);
        return initial + (LITTLE_ENDIAN ? ((folded & 0xFF) << 8) | (folded >>> 8) : folded);
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
