package io.dvmc.dhcp;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Builds a BOOTREPLY (OFFER, ACK, NAK, or a BOOTP reply) to a BOOTREQUEST, RFC 2131 §4.3.1 table 3.
 * <pre>
 *  fixed part  op=2, htype/hlen/xid/flags/giaddr/chaddr from the request, hops=secs=0,
 *              ciaddr = request's for ACK and BOOTP else 0, yiaddr (0 in NAK and in an ACK to INFORM),
 *              siaddr/sname/file: the domain's boot directives for a netboot client, else zero
 *  cookie      99.130.83.99
 *  options     53 type, 54 server id             (not in BOOTP replies: RFC 1497 has neither)
 *              51 lease, 58 T1 = lease/2, 59 T2 = lease*7/8   (OFFER/ACK; not to INFORM; no 58/59 if infinite)
 *              61 client id echoed (RFC 6842; DHCP only)
 *              66, 67 for a netboot client
 *              domain options: 1 and 3 always, others when in the request's 55, when it has no 55, or when
 *              the domain sends them always
 *              (NAK: only 56 from the domain block)
 *              82 relay agent information echoed last, to a relayed request (RFC 3046 §2.2)
 *              END, zero padding to 300 bytes
 * </pre>
 * A BOOTP reply (RFC 951, RFC 1534 §2) carries no DHCP-only option (53, 54, 51, 58, 59, 61). Its vendor area holds
 * the RFC 1497 cookie and the domain options only if the request had the cookie: a client that sent another vendor
 * area (an RFC 951 client's 64 free bytes) gets a zeroed one, which it cannot misread. It is no longer than the
 * request (at least 300 bytes, the RFC 951 size with its 64-byte vend field) unless option 57 allows more: a
 * BOOTP client may have no room for DHCP's 312-byte options field.
 * <p>
 * A netboot client is a BOOTP client, one whose vendor class (60) starts with {@code PXEClient}, one whose user
 * class (77, RFC 3004) holds {@code iPXE}, or one that asks for option 66 or 67; a client whose user class says
 * iPXE gets the domain's iPXE boot file instead of its PXE one, so that the iPXE the PXE ROM loaded does not load
 * itself again. Other clients get no boot fields, which keeps {@code sname} and {@code file} free for overload.
 * <p>
 * The reply may be written over the request itself (the dataplane rewrites the received mbuf): everything needed
 * from the request is copied into preallocated scratch space before the first byte is written. The request
 * flyweight is stale afterwards. The domain option block must not overlap the output.
 * <p>
 * The reply never exceeds the client's option 57 (less 28 bytes of IP and UDP headers; 576 at least, RFC 2132
 * §9.10), or 548 bytes without it (RFC 2131 §2: a client must accept a 312-byte options field). Options are placed
 * in this order, each whole (all instances of a split option go together) or not at all: the fixed ones above,
 * 66 and 67, then the domain's in the order of its block. When one does not fit the options field and
 * {@code file} or {@code sname} carry no boot directive, the reply overloads them (option 52, RFC 2132 §9.3):
 * options that do not fit the options field go to {@code file}, then {@code sname}. What fits nowhere is left out;
 * a later, smaller option may still fit. BOOTP replies are never overloaded (RFC 1497 has no option 52).
 * <p>
 * Allocates nothing per reply. Not thread safe: one per worker.
 */
public final class DhcpReplyWriter
{
    /** RFC 2131 §2: 576-byte datagram less 20 bytes of IP and 8 of UDP. */
    public static final int DEFAULT_MAX_MESSAGE = 548;
    private static final int IP_UDP_HEADERS = 28;
    private static final int MIN_MAX_MESSAGE_SIZE = 576;
    private static final int OVERLOAD_LENGTH = 3;
    /** One option instance: RFC 3046 §2.0 limits a relay's option 82 to 255 bytes. */
    private static final int MAX_AGENT_INFORMATION = 255;
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private static final byte[] PXE_CLIENT = "PXEClient".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IPXE = "iPXE".getBytes(StandardCharsets.US_ASCII);

