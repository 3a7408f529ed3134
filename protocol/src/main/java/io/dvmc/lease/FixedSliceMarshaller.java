package io.dvmc.lease;

import java.nio.ByteOrder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.hash.serialization.SizedReader;
import net.openhft.chronicle.hash.serialization.SizedWriter;
import net.openhft.chronicle.wire.WireIn;
import net.openhft.chronicle.wire.WireOut;
import org.agrona.MutableDirectBuffer;

/**
 * Copies a {@link FixedSlice} to and from Chronicle Map's memory, byte for byte.
 *
 * <p>Both directions copy little-endian longs (Chronicle's own order) so the bytes in the file are exactly the
 * bytes of the flyweight, whichever JVM wrote them. Chronicle persists this marshaller (class name,
 * {@code length}, {@code layout} and {@code entries}) in the file header and rebuilds it in every process that opens
 * the file; the layout tag is how an opener recognises a file of another kind with the same sizes, and the entries
 * the capacity the file was created for (Chronicle keeps a file's capacity, whatever a later opener asks for).
 */
public final class FixedSliceMarshaller implements SizedReader<FixedSlice>, SizedWriter<FixedSlice>
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private int length;
    private String layout = "";
    /** The capacity the file was created for; 0 in a file of a dvmc version that did not record it. */
    private long entries;

    /** For Chronicle's header deserialisation only. */
    public FixedSliceMarshaller()
    {
    }

    public FixedSliceMarshaller(final int length, final String layout)
    {
        this(length, layout, 0);
    }

    public FixedSliceMarshaller(final int length, final String layout, final long entries)
    {
        if (length <= 0)
        {
            throw new IllegalArgumentException("length must be positive: " + length);
        }
        this.length = length;
        this.layout = layout;
        this.entries = entries;
    }

    public long entries()
    {
        return entries;
    }

    public int length()
    {
        return length;
    }

    public String layout()
    {
        return layout;
    }

    @Override
    public FixedSlice read(final Bytes<?> in, final long size, final FixedSlice using)
    {
        if (size != length)
        {
            throw new ForeignStoreException("stored size " + size + " differs from the layout size " + length);
        }
        final FixedSlice into = using != null ? using : new FixedSlice(length);
        checkSlice(into);
        final MutableDirectBuffer buffer = into.buffer();
        final int base = into.offset();
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            buffer.putLong(base + i, in.readLong(), ORDER);
        }
        for (; i < length; i++)
        {
            buffer.putByte(base + i, in.readByte());
        }
        return into;
    }

    @Override
    public long size(final FixedSlice toWrite)
    {
        return length;
    }

    @Override
    public void write(final Bytes<?> out, final long size, final FixedSlice toWrite)
    {
        checkSlice(toWrite);
        final MutableDirectBuffer buffer = toWrite.buffer();
        final int base = toWrite.offset();
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            out.writeLong(buffer.getLong(base + i, ORDER));
        }
        for (; i < length; i++)
        {
            out.writeByte(buffer.getByte(base + i));
        }
    }

    @Override
    public void readMarshallable(final WireIn wire)
    {
        length = wire.read("length").int32();
        layout = wire.read("layout").text();
        entries = wire.read("entries").int64();
    }

    @Override
    public void writeMarshallable(final WireOut wire)
    {
        wire.write("length").int32(length);
        wire.write("layout").text(layout);
        wire.write("entries").int64(entries);
    }

    private void checkSlice(final FixedSlice slice)
    {
        if (slice.length() != length)
        {
            throw new IllegalArgumentException(
                "slice of " + slice.length() + " bytes for a " + length + "-byte layout");
        }
    }
}
