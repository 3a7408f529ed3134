package io.dvmc.frame;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * Writes Ethernet (with the request's VLAN tags), IPv4 and UDP headers around a payload that is already in place,
 * so that a reply can be built in the request's own buffer.
 * <pre>
 *  offset                       +l2             +l2+20          +l2+28
 *  | dst src [tags as request] 0x0800 | IPv4 (20, no options) | UDP (8) | payload (already there) |
 *
 *  IPv4: 0x45, TOS 0, total length, id 0, flags/fragment 0 (DF off), TTL 64, proto 17, checksum, src, dst
 *  UDP:  src port, dst port, length, checksum over the pseudo-header (0 is sent as 0xffff, RFC 768)
 * </pre>
 * The reply has the request's number of tags but never IP options, so its payload goes at
 * {@link #replyPayloadOffset(FrameView)}, which equals the request's payload offset unless the request carried
 * IP options. Allocates nothing.
 */
public final class FrameWriter
{
    /** Result of {@link #writeUdpReply} when the payload length or the buffer capacity does not allow the frame. */
    public static final int BAD_LENGTH = -1;
    public static final int TTL = 64;
    public static final int IP_HEADER_LENGTH = 20;
    public static final int UDP_HEADER_LENGTH = FrameClassifier.UDP_HEADER_LENGTH;
    private static final int MAX_PAYLOAD = 0xFFFF - IP_HEADER_LENGTH - UDP_HEADER_LENGTH;
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    /**
     * @param request the classified request, written at the same frame offset as the reply will be.
     * @return buffer index where the reply's UDP payload must be placed before {@link #writeUdpReply}.
     */
    public static int replyPayloadOffset(final FrameView request)
    {
        return request.l3Offset() + IP_HEADER_LENGTH + UDP_HEADER_LENGTH;
    }

    /**
     * Writes the headers. The payload must already be at {@code offset + request.l2HeaderLength() + 28}.
     *
     * @param frame         buffer of the reply.
     * @param offset        index of the reply's first byte (destination MAC).
     * @param request       the request's view; its VLAN tags are copied.
     * @param srcMac        reply source MAC, low 48 bits.
     * @param dstMac        reply destination MAC, low 48 bits.
     * @param srcIp         reply source address.
     * @param dstIp         reply destination address.
     * @param srcPort       reply UDP source port.
     * @param dstPort       reply UDP destination port.
     * @param payloadLength bytes of UDP payload.
     * @return total frame length, or {@link #BAD_LENGTH}.
     */
    public int writeUdpReply(
        final MutableDirectBuffer frame,
        final int offset,
        final FrameView request,
        final long srcMac,
        final long dstMac,
        final int srcIp,
        final int dstIp,
        final int srcPort,
        final int dstPort,
        final int payloadLength)
    {
        final int l2 = FrameClassifier.ETHERNET_HEADER_LENGTH + request.vlanCount() * FrameClassifier.VLAN_TAG_LENGTH;
        final int frameLength = l2 + IP_HEADER_LENGTH + UDP_HEADER_LENGTH + payloadLength;
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD || offset < 0 || offset + frameLength > frame.capacity())
        {
            return BAD_LENGTH;
        }

        final int ip = writeEthernet(frame, offset, request, srcMac, dstMac);
        final int udpLength = UDP_HEADER_LENGTH + payloadLength;
        frame.putByte(ip + FrameClassifier.IP_VERSION_IHL_OFFSET, (byte)0x45);
        frame.putByte(ip + 1, (byte)0); // TOS
        frame.putShort(ip + FrameClassifier.IP_TOTAL_LENGTH_OFFSET, (short)(IP_HEADER_LENGTH + udpLength), NET);
        frame.putInt(ip + 4, 0, NET); // id, flags, fragment offset
        frame.putByte(ip + FrameClassifier.IP_TTL_OFFSET, (byte)TTL);
        frame.putByte(ip + FrameClassifier.IP_PROTOCOL_OFFSET, (byte)FrameClassifier.IP_PROTOCOL_UDP);
        frame.putShort(ip + FrameClassifier.IP_CHECKSUM_OFFSET, (short)0, NET);
        frame.putInt(ip + FrameClassifier.IP_SRC_OFFSET, srcIp, NET);
        frame.putInt(ip + FrameClassifier.IP_DST_OFFSET, dstIp, NET);
        frame.putShort(
            ip + FrameClassifier.IP_CHECKSUM_OFFSET, (short)Checksums.internetChecksum(frame, ip, IP_HEADER_LENGTH),
            NET);

        final int udp = ip + IP_HEADER_LENGTH;
        frame.putShort(udp + FrameClassifier.UDP_SRC_PORT_OFFSET, (short)srcPort, NET);
        frame.putShort(udp + FrameClassifier.UDP_DST_PORT_OFFSET, (short)dstPort, NET);
        frame.putShort(udp + FrameClassifier.UDP_LENGTH_OFFSET, (short)udpLength, NET);
        frame.putShort(udp + FrameClassifier.UDP_CHECKSUM_OFFSET, (short)0, NET);
        final long pseudo = Checksums.pseudoHeaderSum(srcIp, dstIp, FrameClassifier.IP_PROTOCOL_UDP, udpLength);
        int checksum = ~Checksums.fold(Checksums.sum(frame, udp, udpLength, pseudo)) & 0xFFFF;
        if (checksum == 0)
        {
            checksum = 0xFFFF; // 0 means "no checksum" in UDP over IPv4
        }
        frame.putShort(udp + FrameClassifier.UDP_CHECKSUM_OFFSET, (short)checksum, NET);
        return frameLength;
    }

    /**
     * Writes the Ethernet header of a reply: the MACs, the request's VLAN tags and the IPv4 EtherType. The caller
     * has checked that the header fits.
     *
     * @return index of the reply's IPv4 header.
     */
    public static int writeEthernet(
        final MutableDirectBuffer frame, final int offset, final FrameView request, final long srcMac,
        final long dstMac)
    {
        putMac(frame, offset + FrameClassifier.DST_MAC_OFFSET, dstMac);
        putMac(frame, offset + FrameClassifier.SRC_MAC_OFFSET, srcMac);
        int at = offset + FrameClassifier.ETHER_TYPE_OFFSET;
        if (request.vlanCount() > 0)
        {
            frame.putShort(at, (short)request.outerTpid(), NET);
            frame.putShort(at + 2, (short)request.outerTci(), NET);
            at += FrameClassifier.VLAN_TAG_LENGTH;
        }
        if (request.vlanCount() > 1)
        {
            frame.putShort(at, (short)request.innerTpid(), NET);
            frame.putShort(at + 2, (short)request.innerTci(), NET);
            at += FrameClassifier.VLAN_TAG_LENGTH;
        }
        frame.putShort(at, (short)FrameClassifier.ETHER_TYPE_IPV4, NET);
        return at + 2;
    }

    static void putMac(final MutableDirectBuffer frame, final int at, final long mac)
    {
        frame.putShort(at, (short)(mac >>> 32), NET);
        frame.putInt(at + 2, (int)mac, NET);
    }
}