    private final UnsafeBuffer chaddr = new UnsafeBuffer(new byte[DhcpPacket.CHADDR_LENGTH]);
    private final UnsafeBuffer clientId = new UnsafeBuffer(new byte[DhcpPacket.MAX_CLIENT_ID_LENGTH]);
    private final UnsafeBuffer agentInformation = new UnsafeBuffer(new byte[MAX_AGENT_INFORMATION]);
    private final long[] requestedCodes = new long[4];
    private final long[] alwaysCodes = new long[4];
    private final OptionWriter options = new OptionWriter();
    private final OptionWriter fileOptions = new OptionWriter();
    private final OptionWriter snameOptions = new OptionWriter();

    // The domain block of the current reply: where its options start and end, and its directives (-1 when absent).
    private int blockStart;
    private int optionsEnd;
    private int nextServer;
    private boolean hasNextServer;
    private int serverNameAt;
    private int serverNameLength;
    private int bootFileAt;
    private int bootFileLength;
    private int ipxeFileAt;
    private int ipxeFileLength;

    /**
     * Writes the reply.
     *
     * @param request             a validated BOOTREQUEST.
     * @param messageType         {@link DhcpMessageType#OFFER}, {@link DhcpMessageType#ACK},
     *                            {@link DhcpMessageType#NAK}, or {@link DhcpMessageType#BOOTP} for a BOOTP reply.
     * @param yiaddr              the client's address (ignored for NAK).
     * @param serverId            option 54.
     * @param leaseSeconds        option 51, unsigned; -1 is infinite.
     * @param domainOptions       block of option TLVs written by {@link OptionWriter} (END and PAD allowed), after
     *                            its END the {@link ReplyDirectives}; may be null when domainOptionsLength is 0.
     * @param domainOptionsOffset first byte of the block.
     * @param domainOptionsLength bytes in the block.
     * @param out                 where the reply goes; may be the request's own memory.
     * @param outOffset           first byte of the reply.
     * @param outCapacity         bytes available at outOffset.
     * @return length of the reply (at least 300), or a negative {@link DhcpError} code with out untouched.
     */
    public int write(
        final DhcpPacket request,
        final int messageType,
        final int yiaddr,
        final int serverId,
        final int leaseSeconds,
        final DirectBuffer domainOptions,
        final int domainOptionsOffset,
        final int domainOptionsLength,
        final MutableDirectBuffer out,
        final int outOffset,
        final int outCapacity)
    {
        if (request.length() < DhcpPacket.FIXED_LENGTH)
        {
            return DhcpError.TOO_SHORT;
        }
        if (request.op() != DhcpPacket.BOOTREQUEST)
        {
            return DhcpError.NOT_A_REQUEST;
        }
        if (messageType != DhcpMessageType.OFFER && messageType != DhcpMessageType.ACK &&
            messageType != DhcpMessageType.NAK && messageType != DhcpMessageType.BOOTP)
        {
            return DhcpError.UNSUPPORTED_REPLY_TYPE;
        }
        if (!readBlock(domainOptions, domainOptionsOffset, domainOptionsLength))
        {
            return DhcpError.BAD_DOMAIN_OPTIONS;
        }
        final boolean nak = messageType == DhcpMessageType.NAK;
        final boolean bootp = messageType == DhcpMessageType.BOOTP;
        final int requestType = request.messageType();
        final boolean toInform = requestType == DhcpMessageType.INFORM;
        final boolean withLease = !nak && !bootp && !toInform;
        final int clientIdLength = bootp ? 0 : request.clientIdLength();
        final boolean vendorArea = !bootp || request.hasMagicCookie();
        // RFC 3046 §2.2: the server echoes the relay's option 82; a client's own (no giaddr) is not a relay's.
        final int agentLength = request.giaddr() == 0 || !vendorArea
            ? -1
            : Math.min(request.optionLength(DhcpOption.RELAY_AGENT_INFORMATION), MAX_AGENT_INFORMATION);

        final int limit = Math.min(outCapacity,
            bootp ? bootpReplyLimit(request) : replyLimit(request.maxMessageSize()));
        // Checked before the first write so that a failed reply leaves a request being rewritten in place intact.
        final int required = (bootp ? 0 : 3 + 6) + (withLease ? (leaseSeconds == -1 ? 6 : 18) : 0) +
            (clientIdLength > 0 ? 2 + clientIdLength : 0) + (agentLength >= 0 ? 2 + agentLength : 0) + 1;
        if (limit < DhcpPacket.MIN_BOOTP_LENGTH || DhcpPacket.OPTIONS_OFFSET + required > limit)
        {
            return DhcpError.BUFFER_TOO_SMALL;
        }

        // Capture everything from the request: from here on out may overwrite it.
        final int htype = request.htype();
        final int hlen = request.hlen();
        final int xid = request.xid();
        final int flags = request.flags();
        final int ciaddr = request.ciaddr();
        final int giaddr = request.giaddr();
        request.buffer().getBytes(request.offset() + DhcpPacket.CHADDR_OFFSET, chaddr, 0, DhcpPacket.CHADDR_LENGTH);
        if (clientIdLength > 0)
        {
            request.optionBuffer(DhcpOption.CLIENT_ID).getBytes(request.clientIdOffset(), clientId, 0, clientIdLength);
        }
        if (agentLength >= 0)
        {
            request.optionBuffer(DhcpOption.RELAY_AGENT_INFORMATION).getBytes(
                request.findOption(DhcpOption.RELAY_AGENT_INFORMATION), agentInformation, 0, agentLength);
        }
        final boolean hasRequestList = captureRequestedCodes(request);
        final boolean boot = !nak && hasBootDirectives() && (bootp || isNetbootClient(request));
        final boolean ipxe = boot && ipxeFileLength > 0 && optionContains(request, DhcpOption.USER_CLASS, IPXE);
        final int fileAt = ipxe ? ipxeFileAt : bootFileAt;
        final int fileLength = ipxe ? ipxeFileLength : bootFileLength;

        out.setMemory(outOffset, DhcpPacket.FIXED_LENGTH, (byte)0);
        out.putByte(outOffset + DhcpPacket.OP_OFFSET, (byte)DhcpPacket.BOOTREPLY);
        out.putByte(outOffset + DhcpPacket.HTYPE_OFFSET, (byte)htype);
        out.putByte(outOffset + DhcpPacket.HLEN_OFFSET, (byte)hlen);
        out.putInt(outOffset + DhcpPacket.XID_OFFSET, xid, NET);
        // §4.3.2: a NAK through a relay must ask the relay to broadcast it.
        final int replyFlags = nak && giaddr != 0 ? flags | DhcpPacket.FLAG_BROADCAST : flags;
        out.putShort(outOffset + DhcpPacket.FLAGS_OFFSET, (short)replyFlags, NET);
        final boolean keepCiaddr = messageType == DhcpMessageType.ACK || bootp;
        out.putInt(outOffset + DhcpPacket.CIADDR_OFFSET, keepCiaddr ? ciaddr : 0, NET);
        // §4.3.5: an ACK to INFORM carries no address; a NAK never does.
        out.putInt(outOffset + DhcpPacket.YIADDR_OFFSET, nak || toInform ? 0 : yiaddr, NET);
        out.putInt(outOffset + DhcpPacket.GIADDR_OFFSET, giaddr, NET);
        out.putBytes(outOffset + DhcpPacket.CHADDR_OFFSET, chaddr, 0, DhcpPacket.CHADDR_LENGTH);
        if (!vendorArea)
        {
            out.setMemory(outOffset + DhcpPacket.FIXED_LENGTH, DhcpPacket.MIN_BOOTP_LENGTH - DhcpPacket.FIXED_LENGTH,
                (byte)0);
            return DhcpPacket.MIN_BOOTP_LENGTH;
        }
        out.putInt(outOffset + DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, NET);
        if (boot)
        {
            if (hasNextServer)
            {
                out.putInt(outOffset + DhcpPacket.SIADDR_OFFSET, nextServer, NET);
            }
            if (serverNameLength > 0)
            {
                out.putBytes(outOffset + DhcpPacket.SNAME_OFFSET, domainOptions, serverNameAt, serverNameLength);
            }
            if (fileLength > 0)
            {
                out.putBytes(outOffset + DhcpPacket.FILE_OFFSET, domainOptions, fileAt, fileLength);
            }
        }

        // One byte is kept back for END, and room for the echoed option 82, which goes last.
        final int agentRoom = agentLength >= 0 ? 2 + agentLength : 0;
        final int optionsCapacity = limit - DhcpPacket.OPTIONS_OFFSET - 1 - agentRoom;
        final OptionWriter options = this.options.wrap(out, outOffset + DhcpPacket.OPTIONS_OFFSET, optionsCapacity);
        if (!bootp)
        {
            options.putByte(DhcpOption.MESSAGE_TYPE, messageType);
            options.putInt(DhcpOption.SERVER_ID, serverId);
        }
        if (withLease)
        {
            putLease(options, leaseSeconds);
        }
        if (clientIdLength > 0)
        {
            options.putBytes(DhcpOption.CLIENT_ID, clientId, 0, clientIdLength);
        }
        final int fixedEnd = options.length();
        final int domainAt = outOffset + DhcpPacket.OPTIONS_OFFSET + fixedEnd;
        fileOptions.wrap(out, outOffset, 0);
        snameOptions.wrap(out, outOffset, 0);
        options.wrap(out, domainAt, optionsCapacity - fixedEnd);
        int overload = 0;
        final boolean complete = placeOptions(domainOptions, nak, hasRequestList, boot, fileAt, fileLength);
        final boolean fileFree = !boot || fileLength == 0;
        final boolean snameFree = !boot || serverNameLength == 0;
        if (!complete && !bootp && (fileFree || snameFree) && optionsCapacity - fixedEnd >= OVERLOAD_LENGTH)
        {
            // RFC 2132 §9.3: options in file and sname start at the field's first byte and end with END.
            options.wrap(out, domainAt, optionsCapacity - fixedEnd - OVERLOAD_LENGTH);
            fileOptions.wrap(out, outOffset + DhcpPacket.FILE_OFFSET, fileFree ? DhcpPacket.FILE_LENGTH - 1 : 0);
            snameOptions.wrap(out, outOffset + DhcpPacket.SNAME_OFFSET, snameFree ? DhcpPacket.SNAME_LENGTH - 1 : 0);
            placeOptions(domainOptions, nak, hasRequestList, boot, fileAt, fileLength);
            overload = (fileOptions.length() > 0 ? 1 : 0) | (snameOptions.length() > 0 ? 2 : 0);
            if (overload == 0)
            {
                fileOptions.wrap(out, outOffset, 0);
                snameOptions.wrap(out, outOffset, 0);
                options.wrap(out, domainAt, optionsCapacity - fixedEnd);
                placeOptions(domainOptions, nak, hasRequestList, boot, fileAt, fileLength);
            }
        }
        int end = DhcpPacket.OPTIONS_OFFSET + fixedEnd + options.length();
        if (overload != 0)
        {
            out.putByte(outOffset + end, (byte)DhcpOption.OVERLOAD);
            out.putByte(outOffset + end + 1, (byte)1);
            out.putByte(outOffset + end + 2, (byte)overload);
            end += OVERLOAD_LENGTH;
            endOverloaded(out, outOffset + DhcpPacket.FILE_OFFSET, fileOptions);
            endOverloaded(out, outOffset + DhcpPacket.SNAME_OFFSET, snameOptions);
        }
        if (agentLength >= 0)
        {
            out.putByte(outOffset + end, (byte)DhcpOption.RELAY_AGENT_INFORMATION);
            out.putByte(outOffset + end + 1, (byte)agentLength);
            out.putBytes(outOffset + end + 2, agentInformation, 0, agentLength);
            end += agentRoom;
        }
        out.putByte(outOffset + end, (byte)DhcpOption.END);
        final int length = Math.max(end + 1, DhcpPacket.MIN_BOOTP_LENGTH);
        if (length > end + 1)
        {
            out.setMemory(outOffset + end + 1, length - end - 1, (byte)0);
        }
        return length;
    }

