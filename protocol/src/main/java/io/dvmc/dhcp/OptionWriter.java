package io.dvmc.dhcp;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Appends DHCP option TLVs to a buffer region, reusable across packets.
 * <pre>
 *  +-----------+-----------+---------------------------+
 *  | code (1)  | length (1)| value (length bytes)      |   repeated; PAD (0) and END (255) are one byte
 *  +-----------+-----------+---------------------------+
 * </pre>
 * A value longer than 255 bytes is written as several consecutive instances of the same code, which the receiver
 * concatenates (RFC 3396). Address lists are split on address boundaries (252 bytes) so that clients without
 * RFC 3396 support still read whole addresses from each instance.
 * <p>
 * Every put either writes the whole option or nothing and returns false when it does not fit: nothing throws on
 * the hot path.
 */
public final class OptionWriter
{
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private static final int MAX_CHUNK = 255;
    private static final int IP_LIST_CHUNK = 252;

    private MutableDirectBuffer buffer;
    private int offset;
    private int capacity;
    private int position;

    // State of the option being streamed by emit().
    private int code;
    private int chunkSize;
    private int chunkLeft;
    private int remaining;

    /**
     * @param buffer   to write to.
     * @param offset   where the first option goes.
     * @param capacity bytes available from offset.
     * @return this, empty.
     */
    public OptionWriter wrap(final MutableDirectBuffer buffer, final int offset, final int capacity)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.capacity = capacity;
        this.position = 0;
        return this;
    }

    /**
     * @return bytes written since wrap.
     */
    public int length()
    {
        return position;
    }

    public boolean putByte(final int code, final int value)
    {
        if (!begin(code, 1, MAX_CHUNK))
        {
            return false;
        }
        emit(value);
        return true;
    }

    public boolean putShort(final int code, final int value)
    {
        if (!begin(code, 2, MAX_CHUNK))
        {
            return false;
        }
        emit(value >>> 8);
        emit(value);
        return true;
    }

    /**
     * Writes a four-byte big-endian value: an IPv4 address, a time in seconds, a mask.
     */
    public boolean putInt(final int code, final int value)
    {
        if (!begin(code, 4, MAX_CHUNK))
        {
            return false;
        }
        emitInt(value);
        return true;
    }

    /**
     * @param ips   addresses, big-endian ints.
     * @param count how many of ips to write; 0 writes nothing and succeeds.
     */
    public boolean putIpList(final int code, final int[] ips, final int count)
    {
        if (count < 0 || count > ips.length)
        {
            return false;
        }
        if (count == 0)
        {
            return true;
        }
        if (!begin(code, 4 * count, IP_LIST_CHUNK))
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            emitInt(ips[i]);
        }
        return true;
    }

    /**
     * Copies a value as it is, split into 255-byte instances when longer.
     */
    public boolean putBytes(final int code, final DirectBuffer src, final int srcOffset, final int length)
    {
        if (!begin(code, length, MAX_CHUNK))
        {
            return false;
        }
        int from = srcOffset;
        int left = length;
        while (left > 0)
        {
            final int n = Math.min(left, MAX_CHUNK);
            header(code, n);
            buffer.putBytes(offset + position, src, from, n);
            position += n;
            from += n;
            left -= n;
        }
        return true;
    }

    /**
     * Writes text as one byte per char; chars outside US-ASCII become '?'. For configuration, not the hot path.
     */
    public boolean putAscii(final int code, final CharSequence text)
    {
        final int length = text.length();
        if (!begin(code, length, MAX_CHUNK))
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            final char c = text.charAt(i);
            emit(c < 0x80 ? c : '?');
        }
        return true;
    }

    /**
     * Writes routes in the RFC 3442 encoding (option 121, or 249 for old Microsoft clients): per route the prefix
     * length, the significant octets of the destination, then the router.
     * <pre>
     *  +-------+------------------------------+--------------+
     *  | width | ceil(width/8) octets of dest | router (4)   |
     *  +-------+------------------------------+--------------+
     * </pre>
     * Destination bits beyond the prefix length are cleared.
     *
     * @param destinations  network addresses, big-endian ints.
     * @param prefixLengths 0..32 each.
     * @param routers       gateway addresses, big-endian ints.
     * @param count         how many routes; 0 writes nothing and succeeds.
     * @return false when a prefix length is out of range, an array is shorter than count, or it does not fit.
     */
    public boolean putClasslessRoutes(
        final int code, final int[] destinations, final int[] prefixLengths, final int[] routers, final int count)
    {
        if (count < 0 || count > destinations.length || count > prefixLengths.length || count > routers.length)
        {
            return false;
        }
        if (count == 0)
        {
            return true;
        }
        int total = 0;
        for (int i = 0; i < count; i++)
        {
            final int width = prefixLengths[i];
            if (width < 0 || width > 32)
            {
                return false;
            }
            total += 1 + significantOctets(width) + 4;
        }
        if (!begin(code, total, MAX_CHUNK))
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            final int width = prefixLengths[i];
            final int destination = width == 0 ? 0 : destinations[i] & (-1 << (32 - width));
            emit(width);
            for (int octet = 0, n = significantOctets(width); octet < n; octet++)
            {
                emit(destination >>> (24 - 8 * octet));
            }
            emitInt(routers[i]);
        }
        return true;
    }

    /**
     * Copies already encoded options (whole TLVs) as they are.
     *
     * @return false, writing nothing, when they do not fit.
     */
    public boolean putEncoded(final DirectBuffer src, final int srcOffset, final int length)
    {
        if (length < 0 || position + length > capacity)
        {
            return false;
        }
        buffer.putBytes(offset + position, src, srcOffset, length);
        position += length;
        return true;
    }

    /**
     * Writes the END option.
     */
    public boolean end()
    {
        if (position + 1 > capacity)
        {
            return false;
        }
        buffer.putByte(offset + position++, (byte)DhcpOption.END);
        return true;
    }

    /**
     * @param valueLength bytes of value.
     * @param chunk       largest value per instance.
     * @return bytes the option takes with its headers.
     */
    static int encodedLength(final int valueLength, final int chunk)
    {
        return valueLength == 0 ? 2 : valueLength + 2 * ((valueLength + chunk - 1) / chunk);
    }

    private static int significantOctets(final int width)
    {
        return (width + 7) >>> 3;
    }

    private boolean begin(final int code, final int valueLength, final int chunk)
    {
        if (code <= DhcpOption.PAD || code >= DhcpOption.END || valueLength < 0 ||
            position + encodedLength(valueLength, chunk) > capacity)
        {
            return false;
        }
        this.code = code;
        this.chunkSize = chunk;
        this.chunkLeft = 0;
        this.remaining = valueLength;
        if (valueLength == 0)
        {
            header(code, 0);
        }
        return true;
    }

    private void emitInt(final int value)
    {
        if (chunkLeft >= 4)
        {
            buffer.putInt(offset + position, value, NET);
            position += 4;
            chunkLeft -= 4;
            remaining -= 4;
        }
        else
        {
            emit(value >>> 24);
            emit(value >>> 16);
            emit(value >>> 8);
            emit(value);
        }
    }

    private void emit(final int value)
    {
        if (chunkLeft == 0)
        {
            chunkLeft = Math.min(remaining, chunkSize);
            header(code, chunkLeft);
        }
        buffer.putByte(offset + position++, (byte)value);
        chunkLeft--;
        remaining--;
    }

    private void header(final int code, final int length)
    {
        buffer.putByte(offset + position, (byte)code);
        buffer.putByte(offset + position + 1, (byte)length);
        position += 2;
    }
}
