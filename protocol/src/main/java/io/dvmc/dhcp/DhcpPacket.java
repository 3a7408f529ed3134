package io.dvmc.dhcp;

import java.nio.ByteOrder;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Read flyweight over a DHCP/BOOTP message (RFC 2131 §2, RFC 951), reusable across packets.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |  0
 *  +---------------+---------------+---------------+---------------+
 *  |                            xid (4)                            |  4
 *  +-------------------------------+-------------------------------+
 *  |           secs (2)            |           flags (2)           |  8  flags: B(roadcast) = 0x8000
 *  +-------------------------------+-------------------------------+
 *  |                          ciaddr  (4)                          | 12
 *  |                          yiaddr  (4)                          | 16
 *  |                          siaddr  (4)                          | 20
 *  |                          giaddr  (4)                          | 24
 *  |                          chaddr  (16)                         | 28
 *  |                          sname   (64)                         | 44  options too if overload &amp; 2
 *  |                          file    (128)                        | 108 options too if overload &amp; 1
 *  +---------------------------------------------------------------+
 *  |                  magic cookie 99.130.83.99 (4)                | 236
 *  |                  options (code, length, value)...             | 240
 *  +---------------------------------------------------------------+
 * </pre>
 * A message without the magic cookie is read as BOOTP without vendor extensions (no options).
 * <p>
 * Option lookup does not allocate per packet: the first pass over the options (done by {@link #validate()}, or on
 * the first lookup) records where each code's value starts. Options are read in the order RFC 3396 §7 gives for
 * overload: the options field, then {@code file}, then {@code sname}. Every instance of a code that appears more
 * than once is concatenated, in that order, into a scratch buffer of this flyweight (RFC 3396 §5, for every option,
 * not only those longer than 255 bytes); the scratch buffer is allocated once, the first time a packet needs it.
 * <p>
 * Offsets returned by lookups are indices into {@link #optionBuffer(int)}: the message's own {@link #buffer()} for
 * an option that appears once, the scratch buffer for a joined one. Not thread safe.
 */
public final class DhcpPacket
{
    public static final int OP_OFFSET = 0;
    public static final int HTYPE_OFFSET = 1;
    public static final int HLEN_OFFSET = 2;
    public static final int HOPS_OFFSET = 3;
    public static final int XID_OFFSET = 4;
    public static final int SECS_OFFSET = 8;
    public static final int FLAGS_OFFSET = 10;
    public static final int CIADDR_OFFSET = 12;
    public static final int YIADDR_OFFSET = 16;
    public static final int SIADDR_OFFSET = 20;
    public static final int GIADDR_OFFSET = 24;
    public static final int CHADDR_OFFSET = 28;
    public static final int CHADDR_LENGTH = 16;
    public static final int SNAME_OFFSET = 44;
    public static final int SNAME_LENGTH = 64;
    public static final int FILE_OFFSET = 108;
    public static final int FILE_LENGTH = 128;
    public static final int MAGIC_COOKIE_OFFSET = 236;
    public static final int OPTIONS_OFFSET = 240;

    /** The fixed part, up to and without the magic cookie. */
    public static final int FIXED_LENGTH = 236;
    /** RFC 951: fixed part plus the 64-byte vend field; replies are padded to it. */
    public static final int MIN_BOOTP_LENGTH = 300;
    public static final int MAGIC_COOKIE = 0x63825363;

    public static final int BOOTREQUEST = 1;
    public static final int BOOTREPLY = 2;
    public static final int HTYPE_ETHERNET = 1;
    public static final int HLEN_ETHERNET = 6;
    public static final int FLAG_BROADCAST = 0x8000;

    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private static final int NOT_INDEXED = 1;
    /** No UDP payload is longer, so no joined value is either. */
    private static final int MAX_JOINED_LENGTH = 65_535;
    /** The longest client id (61) accepted, joined: what one instance holds; replies echo it (RFC 6842). */
    public static final int MAX_CLIENT_ID_LENGTH = 255;

    private final int[] optionOffset = new int[256];
    private final int[] optionLength = new int[256];
    // An entry is valid only when its stamp equals the current one: wrap() never clears the arrays.
    private final int[] optionStamp = new int[256];
    // Codes seen more than once in the current packet (stamp as above), their total length, and the list of them.
    private final int[] repeatedStamp = new int[256];
    private final int[] repeatedLength = new int[256];
    private final int[] repeatedCodes = new int[256];
    private int repeatedCount;
    // Codes whose value was joined into the scratch buffer (stamp as above), and where each has been filled to.
    private final int[] joinedStamp = new int[256];
    private final int[] joinedFill = new int[256];
    private UnsafeBuffer joined;
    /** Option 52 of the current packet once it was walked: which of file (1) and sname (2) hold options. */
    private int overloaded;
    private int stamp;
    private int indexResult = NOT_INDEXED;

    private DirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Points the flyweight at a message. Nothing is read until an accessor asks.
     *
     * @param buffer holding the message (the UDP payload).
     * @param offset of the message's first byte (op).
     * @param length of the UDP payload.
     * @return this.
     */
    public DhcpPacket wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        if (++stamp == 0)
        {
            Arrays.fill(optionStamp, 0);
            Arrays.fill(repeatedStamp, 0);
            Arrays.fill(joinedStamp, 0);
            stamp = 1;
        }
        repeatedCount = 0;
        overloaded = 0;
        indexResult = NOT_INDEXED;
        return this;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @param code option code.
     * @return the buffer that {@link #findOption(int)} indexes for this code: the scratch buffer when the option
     * appeared more than once and was joined (RFC 3396), else {@link #buffer()}.
     */
    public DirectBuffer optionBuffer(final int code)
    {
        return findOption(code) >= 0 && joinedStamp[code] == stamp ? joined : buffer;
    }

    public int offset()
    {
        return offset;
    }

    public int length()
    {
        return length;
    }

    /**
     * Checks the fixed part and walks every option once.
     * A missing END is tolerated (the field simply ends); an option whose length runs past its field is not.
     *
     * @return 0, or a negative {@link DhcpError} code.
     */
    public int validate()
    {
        if (length < FIXED_LENGTH)
        {
            return DhcpError.TOO_SHORT;
        }
        final int op = op();
        if (op != BOOTREQUEST && op != BOOTREPLY)
        {
            return DhcpError.BAD_OP;
        }
        if (htype() != HTYPE_ETHERNET)
        {
            return DhcpError.BAD_HTYPE;
        }
        if (hlen() != HLEN_ETHERNET)
        {
            return DhcpError.BAD_HLEN;
        }
        return index();
    }

    public int op()
    {
        return buffer.getByte(offset + OP_OFFSET) & 0xFF;
    }

    public int htype()
    {
        return buffer.getByte(offset + HTYPE_OFFSET) & 0xFF;
    }

    public int hlen()
    {
        return buffer.getByte(offset + HLEN_OFFSET) & 0xFF;
    }

    public int hops()
    {
        return buffer.getByte(offset + HOPS_OFFSET) & 0xFF;
    }

    public int xid()
    {
        return buffer.getInt(offset + XID_OFFSET, NET);
    }

    public int secs()
    {
        return buffer.getShort(offset + SECS_OFFSET, NET) & 0xFFFF;
    }

    public int flags()
    {
        return buffer.getShort(offset + FLAGS_OFFSET, NET) & 0xFFFF;
    }

    public boolean isBroadcast()
    {
        return (flags() & FLAG_BROADCAST) != 0;
    }

    public int ciaddr()
    {
        return buffer.getInt(offset + CIADDR_OFFSET, NET);
    }

    public int yiaddr()
    {
        return buffer.getInt(offset + YIADDR_OFFSET, NET);
    }

    public int siaddr()
    {
        return buffer.getInt(offset + SIADDR_OFFSET, NET);
    }

    public int giaddr()
    {
        return buffer.getInt(offset + GIADDR_OFFSET, NET);
    }

    /**
     * @return the first six bytes of chaddr as the low 48 bits of a long.
     */
    public long chaddrMac()
    {
        final int at = offset + CHADDR_OFFSET;
        return ((long)(buffer.getShort(at, NET) & 0xFFFF) << 32) | (buffer.getInt(at + 2, NET) & 0xFFFF_FFFFL);
    }

    /**
     * @return true when the magic cookie follows the fixed part (RFC 2131 §3), so options may be present.
     */
    public boolean hasMagicCookie()
    {
        return length >= OPTIONS_OFFSET && buffer.getInt(offset + MAGIC_COOKIE_OFFSET, NET) == MAGIC_COOKIE;
    }

    /**
     * @return option 53, or {@link DhcpMessageType#BOOTP} (0) when absent.
     */
    public int messageType()
    {
        final int at = findOption(DhcpOption.MESSAGE_TYPE);
        return at < 0 || optionLength[DhcpOption.MESSAGE_TYPE] < 1
            ? DhcpMessageType.BOOTP
            : optionBuffer(DhcpOption.MESSAGE_TYPE).getByte(at) & 0xFF;
    }

    /**
     * @param code option code.
     * @return index in {@link #optionBuffer(int)} of the option's value (all its instances joined), or -1 when
     * absent.
     */
    public int findOption(final int code)
    {
        if (code <= DhcpOption.PAD || code >= DhcpOption.END)
        {
            return -1;
        }
        if (indexResult == NOT_INDEXED)
        {
            index();
        }
        if (optionStamp[code] != stamp)
        {
            return -1;
        }
        return joinedStamp[code] == stamp ? optionOffset[code] : offset + optionOffset[code];
    }

    /**
     * @param code option code.
     * @return length of the option's value, all its instances joined (may be 0), or -1 when absent.
     */
    public int optionLength(final int code)
    {
        return findOption(code) < 0 ? -1 : optionLength[code];
    }

    /**
     * @return option 50, or 0 when absent.
     */
    public int requestedIp()
    {
        return fourByteOption(DhcpOption.REQUESTED_IP, 0);
    }

    /**
     * @return option 54, or 0 when absent.
     */
    public int serverId()
    {
        return fourByteOption(DhcpOption.SERVER_ID, 0);
    }

    /**
     * @return option 51 in seconds, or -1 when absent. A client asking for an infinite lease (0xffffffff) also
     * reads -1: to a server both mean "no preference".
     */
    public int leaseTime()
    {
        return fourByteOption(DhcpOption.LEASE_TIME, -1);
    }

    /**
     * @return option 57, or 0 when absent.
     */
    public int maxMessageSize()
    {
        final int at = findOption(DhcpOption.MAX_MESSAGE_SIZE);
        return at < 0 || optionLength[DhcpOption.MAX_MESSAGE_SIZE] != 2
            ? 0
            : optionBuffer(DhcpOption.MAX_MESSAGE_SIZE).getShort(at, NET) & 0xFFFF;
    }

    /**
     * @return option 52 (1 file, 2 sname, 3 both), or 0 when absent.
     */
    public int overload()
    {
        final int at = findOption(DhcpOption.OVERLOAD);
        return at < 0 || optionLength[DhcpOption.OVERLOAD] != 1
            ? 0
            : optionBuffer(DhcpOption.OVERLOAD).getByte(at) & 0xFF;
    }

    /**
     * @return index of option 61's value in {@link #optionBuffer(int)}, or -1 when absent.
     */
    public int clientIdOffset()
    {
        return findOption(DhcpOption.CLIENT_ID);
    }

    /**
     * @return length of option 61's value, 0 when absent.
     */
    public int clientIdLength()
    {
        return valueLength(DhcpOption.CLIENT_ID);
    }

    /**
     * @return index of option 55's value (one option code per byte) in {@link #optionBuffer(int)}, or -1 when
     * absent.
     */
    public int parameterRequestListOffset()
    {
        return findOption(DhcpOption.PARAMETER_REQUEST_LIST);
    }

    /**
     * @return length of option 55's value, 0 when absent.
     */
    public int parameterRequestListLength()
    {
        return valueLength(DhcpOption.PARAMETER_REQUEST_LIST);
    }

    /**
     * @param code option code.
     * @return true when option 55 lists the code.
     */
    public boolean requestsParameter(final int code)
    {
        final int at = findOption(DhcpOption.PARAMETER_REQUEST_LIST);
        if (at >= 0)
        {
            final DirectBuffer list = optionBuffer(DhcpOption.PARAMETER_REQUEST_LIST);
            for (int i = at, end = at + optionLength[DhcpOption.PARAMETER_REQUEST_LIST]; i < end; i++)
            {
                if ((list.getByte(i) & 0xFF) == code)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @return index of option 12's value in {@link #optionBuffer(int)}, or -1 when absent.
     */
    public int hostNameOffset()
    {
        return findOption(DhcpOption.HOST_NAME);
    }

    /**
     * @return length of option 12's value, 0 when absent.
     */
    public int hostNameLength()
    {
        return valueLength(DhcpOption.HOST_NAME);
    }

    /**
     * @return index of option 81's value (RFC 4702) in {@link #optionBuffer(int)}, or -1 when absent.
     */
    public int clientFqdnOffset()
    {
        return findOption(DhcpOption.CLIENT_FQDN);
    }

    /**
     * @return length of option 81's value, 0 when absent.
     */
    public int clientFqdnLength()
    {
        return valueLength(DhcpOption.CLIENT_FQDN);
    }

    private int valueLength(final int code)
    {
        return findOption(code) < 0 ? 0 : optionLength[code];
    }

    private int fourByteOption(final int code, final int absent)
    {
        final int at = findOption(code);
        return at < 0 || optionLength[code] != 4 ? absent : optionBuffer(code).getInt(at, NET);
    }

    private int index()
    {
        if (indexResult != NOT_INDEXED)
        {
            return indexResult;
        }
        int result = 0;
        if (length >= FIXED_LENGTH && hasMagicCookie())
        {
            result = walk(OPTIONS_OFFSET, length);
            if (result == 0 && optionStamp[DhcpOption.OVERLOAD] == stamp)
            {
                result = walkOverloaded();
            }
            if (result == 0 && repeatedCount > 0)
            {
                join();
            }
            if (result == 0)
            {
                result = checkFixedLengths();
            }
        }
        indexResult = result;
        return result;
    }

    private int walkOverloaded()
    {
        if (repeatedStamp[DhcpOption.OVERLOAD] == stamp || optionLength[DhcpOption.OVERLOAD] != 1)
        {
            return DhcpError.BAD_OVERLOAD;
        }
        final int overload = buffer.getByte(offset + optionOffset[DhcpOption.OVERLOAD]) & 0xFF;
        if (overload < 1 || overload > 3)
        {
            return DhcpError.BAD_OVERLOAD;
        }
        overloaded = overload;
        int result = 0;
        if ((overload & 1) != 0)
        {
            result = walk(FILE_OFFSET, FILE_OFFSET + FILE_LENGTH);
        }
        if (result == 0 && (overload & 2) != 0)
        {
            result = walk(SNAME_OFFSET, SNAME_OFFSET + SNAME_LENGTH);
        }
        // RFC 2131 §4.1: option 52 belongs in the options field, once.
        return result == 0 && repeatedStamp[DhcpOption.OVERLOAD] == stamp ? DhcpError.BAD_OVERLOAD : result;
    }

    // Records the first instance of each code in [from, to) (offsets relative to the message), and which codes come
    // again. Only options that lie wholly inside the field are recorded, so accessors never read past the packet even
    // after an error (they then see first instances only: nothing is joined).
    private int walk(final int from, final int to)
    {
        int i = from;
        while (i < to)
        {
            final int code = buffer.getByte(offset + i) & 0xFF;
            if (code == DhcpOption.PAD)
            {
                i++;
                continue;
            }
            if (code == DhcpOption.END)
            {
                return 0;
            }
            if (i + 1 >= to)
            {
                return DhcpError.OPTION_OVERRUN;
            }
            final int valueLength = buffer.getByte(offset + i + 1) & 0xFF;
            final int value = i + 2;
            if (value + valueLength > to)
            {
                return DhcpError.OPTION_OVERRUN;
            }
            if (optionStamp[code] != stamp)
            {
                optionStamp[code] = stamp;
                optionOffset[code] = value;
                optionLength[code] = valueLength;
            }
            else if (repeatedStamp[code] != stamp)
            {
                repeatedStamp[code] = stamp;
                repeatedLength[code] = optionLength[code] + valueLength;
                repeatedCodes[repeatedCount++] = code;
            }
            else
            {
                repeatedLength[code] += valueLength;
            }
            i = value + valueLength;
        }
        return 0;
    }

    // RFC 3396 §5: the value of a repeated option is all its instances, in the order the fields were walked.
    private void join()
    {
        int total = 0;
        for (int n = 0; n < repeatedCount; n++)
        {
            total += repeatedLength[repeatedCodes[n]];
        }
        if (joined == null || joined.capacity() < total)
        {
            joined = new UnsafeBuffer(new byte[Math.max(total, MAX_JOINED_LENGTH)]);
        }
        int at = 0;
        for (int n = 0; n < repeatedCount; n++)
        {
            final int code = repeatedCodes[n];
            joinedStamp[code] = stamp;
            optionOffset[code] = at;
            optionLength[code] = repeatedLength[code];
            joinedFill[code] = at;
            at += repeatedLength[code];
        }
        copyRepeated(OPTIONS_OFFSET, length);
        if ((overloaded & 1) != 0)
        {
            copyRepeated(FILE_OFFSET, FILE_OFFSET + FILE_LENGTH);
        }
        if ((overloaded & 2) != 0)
        {
            copyRepeated(SNAME_OFFSET, SNAME_OFFSET + SNAME_LENGTH);
        }
    }

    // Appends each instance of a joined code in [from, to) to its value; the field was walked without error.
    private void copyRepeated(final int from, final int to)
    {
        int i = from;
        while (i < to)
        {
            final int code = buffer.getByte(offset + i) & 0xFF;
            if (code == DhcpOption.PAD)
            {
                i++;
                continue;
            }
            if (code == DhcpOption.END)
            {
                return;
            }
            final int valueLength = buffer.getByte(offset + i + 1) & 0xFF;
            if (joinedStamp[code] == stamp)
            {
                joined.putBytes(joinedFill[code], buffer, offset + i + 2, valueLength);
                joinedFill[code] += valueLength;
            }
            i += 2 + valueLength;
        }
    }

    private int checkFixedLengths()
    {
        if (optionStamp[DhcpOption.MESSAGE_TYPE] == stamp && optionLength[DhcpOption.MESSAGE_TYPE] != 1)
        {
            return DhcpError.BAD_MESSAGE_TYPE;
        }
        if (hasWrongLength(DhcpOption.REQUESTED_IP, 4) || hasWrongLength(DhcpOption.SERVER_ID, 4) ||
            hasWrongLength(DhcpOption.LEASE_TIME, 4) || hasWrongLength(DhcpOption.MAX_MESSAGE_SIZE, 2) ||
            (optionStamp[DhcpOption.CLIENT_ID] == stamp && optionLength[DhcpOption.CLIENT_ID] > MAX_CLIENT_ID_LENGTH))
        {
            return DhcpError.BAD_OPTION_LENGTH;
        }
        return 0;
    }

    private boolean hasWrongLength(final int code, final int expected)
    {
        return optionStamp[code] == stamp && optionLength[code] != expected;
    }
}
