package io.dvmc.ipc;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A client DHCP frame handed from the dataplane to the agent, with the binding the dataplane resolved.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |          port index           |          vlan id              |
 *  +-------------------------------+-------------------------------+
 *  |                          domain id                            |
 *  +---------------------------------------------------------------+
 *  |                       VM id (UUID, msb)                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       VM id (UUID, lsb)                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     received at (epoch ms)                    |
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |         frame length          |           reserved            |
 *  +-------------------------------+-------------------------------+
 *  |                 Ethernet frame, as received ...               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class DhcpRequestMessage
{
    /**
     * The agent drops a request received longer ago than this: an RFC 2131 §4.1 client has retransmitted it since.
     * The dataplane keeps a VM whose RELEASE or DECLINE it handed over off its fast path for as long, so that no
     * address it grants can be freed by a RELEASE sent before the grant.
     */
    public static final long MAX_AGE_MS = 5_000;
    public static final int PORT_OFFSET = 0;
    public static final int VLAN_OFFSET = 2;
    public static final int DOMAIN_OFFSET = 4;
    public static final int VM_MSB_OFFSET = 8;
    public static final int VM_LSB_OFFSET = 16;
    public static final int RECEIVED_OFFSET = 24;
    public static final int FRAME_LENGTH_OFFSET = 32;
    public static final int FRAME_OFFSET = 36;

    public static final int MAX_FRAME = 2048;
    public static final int MAX_LENGTH = FRAME_OFFSET + MAX_FRAME;

    private DirectBuffer buffer;
    private int offset;

    public DhcpRequestMessage wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** Writes a whole message; returns its length. */
    public static int write(
        final MutableDirectBuffer out,
        final int offset,
        final int port,
        final int vlan,
        final int domainId,
        final long vmMsb,
        final long vmLsb,
        final long receivedMillis,
        final DirectBuffer frame,
        final int frameOffset,
        final int frameLength)
    {
        out.putShort(offset + PORT_OFFSET, (short)port);
        out.putShort(offset + VLAN_OFFSET, (short)vlan);
        out.putInt(offset + DOMAIN_OFFSET, domainId);
        out.putLong(offset + VM_MSB_OFFSET, vmMsb);
        out.putLong(offset + VM_LSB_OFFSET, vmLsb);
        out.putLong(offset + RECEIVED_OFFSET, receivedMillis);
        out.putShort(offset + FRAME_LENGTH_OFFSET, (short)frameLength);
        out.putShort(offset + FRAME_LENGTH_OFFSET + 2, (short)0);
        out.putBytes(offset + FRAME_OFFSET, frame, frameOffset, frameLength);
        return FRAME_OFFSET + frameLength;
    }

    public int port()
    {
        return buffer.getShort(offset + PORT_OFFSET) & 0xFFFF;
    }

    public int vlan()
    {
        return buffer.getShort(offset + VLAN_OFFSET) & 0xFFFF;
    }

    public int domainId()
    {
        return buffer.getInt(offset + DOMAIN_OFFSET);
    }

    public long vmMsb()
    {
        return buffer.getLong(offset + VM_MSB_OFFSET);
    }

    public long vmLsb()
    {
        return buffer.getLong(offset + VM_LSB_OFFSET);
    }

    public long receivedMillis()
    {
        return buffer.getLong(offset + RECEIVED_OFFSET);
    }

    public int frameLength()
    {
        return buffer.getShort(offset + FRAME_LENGTH_OFFSET) & 0xFFFF;
    }

    public int frameOffset()
    {
        return offset + FRAME_OFFSET;
    }
}