    /**
     * @param maxMessageSize the request's option 57, 0 when absent.
     * @return the most bytes of DHCP message the client accepts.
     */
    public static int replyLimit(final int maxMessageSize)
    {
        if (maxMessageSize == 0)
        {
            return DEFAULT_MAX_MESSAGE;
        }
        // §9.10 sets 576 as the least a client may announce; a smaller value is a client bug, not a limit.
        return Math.max(maxMessageSize, MIN_MAX_MESSAGE_SIZE) - IP_UDP_HEADERS;
    }

    /** RFC 951: a BOOTP client reads the 300 bytes it sends; one that sends more, or option 57, takes more. */
    private static int bootpReplyLimit(final DhcpPacket request)
    {
        if (request.maxMessageSize() != 0)
        {
            return replyLimit(request.maxMessageSize());
        }
        return Math.max(DhcpPacket.MIN_BOOTP_LENGTH, Math.min(request.length(), DEFAULT_MAX_MESSAGE));
    }

    private static void putLease(final OptionWriter options, final int leaseSeconds)
    {
        options.putInt(DhcpOption.LEASE_TIME, leaseSeconds);
        if (leaseSeconds != -1) // infinite: no renewal to schedule
        {
            final long lease = leaseSeconds & 0xFFFF_FFFFL;
            options.putInt(DhcpOption.RENEWAL_TIME, (int)(lease >>> 1));
            options.putInt(DhcpOption.REBINDING_TIME, (int)((lease * 7) >>> 3));
        }
    }

