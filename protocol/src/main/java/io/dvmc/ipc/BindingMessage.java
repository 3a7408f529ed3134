package io.dvmc.ipc;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * One port binding (port, VLAN, MAC to domain, VM id) that the agent adds to or removes from the dataplane at
 * run time ({@link RingMessages#BINDING_ADD}, {@link RingMessages#BINDING_REMOVE}). The port goes by its name in
 * the host config, not by an index, because the dataplane numbers its ports itself and a port may be attached
 * after its binding arrives. A removal is matched on VLAN and MAC alone; it carries the rest for the log.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |            vlan id            |        port name length       |
 *  +-------------------------------+-------------------------------+
 *  |                          domain id                            |
 *  +---------------------------------------------------------------+
 *  |              MAC (low 48 bits, first octet highest)           |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       VM id (UUID, msb)                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       VM id (UUID, lsb)                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |             port name, US-ASCII, up to 64 bytes ...           |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class BindingMessage
{
    public static final int VLAN_OFFSET = 0;
    public static final int PORT_NAME_LENGTH_OFFSET = 2;
    public static final int DOMAIN_OFFSET = 4;
    public static final int MAC_OFFSET = 8;
    public static final int VM_MSB_OFFSET = 16;
    public static final int VM_LSB_OFFSET = 24;
    public static final int PORT_NAME_OFFSET = 32;

    public static final int MAX_PORT_NAME = 64;
    public static final int MAX_LENGTH = PORT_NAME_OFFSET + MAX_PORT_NAME;

    private DirectBuffer buffer;
    private int offset;
    private int length;

    public BindingMessage wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** @return the length of a message naming {@code port}. */
    public static int length(final String port)
    {
        return PORT_NAME_OFFSET + port.length();
    }

    /**
     * Writes a whole message; returns its length.
     *
     * @throws IllegalArgumentException when the port name is longer than {@link #MAX_PORT_NAME} or not US-ASCII.
     */
    public static int write(
        final MutableDirectBuffer out,
        final int offset,
        final String port,
        final int vlan,
        final long mac,
        final int domainId,
        final long vmMsb,
        final long vmLsb)
    {
        final byte[] name = portName(port);
        out.putShort(offset + VLAN_OFFSET, (short)vlan);
        out.putShort(offset + PORT_NAME_LENGTH_OFFSET, (short)name.length);
        out.putInt(offset + DOMAIN_OFFSET, domainId);
        out.putLong(offset + MAC_OFFSET, mac);
        out.putLong(offset + VM_MSB_OFFSET, vmMsb);
        out.putLong(offset + VM_LSB_OFFSET, vmLsb);
        out.putBytes(offset + PORT_NAME_OFFSET, name);
        return PORT_NAME_OFFSET + name.length;
    }

    /** Whether {@code port} fits a message: 1 to {@link #MAX_PORT_NAME} US-ASCII characters. */
    public static boolean fits(final String port)
    {
        return !port.isEmpty() && port.length() <= MAX_PORT_NAME &&
            StandardCharsets.US_ASCII.newEncoder().canEncode(port);
    }

    private static byte[] portName(final String port)
    {
        if (!fits(port))
        {
            throw new IllegalArgumentException(
                "port name '" + port + "': at most " + MAX_PORT_NAME + " ASCII characters");
        }
        return port.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether the message is long enough for its fields and its port name. */
    public boolean valid()
    {
        if (length < PORT_NAME_OFFSET)
        {
            return false;
        }
        final int nameLength = portNameLength();
        return nameLength > 0 && nameLength <= MAX_PORT_NAME && PORT_NAME_OFFSET + nameLength <= length;
    }

    public int vlan()
    {
        return buffer.getShort(offset + VLAN_OFFSET) & 0xFFFF;
    }

    public int portNameLength()
    {
        return buffer.getShort(offset + PORT_NAME_LENGTH_OFFSET) & 0xFFFF;
    }

    public int domainId()
    {
        return buffer.getInt(offset + DOMAIN_OFFSET);
    }

    public long mac()
    {
        return buffer.getLong(offset + MAC_OFFSET) & 0xFFFF_FFFF_FFFFL;
    }

    public long vmMsb()
    {
        return buffer.getLong(offset + VM_MSB_OFFSET);
    }

    public long vmLsb()
    {
        return buffer.getLong(offset + VM_LSB_OFFSET);
    }

    /** The port name; allocates, which a binding change may (it is not per packet). */
    public String portName()
    {
        return buffer.getStringWithoutLengthAscii(offset + PORT_NAME_OFFSET, portNameLength());
    }
}
