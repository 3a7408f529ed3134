package io.dvmc.dhcp;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Builds a BOOTREPLY (OFFER, ACK, NAK, or a BOOTP reply) to a BOOTREQUEST, RFC 2131 §4.3.1 table 3.
 * <pre>
 *  fixed part  op=2, htype/hlen/xid/flags/giaddr/chaddr from the request, hops=secs=siaddr=0,
 *              ciaddr = request's for ACK and BOOTP else 0, yiaddr (0 in NAK and in an ACK to INFORM),
 *              sname/file zeroed
 *  cookie      99.130.83.99
 *  options     53 type, 54 server id             (not in BOOTP replies: RFC 1497 has neither)
 *              51 lease, 58 T1 = lease/2, 59 T2 = lease*7/8   (OFFER/ACK; not to INFORM; no 58/59 if infinite)
 *              61 client id echoed (RFC 6842)
 *              domain options: 1 and 3 always, others when in the request's 55 or when it has no 55
 *              (NAK: only 56 from the domain block)
 *              END, zero padding to 300 bytes
 * </pre>
 * The reply may be written over the request itself (the dataplane rewrites the received mbuf): everything needed
 * from the request is copied into preallocated scratch space before the first byte is written. The request
 * flyweight is stale afterwards. The domain option block must not overlap the output.
 * <p>
 * The reply never exceeds the client's option 57 (less 28 bytes of IP and UDP headers), or 548 bytes without it
 * (RFC 2131 §2: a client must accept a 312-byte options field). Domain options that would push it over are left
 * out whole (all instances of a split option go together) rather than failing the reply.
 * <p>
 * Allocates nothing per reply. Not thread safe: one per worker.
 */
public final class DhcpReplyWriter
{
    /** RFC 2131 §2: 576-byte datagram less 20 bytes of IP and 8 of UDP. */
    public static final int DEFAULT_MAX_MESSAGE = 548;
    private static final int IP_UDP_HEADERS = 28;
    private static final int MIN_MAX_MESSAGE_SIZE = 576;
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    private final UnsafeBuffer chaddr = new UnsafeBuffer(new byte[DhcpPacket.CHADDR_LENGTH]);
    private final UnsafeBuffer clientId = new UnsafeBuffer(new byte[DhcpPacket.MAX_CLIENT_ID_LENGTH]);
    private final long[] requestedCodes = new long[4];
    private final OptionWriter options = new OptionWriter();

    /**
     * Writes the reply.
     *
     * @param request             a validated BOOTREQUEST.
     * @param messageType         {@link DhcpMessageType#OFFER}, {@link DhcpMessageType#ACK},
     *                            {@link DhcpMessageType#NAK}, or {@link DhcpMessageType#BOOTP} for a BOOTP reply.
     * @param yiaddr              the client's address (ignored for NAK).
     * @param serverId            option 54.
     * @param leaseSeconds        option 51, unsigned; -1 is infinite.
     * @param domainOptions       block of option TLVs written by {@link OptionWriter} (END and PAD allowed); may be
     *                            null when domainOptionsLength is 0.
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
        if (!isWellFormed(domainOptions, domainOptionsOffset, domainOptionsLength))
        {
            return DhcpError.BAD_DOMAIN_OPTIONS;
        }
        final boolean nak = messageType == DhcpMessageType.NAK;
        final boolean bootp = messageType == DhcpMessageType.BOOTP;
        final int requestType = request.messageType();
        final boolean toInform = requestType == DhcpMessageType.INFORM;
        final boolean withLease = !nak && !bootp && !toInform;
        final int clientIdLength = request.clientIdLength();

        final int limit = Math.min(outCapacity, replyLimit(request.maxMessageSize()));
        // Checked before the first write so that a failed reply leaves a request being rewritten in place intact.
        final int required = (bootp ? 0 : 3 + 6) + (withLease ? (leaseSeconds == -1 ? 6 : 18) : 0) +
            (clientIdLength > 0 ? 2 + clientIdLength : 0) + 1;
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
        final boolean hasRequestList = captureRequestedCodes(request);

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
        out.putInt(outOffset + DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, NET);

        // One byte is kept back for END.
        final OptionWriter options = this.options.wrap(
            out, outOffset + DhcpPacket.OPTIONS_OFFSET, limit - DhcpPacket.OPTIONS_OFFSET - 1);
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
        if (domainOptionsLength > 0)
        {
            copyDomainOptions(domainOptions, domainOptionsOffset, domainOptionsLength, nak, hasRequestList);
        }
        final int end = DhcpPacket.OPTIONS_OFFSET + options.length();
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

    private boolean isRequested(final int code)
    {
        return (requestedCodes[code >>> 6] & (1L << code)) != 0;
    }

    // Codes the writer owns or that make no sense coming from a domain block.
    private static boolean isReserved(final int code)
    {
        return switch (code)
        {
            case DhcpOption.REQUESTED_IP, DhcpOption.LEASE_TIME, DhcpOption.OVERLOAD, DhcpOption.MESSAGE_TYPE,
                 DhcpOption.SERVER_ID, DhcpOption.PARAMETER_REQUEST_LIST, DhcpOption.MAX_MESSAGE_SIZE,
                 DhcpOption.RENEWAL_TIME, DhcpOption.REBINDING_TIME, DhcpOption.CLIENT_ID -> true;
            default -> false;
        };
    }

    private static boolean isWellFormed(final DirectBuffer block, final int offset, final int length)
    {
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
                return true;
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
        return i == end;
    }

    // Copies the chosen options of a well-formed block. A run of consecutive instances of one code (an RFC 3396
    // split) is copied whole or not at all.
    private void copyDomainOptions(
        final DirectBuffer block,
        final int offset,
        final int length,
        final boolean nak,
        final boolean hasRequestList)
    {
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            final int code = block.getByte(i) & 0xFF;
            if (code == DhcpOption.END)
            {
                break;
            }
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
            final boolean wanted = nak ? code == DhcpOption.MESSAGE :
                !isReserved(code) && code != DhcpOption.MESSAGE &&
                (code == DhcpOption.SUBNET_MASK || code == DhcpOption.ROUTER || !hasRequestList || isRequested(code));
            if (wanted)
            {
                options.putEncoded(block, i, runEnd - i);
            }
            i = runEnd;
        }
    }
}