    private static void endOverloaded(final MutableDirectBuffer out, final int fieldAt, final OptionWriter field)
    {
        if (field.length() > 0)
        {
            out.putByte(fieldAt + field.length(), (byte)DhcpOption.END);
        }
    }

    private boolean captureRequestedCodes(final DhcpPacket request)
    {
        final long[] codes = requestedCodes;
        codes[0] = 0;
        codes[1] = 0;
        codes[2] = 0;
        codes[3] = 0;
        final int at = request.parameterRequestListOffset();
        if (at < 0)
        {
            return false;
        }
        final DirectBuffer buffer = request.optionBuffer(DhcpOption.PARAMETER_REQUEST_LIST);
        for (int i = at, end = at + request.parameterRequestListLength(); i < end; i++)
        {
            final int code = buffer.getByte(i) & 0xFF;
            codes[code >>> 6] |= 1L << code;
        }
        return true;
    }

    private static boolean isIn(final long[] codes, final int code)
    {
        return (codes[code >>> 6] & (1L << code)) != 0;
    }

    private boolean hasBootDirectives()
    {
        return hasNextServer || serverNameLength > 0 || bootFileLength > 0 || ipxeFileLength > 0;
    }

    /**
     * What of a request, besides the codes its option 55 asks for, decides its boot fields: bit 0 a PXE vendor
     * class (60), bit 1 an iPXE user class (77). Replies to requests that differ here may differ.
     */
    public static int netbootHints(final DhcpPacket request)
    {
        return (optionStartsWith(request, DhcpOption.VENDOR_CLASS_ID, PXE_CLIENT) ? 1 : 0) |
            (optionContains(request, DhcpOption.USER_CLASS, IPXE) ? 2 : 0);
    }

