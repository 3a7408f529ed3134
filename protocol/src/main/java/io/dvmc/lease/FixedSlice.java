package io.dvmc.lease;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A window of a fixed number of bytes in an Agrona buffer: the key and value type of every map in this package.
 *
 * <p>The map never sees a Java object graph, only these bytes, so two JVMs always agree on the layout. A slice is
 * re-pointed with {@link #wrap} rather than allocated, which keeps lookups allocation-free.
 *
 * <p>The class name is recorded in each map file's header: renaming it makes existing files unreadable.
 */
public final class FixedSlice
{
    private final int length;
    private MutableDirectBuffer buffer;
    private int offset;

    /** A slice over fresh, zeroed heap bytes of its own. */
    public FixedSlice(final int length)
    {
        this(length, new UnsafeBuffer(new byte[checkLength(length)]), 0);
    }

    /** A slice over {@code length} bytes of {@code buffer} starting at {@code offset}. */
    public FixedSlice(final int length, final MutableDirectBuffer buffer, final int offset)
    {
        this.length = checkLength(length);
        wrap(buffer, offset);
    }

    /** Points this slice at {@code length()} bytes of {@code buffer} starting at {@code offset}. */
    public FixedSlice wrap(final MutableDirectBuffer buffer, final int offset)
    {
        if (offset < 0 || (long)offset + length > buffer.capacity())
        {
            throw new IndexOutOfBoundsException(
                "slice [" + offset + ", +" + length + ") outside capacity " + buffer.capacity());
        }
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int length()
    {
        return length;
    }

    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    private static int checkLength(final int length)
    {
        if (length <= 0)
        {
            throw new IllegalArgumentException("length must be positive: " + length);
        }
        return length;
    }
}
