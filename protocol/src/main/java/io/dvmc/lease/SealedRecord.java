package io.dvmc.lease;

import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;

/**
 * What the fixed-size store values share: a flyweight over {@code length} little-endian bytes with a layout tag and
 * a seeded checksum, so that a torn or foreign value is told apart from a real one ({@link #isValid}).
 *
 * @param <T> the record type, returned by the fluent setters.
 */
public abstract class SealedRecord<T extends SealedRecord<T>>
{
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    final FixedSlice slice;
    private final int length;
    private final int layoutOffset;
    private final short layout;
    private final int checksumOffset;

    SealedRecord(final int length, final int layoutOffset, final short layout, final int checksumOffset)
    {
        this.slice = new FixedSlice(length);
        this.length = length;
        this.layoutOffset = layoutOffset;
        this.layout = layout;
        this.checksumOffset = checksumOffset;
    }

    SealedRecord(final int length, final int layoutOffset, final short layout, final int checksumOffset,
        final MutableDirectBuffer buffer, final int offset)
    {
        this.slice = new FixedSlice(length, buffer, offset);
        this.length = length;
        this.layoutOffset = layoutOffset;
        this.layout = layout;
        this.checksumOffset = checksumOffset;
    }

    @SuppressWarnings("unchecked")
    private T self()
    {
        return (T)this;
    }

    /** The checksum of the current bytes, as {@link #seal} stores it. */
    abstract int computeChecksum();

    /** Field checks beyond layout and checksum. */
    abstract boolean fieldsValid();

    public T wrap(final MutableDirectBuffer buffer, final int offset)
    {
        slice.wrap(buffer, offset);
        return self();
    }

    public MutableDirectBuffer buffer()
    {
        return slice.buffer();
    }

    public int offset()
    {
        return slice.offset();
    }

    /** Zeroes every byte and stamps the layout version. */
    public T clear()
    {
        slice.buffer().setMemory(slice.offset(), length, (byte)0);
        slice.buffer().putShort(slice.offset() + layoutOffset, layout, ORDER);
        return self();
    }

    /** Copies every byte of {@code other}. */
    public T copyFrom(final T other)
    {
        slice.buffer().putBytes(slice.offset(), other.buffer(), other.offset(), length);
        return self();
    }

    /** Stamps the layout version and stores the checksum. Setters do not: call it after the last one. */
    public T seal()
    {
        slice.buffer().putShort(slice.offset() + layoutOffset, layout, ORDER);
        slice.buffer().putInt(slice.offset() + checksumOffset, computeChecksum(), ORDER);
        return self();
    }

    /** Whether the layout is this record's, the fields are in range and the checksum matches. */
    public boolean isValid()
    {
        return slice.buffer().getShort(slice.offset() + layoutOffset, ORDER) == layout && fieldsValid() &&
            getInt(checksumOffset) == computeChecksum();
    }

    public int layout()
    {
        return slice.buffer().getShort(slice.offset() + layoutOffset, ORDER);
    }

    public int checksum()
    {
        return getInt(checksumOffset);
    }

    FixedSlice slice()
    {
        return slice;
    }

    final int getInt(final int field)
    {
        return slice.buffer().getInt(slice.offset() + field, ORDER);
    }

    final long getLong(final int field)
    {
        return slice.buffer().getLong(slice.offset() + field, ORDER);
    }

    final T putInt(final int field, final int value)
    {
        slice.buffer().putInt(slice.offset() + field, value, ORDER);
        return self();
    }

    final T putLong(final int field, final long value)
    {
        slice.buffer().putLong(slice.offset() + field, value, ORDER);
        return self();
    }
}