    private boolean isNetbootClient(final DhcpPacket request)
    {
        return isIn(requestedCodes, DhcpOption.TFTP_SERVER_NAME) || isIn(requestedCodes, DhcpOption.BOOTFILE_NAME) ||
            optionStartsWith(request, DhcpOption.VENDOR_CLASS_ID, PXE_CLIENT) ||
            optionContains(request, DhcpOption.USER_CLASS, IPXE);
    }

    private static boolean optionStartsWith(final DhcpPacket request, final int code, final byte[] prefix)
    {
        final int at = request.findOption(code);
        return at >= 0 && request.optionLength(code) >= prefix.length &&
            matches(request.optionBuffer(code), at, prefix);
    }

    // RFC 3004 frames each user class with its length; iPXE sends its name bare: a match anywhere covers both.
    private static boolean optionContains(final DhcpPacket request, final int code, final byte[] text)
    {
        final int at = request.findOption(code);
        if (at < 0)
        {
            return false;
        }
        final DirectBuffer buffer = request.optionBuffer(code);
        for (int i = at, last = at + request.optionLength(code) - text.length; i <= last; i++)
        {
            if (matches(buffer, i, text))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(final DirectBuffer buffer, final int at, final byte[] text)
    {
        for (int i = 0; i < text.length; i++)
        {
            if (buffer.getByte(at + i) != text[i])
            {
                return false;
            }
        }
        return true;
    }

    // Codes the writer owns or that make no sense coming from a domain block.
    private static boolean isReserved(final int code)
    {
        return switch (code)
        {
            case DhcpOption.REQUESTED_IP, DhcpOption.LEASE_TIME, DhcpOption.OVERLOAD, DhcpOption.MESSAGE_TYPE,
                DhcpOption.SERVER_ID, DhcpOption.PARAMETER_REQUEST_LIST, DhcpOption.MAX_MESSAGE_SIZE,
                DhcpOption.RENEWAL_TIME, DhcpOption.REBINDING_TIME, DhcpOption.CLIENT_ID,
                DhcpOption.RELAY_AGENT_INFORMATION -> true;
            default -> false;
        };
    }

    // Checks the block's shape and reads its directives; false when an option or directive runs past its end.
    private boolean readBlock(final DirectBuffer block, final int offset, final int length)
    {
        alwaysCodes[0] = 0;
        alwaysCodes[1] = 0;
        alwaysCodes[2] = 0;
        alwaysCodes[3] = 0;
        hasNextServer = false;
        serverNameLength = 0;
        bootFileLength = 0;
        ipxeFileLength = 0;
        blockStart = offset;
        optionsEnd = offset;
        if (length == 0)
        {
            return true;
        }
        if (block == null || length < 0 || offset < 0 || offset + length > block.capacity())
        {
            return false;
        }
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            final int code = block.getByte(i) & 0xFF;
            if (code == DhcpOption.END)
            {
                optionsEnd = i;
                return readDirectives(block, i + 1, end);
            }
            if (code == DhcpOption.PAD)
            {
                i++;
                continue;
            }
            if (i + 1 >= end)
            {
                return false;
            }
            i += 2 + (block.getByte(i + 1) & 0xFF);
        }
        optionsEnd = end;
        return i == end;
    }

    private boolean readDirectives(final DirectBuffer block, final int from, final int end)
    {
        int i = from;
        while (i < end)
        {
            if (i + 1 >= end)
            {
                return false;
            }
            final int code = block.getByte(i) & 0xFF;
            final int length = block.getByte(i + 1) & 0xFF;
            final int value = i + 2;
            if (value + length > end || !isDirectiveLength(code, length))
            {
                return false;
            }
            switch (code)
            {
                case ReplyDirectives.NEXT_SERVER -> {
                    nextServer = block.getInt(value, NET);
                    hasNextServer = true;
                }
                case ReplyDirectives.SERVER_NAME -> {
                    serverNameAt = value;
                    serverNameLength = length;
                }
                case ReplyDirectives.BOOT_FILE -> {
                    bootFileAt = value;
                    bootFileLength = length;
                }
                case ReplyDirectives.IPXE_BOOT_FILE -> {
                    ipxeFileAt = value;
                    ipxeFileLength = length;
                }
                case ReplyDirectives.ALWAYS -> {
                    for (int c = value; c < value + length; c++)
                    {
                        final int always = block.getByte(c) & 0xFF;
                        alwaysCodes[always >>> 6] |= 1L << always;
                    }
                }
                default ->
                    {
                    }
            }
            i = value + length;
        }
        return true;
    }

    // The text directives must fit the fixed field they also go to, which keeps a terminating NUL.
    private static boolean isDirectiveLength(final int code, final int length)
    {
        return switch (code)
        {
            case ReplyDirectives.NEXT_SERVER -> length == 4;
            case ReplyDirectives.SERVER_NAME -> length <= ReplyDirectives.MAX_SERVER_NAME;
            case ReplyDirectives.BOOT_FILE, ReplyDirectives.IPXE_BOOT_FILE -> length <= ReplyDirectives.MAX_BOOT_FILE;
            default -> true;
        };
    }

    // Places 66 and 67 for a netboot client, then the chosen options of the block, each in the first field that
    // holds it. A run of consecutive instances of one code (an RFC 3396 split) goes whole or not at all.
    // Returns false when something wanted fitted nowhere.
    private boolean placeOptions(
        final DirectBuffer block,
        final boolean nak,
        final boolean hasRequestList,
        final boolean boot,
        final int fileAt,
        final int fileLength)
    {
        boolean complete = true;
        if (boot && serverNameLength > 0)
        {
            complete &= placeValue(DhcpOption.TFTP_SERVER_NAME, block, serverNameAt, serverNameLength);
        }
        if (boot && fileLength > 0)
        {
            complete &= placeValue(DhcpOption.BOOTFILE_NAME, block, fileAt, fileLength);
        }
        final int end = optionsEnd;
        int i = blockStart;
        while (i < end)
        {
            final int code = block.getByte(i) & 0xFF;
            if (code == DhcpOption.PAD)
            {
                i++;
                continue;
            }
            int runEnd = i;
            while (runEnd < end && (block.getByte(runEnd) & 0xFF) == code)
            {
                runEnd += 2 + (block.getByte(runEnd + 1) & 0xFF);
            }
            final boolean wanted = nak
                ? code == DhcpOption.MESSAGE
                : !isReserved(code) && code != DhcpOption.MESSAGE && !(boot && isBootOption(code)) &&
                    (code == DhcpOption.SUBNET_MASK || code == DhcpOption.ROUTER || !hasRequestList ||
                        isIn(requestedCodes, code) || isIn(alwaysCodes, code));
            if (wanted)
            {
                complete &= options.putEncoded(block, i, runEnd - i) || fileOptions.putEncoded(block, i, runEnd - i) ||
                    snameOptions.putEncoded(block, i, runEnd - i);
            }
            i = runEnd;
        }
        return complete;
    }

    private static boolean isBootOption(final int code)
    {
        return code == DhcpOption.TFTP_SERVER_NAME || code == DhcpOption.BOOTFILE_NAME;
    }

    private boolean placeValue(final int code, final DirectBuffer block, final int at, final int length)
    {
        return options.putBytes(code, block, at, length) || fileOptions.putBytes(code, block, at, length) ||
            snameOptions.putBytes(code, block, at, length);
    }
}
