package io.dvmc.ipc;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A frame the agent hands to the dataplane to send on a port.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |          port index           |         frame length          |
 *  +-------------------------------+-------------------------------+
 *  |                    Ethernet frame ...                         |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class TransmitMessage
{
    public static final int PORT_OFFSET = 0;
    public static final int FRAME_LENGTH_OFFSET = 2;
    public static final int FRAME_OFFSET = 4;

    private DirectBuffer buffer;
    private int offset;

    public TransmitMessage wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** Header only: the caller has already placed the frame at {@code offset + FRAME_OFFSET}. */
    public static int writeHeader(final MutableDirectBuffer out, final int offset, final int port,
        final int frameLength)
    {
        out.putShort(offset + PORT_OFFSET, (short)port);
        out.putShort(offset + FRAME_LENGTH_OFFSET, (short)frameLength);
        return FRAME_OFFSET + frameLength;
    }

    public int port()
    {
        return buffer.getShort(offset + PORT_OFFSET) & 0xFFFF;
    }

    public int frameLength()
    {
        return buffer.getShort(offset + FRAME_LENGTH_OFFSET) & 0xFFFF;
    }

    /**
     * @param recordLength the length of the ring record this message was read from.
     * @return whether the header and the frame it announces lie inside the record.
     */
    public boolean fitsRecord(final int recordLength)
    {
        return recordLength >= FRAME_OFFSET && frameLength() <= recordLength - FRAME_OFFSET;
    }

    public int frameOffset()
    {
        return offset + FRAME_OFFSET;
    }
}
