package io.dvmc.lease;

import io.dvmc.config.Addresses;
import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over the fixed 12-byte key of the lease store: (virtual domain, VM MAC).
 * <pre>
 *  offset size field      (little-endian)
 *   0     4    domainId   virtual domain id (32 bits, a VNI fits)
 *   4     8    mac        VM MAC in the low 48 bits; the high 16 bits are zero
 * </pre>
 */
public final class LeaseKey
{
    public static final int DOMAIN_ID_OFFSET = 0;
    public static final int MAC_OFFSET = 4;
    public static final int LENGTH = 12;
    /** Bits a MAC may occupy. */
    public static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final FixedSlice slice;

    /** A key over fresh bytes of its own. */
    public LeaseKey()
    {
        this.slice = new FixedSlice(LENGTH);
    }

    /** A key over {@link #LENGTH} bytes of {@code buffer} from {@code offset}. */
    public LeaseKey(final MutableDirectBuffer buffer, final int offset)
    {
        this.slice = new FixedSlice(LENGTH, buffer, offset);
    }

    public LeaseKey wrap(final MutableDirectBuffer buffer, final int offset)
    {
        slice.wrap(buffer, offset);
        return this;
    }

    /**
     * Sets both fields.
     *
     * @throws IllegalArgumentException if {@code mac} has bits above 48
     */
    public LeaseKey set(final int domainId, final long mac)
    {
        if ((mac & ~MAC_MASK) != 0)
        {
            throw new IllegalArgumentException("MAC wider than 48 bits: 0x" + Long.toHexString(mac));
        }
        final MutableDirectBuffer buffer = slice.buffer();
        buffer.putInt(slice.offset() + DOMAIN_ID_OFFSET, domainId, ORDER);
        buffer.putLong(slice.offset() + MAC_OFFSET, mac, ORDER);
        return this;
    }

    public int domainId()
    {
        return slice.buffer().getInt(slice.offset() + DOMAIN_ID_OFFSET, ORDER);
    }

    public long mac()
    {
        return slice.buffer().getLong(slice.offset() + MAC_OFFSET, ORDER);
    }

    public MutableDirectBuffer buffer()
    {
        return slice.buffer();
    }

    public int offset()
    {
        return slice.offset();
    }

    FixedSlice slice()
    {
        return slice;
    }

    @Override
    public String toString()
    {
        return "LeaseKey{domain=" + Integer.toUnsignedString(domainId()) + ", mac=" + Addresses.mac(mac()) + '}';
    }
}
