package io.dvmc.exchange;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Read-only flyweight over one DVMC datagram (DESIGN §4, patent FIG. 2A–2D). All fields are big-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       magic "DVMC"                            |  0
 *  +---------------+---------------+-------------------------------+
 *  |    version    |     type      |            key id             |  4
 *  +---------------+---------------+-------------------------------+
 *  |         total length          |   configuration length (225)  |  8
 *  +-------------------------------+-------------------------------+
 *  |                        domain id (205)                        | 12
 *  +---------------------------------------------------------------+
 *  |                  transaction id (200), 64 bits                | 16
 *  |          high 32 bits: host id, low 32 bits: counter          |
 *  +---------------------------------------------------------------+
 *  |                timestamp, ms since the epoch                  | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 VM id (215), UUID high 64 bits                | 32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 VM id (215), UUID low 64 bits                 | 40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        virtual MAC (210), low 48 bits of 64                   | 48
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |              VM location (220): host IPv4 address             | 56
 *  +-------------------------------+---------------+---------------+
 *  |  VM location: agent UDP port  | status (230)  |    reason     | 60
 *  +-------------------------------+---------------+---------------+
 *  |     yiaddr (request: address asked for, reply: address given) | 64
 *  +---------------------------------------------------------------+
 *  |                server id (the domain's virtual server)        | 68
 *  +---------------------------------------------------------------+
 *  |                       VM lease seconds                        | 72
 *  +---------------------------------------------------------------+
 *  |                      host lease seconds                       | 76
 *  +---------------------------------------------------------------+
 *  |     configuration (225): DHCP option TLVs, no pad/end needed  | 80
 *  |                             ...                               |
 *  +---------------------------------------------------------------+
 *  |     HMAC-SHA256 over bytes [0, total length - 32), 32 bytes   |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The key id names the key of the {@link KeyRing} that made the HMAC, so keys can be rotated host by host. The
 * HMAC of a request also covers the endpoint it is sent to (address and port, not in the message): a request
 * captured on its way to one service replica is refused by every other (see {@link Authenticator}). Version 2 is
 * version 1 with these two meanings.
 * <p>{@link #wrap} checks the structure and returns a negative {@link DvmcError} code on anything malformed; it
 * never throws on bad input. Authentication is {@link Authenticator#verify}'s job.
 */
public final class DvmcMessage
{
    /** "DVMC" in ASCII. */
    public static final int MAGIC = 0x44564D43;
    public static final int VERSION = 2;
    public static final int DEFAULT_PORT = 6767;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int TYPE_OFFSET = 5;
    public static final int KEY_ID_OFFSET = 6;
    public static final int LENGTH_OFFSET = 8;
    public static final int CONFIG_LENGTH_OFFSET = 10;
    public static final int DOMAIN_ID_OFFSET = 12;
    public static final int TRANSACTION_ID_OFFSET = 16;
    public static final int TIMESTAMP_OFFSET = 24;
    public static final int VM_ID_MSB_OFFSET = 32;
    public static final int VM_ID_LSB_OFFSET = 40;
    public static final int MAC_OFFSET = 48;
    public static final int LOCATION_ADDRESS_OFFSET = 56;
    public static final int LOCATION_PORT_OFFSET = 60;
    public static final int STATUS_OFFSET = 62;
    public static final int REASON_OFFSET = 63;
    public static final int YIADDR_OFFSET = 64;
    public static final int SERVER_ID_OFFSET = 68;
    public static final int VM_LEASE_OFFSET = 72;
    public static final int HOST_LEASE_OFFSET = 76;
    public static final int CONFIG_OFFSET = 80;

    public static final int HEADER_LENGTH = CONFIG_OFFSET;
    public static final int TRAILER_LENGTH = 32;
    /** Keeps a message within one unfragmented datagram on a 1500-byte path with room for tunnel headers. */
    public static final int MAX_CONFIG_LENGTH = 1024;
    public static final int MIN_LENGTH = HEADER_LENGTH + TRAILER_LENGTH;
    public static final int MAX_LENGTH = HEADER_LENGTH + MAX_CONFIG_LENGTH + TRAILER_LENGTH;

    public static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;

    /** DHCP option codes with a special meaning in a TLV block (RFC 2132 §3.1, §3.2). */
    private static final int OPTION_PAD = 0;
    private static final int OPTION_END = 255;

    private DirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Wraps a received datagram and checks its structure.
     *
     * @return the message length, or a negative {@link DvmcError} code; on error the flyweight must not be read.
     */
    public int wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = 0;
        if (length < MIN_LENGTH || offset < 0 || offset + length > buffer.capacity())
        {
            return DvmcError.TOO_SHORT;
        }
        if (buffer.getInt(offset + MAGIC_OFFSET, BIG_ENDIAN) != MAGIC)
        {
            return DvmcError.BAD_MAGIC;
        }
        if ((buffer.getByte(offset + VERSION_OFFSET) & 0xFF) != VERSION)
        {
            return DvmcError.BAD_VERSION;
        }
        if (!DvmcMessageType.isValid(buffer.getByte(offset + TYPE_OFFSET) & 0xFF))
        {
            return DvmcError.BAD_TYPE;
        }
        final int declared = buffer.getShort(offset + LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int configLength = buffer.getShort(offset + CONFIG_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if (declared != length || configLength > MAX_CONFIG_LENGTH ||
            HEADER_LENGTH + configLength + TRAILER_LENGTH != length)
        {
            return DvmcError.BAD_LENGTH;
        }
        if ((buffer.getLong(offset + MAC_OFFSET, BIG_ENDIAN) & ~MAC_MASK) != 0)
        {
            return DvmcError.BAD_FIELD;
        }
        final int status = buffer.getByte(offset + STATUS_OFFSET) & 0xFF;
        if (status > DvmcStatus.NAK)
        {
            return DvmcError.BAD_FIELD;
        }
        if (!validOptions(buffer, offset + CONFIG_OFFSET, configLength))
        {
            return DvmcError.BAD_CONFIG;
        }
        this.length = length;
        return length;
    }

    /** Whether a block is a well-formed sequence of DHCP option TLVs (pads allowed, an END ends it). */
    public static boolean validOptions(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            final int code = buffer.getByte(i) & 0xFF;
            if (code == OPTION_PAD)
            {
                i++;
                continue;
            }
            if (code == OPTION_END)
            {
                return true;
            }
            if (i + 2 > end)
            {
                return false;
            }
            i += 2 + (buffer.getByte(i + 1) & 0xFF);
        }
        return i == end;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    /** Total length including configuration and trailer, as checked by {@link #wrap}. */
    public int length()
    {
        return length;
    }

    public int version()
    {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
    }

    public int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    /** The id of the key that signed the message ({@link KeyRing}). */
    public int keyId()
    {
        return buffer.getShort(offset + KEY_ID_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Patent field 205; an unsigned 32-bit value held in an int. */
    public int domainId()
    {
        return buffer.getInt(offset + DOMAIN_ID_OFFSET, BIG_ENDIAN);
    }

    /** Patent field 200. */
    public long transactionId()
    {
        return buffer.getLong(offset + TRANSACTION_ID_OFFSET, BIG_ENDIAN);
    }

    public long timestampMs()
    {
        return buffer.getLong(offset + TIMESTAMP_OFFSET, BIG_ENDIAN);
    }

    /** Patent field 215, high half of the UUID. */
    public long vmIdMsb()
    {
        return buffer.getLong(offset + VM_ID_MSB_OFFSET, BIG_ENDIAN);
    }

    /** Patent field 215, low half of the UUID. */
    public long vmIdLsb()
    {
        return buffer.getLong(offset + VM_ID_LSB_OFFSET, BIG_ENDIAN);
    }

    /** Patent field 210: the VM's MAC in the low 48 bits. */
    public long mac()
    {
        return buffer.getLong(offset + MAC_OFFSET, BIG_ENDIAN);
    }

    /** Patent field 220: the IPv4 address of the VM's host, where replies go. */
    public int locationAddress()
    {
        return buffer.getInt(offset + LOCATION_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    /** Patent field 220: the UDP port of the host agent. */
    public int locationPort()
    {
        return buffer.getShort(offset + LOCATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Patent field 230: one of {@link DvmcStatus#NONE}, {@link DvmcStatus#ACK}, {@link DvmcStatus#NAK}. */
    public int status()
    {
        return buffer.getByte(offset + STATUS_OFFSET) & 0xFF;
    }

    /** A {@code DvmcStatus.REASON_*} code, meaningful in a NAK. */
    public int reason()
    {
        return buffer.getByte(offset + REASON_OFFSET) & 0xFF;
    }

    /** In a request the address asked for (0 for none); in a reply the address assigned. */
    public int yiaddr()
    {
        return buffer.getInt(offset + YIADDR_OFFSET, BIG_ENDIAN);
    }

    /** The domain's virtual DHCP server address (DHCP option 54). */
    public int serverId()
    {
        return buffer.getInt(offset + SERVER_ID_OFFSET, BIG_ENDIAN);
    }

    /** The lease the host gives the VM; T1/T2 follow RFC 2131 §4.4.5 defaults unless the block says otherwise. */
    public int vmLeaseSeconds()
    {
        return buffer.getInt(offset + VM_LEASE_OFFSET, BIG_ENDIAN);
    }

    /** The lease the service gives the host (DESIGN §5), longer than the VM lease. */
    public int hostLeaseSeconds()
    {
        return buffer.getInt(offset + HOST_LEASE_OFFSET, BIG_ENDIAN);
    }

    /** Absolute offset in {@link #buffer()} of the configuration block (patent field 225). */
    public int configOffset()
    {
        return offset + CONFIG_OFFSET;
    }

    public int configLength()
    {
        return buffer.getShort(offset + CONFIG_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /** Absolute offset of the trailer carrying the HMAC. */
    public int trailerOffset()
    {
        return offset + length - TRAILER_LENGTH;
    }

    /**
     * Finds a DHCP option in the configuration block.
     *
     * @return the absolute offset of the option's value, or -1; its length is the byte before it.
     */
    public int findOption(final int code)
    {
        final int end = configOffset() + configLength();
        int i = configOffset();
        while (i < end)
        {
            final int c = buffer.getByte(i) & 0xFF;
            if (c == OPTION_PAD)
            {
                i++;
                continue;
            }
            if (c == OPTION_END)
            {
                return -1;
            }
            if (c == code)
            {
                return i + 2;
            }
            i += 2 + (buffer.getByte(i + 1) & 0xFF);
        }
        return -1;
    }

    public String toString()
    {
        if (buffer == null || length == 0)
        {
            return "DvmcMessage{unwrapped}";
        }
        return "DvmcMessage{" + DvmcMessageType.name(type()) +
            " xid=" + Long.toHexString(transactionId()) +
            " domain=" + Integer.toUnsignedString(domainId()) +
            " mac=" + Long.toHexString(mac()) +
            " yiaddr=" + Integer.toHexString(yiaddr()) +
            " status=" + DvmcStatus.name(status()) + "/" + reason() +
            " config=" + configLength() + "}";
    }
}
