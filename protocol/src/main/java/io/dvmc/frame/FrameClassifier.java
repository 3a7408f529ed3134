package io.dvmc.frame;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * Parses Ethernet, up to two VLAN tags, IPv4 and UDP far enough to tell DHCP frames from the rest (DESIGN §3).
 * <pre>
 *  Ethernet  dst(6) src(6) [TPID(2) TCI(2)]{0,2} type(2)       TPID: 0x8100, 0x88a8, 0x9100
 *  IPv4      0x4 IHL | TOS | total length | id | flags+fragment offset | TTL | proto | checksum | src | dst | opts
 *  UDP       src port(2) dst port(2) length(2) checksum(2) payload
 * </pre>
 * Decisions, in order:
 * <ul>
 *   <li>not IPv4 (ARP, IPv6, LLC) -> OTHER; more than two tags -> TOO_MANY_VLANS;</li>
 *   <li>any IPv4: header that does not fit -> TRUNCATED, inconsistent version/IHL/total length -> BAD_IP_HEADER;</li>
 *   <li>not UDP, or a non-first fragment (its ports are unknown; {@link FrameView#isFragment()}) -> OTHER;</li>
 *   <li>UDP with neither port 67: OTHER when its length is sound, else BAD_UDP_LENGTH;</li>
 *   <li>DHCP (dst 67, or src 67): first fragment -> IP_FRAGMENT to reassemble (SERVER_DHCP from port 67), bad
 *       UDP length -> BAD_UDP_LENGTH, bad IPv4 header checksum -> BAD_IP_CHECKSUM, then CLIENT_DHCP for dst 67 (BAD_UDP_CHECKSUM if its UDP checksum
 *       fails as the caller asks, below), else SERVER_DHCP.</li>
 * </ul>
 * The IPv4 checksum is verified only where dvmc consumes the frame; forwarded traffic is the receiver's business.
 * <p>
 * The UDP checksum of client DHCP is checked as the caller says from what the port reported
 * ({@code UDP_CHECKSUM_*}): a zero checksum means none was sent (valid over IPv4, RFC 768), a port's verdict
 * (good, bad, or "not filled in but verified", virtio's offload) is taken as is, and otherwise it is computed.
 * Measured here on DPDK 22.11 net_af_packet over a veth: the PMD reports nothing (ol_flags 0, no rx checksum
 * capability). A real udhcpc (or dhclient) DISCOVER comes from a packet socket with a full, valid checksum, but
 * what a VM's kernel UDP socket sends (udhcpc's RENEWING REQUEST and RELEASE) carries the partial checksum of
 * tx offload (CHECKSUM_PARTIAL): the field holds the folded pseudo-header sum, not the checksum. On ports that
 * deliver a local kernel's frames as they were ({@link #UDP_CHECKSUM_VERIFY_OR_PARTIAL}), a field equal to that
 * sum is taken for such a partial checksum and accepted; any other wrong value is discarded.
 * <p>
 * Never throws on any input inside [offset, offset + length) and allocates nothing.
 */
public final class FrameClassifier
{
    public static final int ETHERNET_HEADER_LENGTH = 14;
    public static final int DST_MAC_OFFSET = 0;
    public static final int SRC_MAC_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int VLAN_TAG_LENGTH = 4;
    public static final int MAX_VLANS = 2;

    public static final int ETHER_TYPE_IPV4 = 0x0800;
    public static final int TPID_8021Q = 0x8100;
    public static final int TPID_8021AD = 0x88A8;
    public static final int TPID_QINQ_LEGACY = 0x9100;

    public static final int IP_VERSION_IHL_OFFSET = 0;
    public static final int IP_TOTAL_LENGTH_OFFSET = 2;
    public static final int IP_ID_OFFSET = 4;
    public static final int IP_FRAGMENT_OFFSET = 6;
    public static final int IP_TTL_OFFSET = 8;
    public static final int IP_PROTOCOL_OFFSET = 9;
    public static final int IP_CHECKSUM_OFFSET = 10;
    public static final int IP_SRC_OFFSET = 12;
    public static final int IP_DST_OFFSET = 16;
    public static final int IP_MIN_HEADER_LENGTH = 20;
    public static final int IP_PROTOCOL_UDP = 17;
    public static final int IP_FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int IP_FRAGMENT_OFFSET_MASK = 0x1FFF;

    public static final int UDP_SRC_PORT_OFFSET = 0;
    public static final int UDP_DST_PORT_OFFSET = 2;
    public static final int UDP_LENGTH_OFFSET = 4;
    public static final int UDP_CHECKSUM_OFFSET = 6;
    public static final int UDP_HEADER_LENGTH = 8;

    public static final int DHCP_SERVER_PORT = 67;
    public static final int DHCP_CLIENT_PORT = 68;

    /** The UDP checksum is not looked at (frames already checked, tests, tools). */
    public static final int UDP_CHECKSUM_NOT_CHECKED = 0;
    /** The port verified it (RTE_MBUF_F_RX_L4_CKSUM_GOOD), or knows the data intact without one (..._NONE). */
    public static final int UDP_CHECKSUM_VERIFIED = 1;
    /** The port found it wrong (RTE_MBUF_F_RX_L4_CKSUM_BAD). */
    public static final int UDP_CHECKSUM_BAD = 2;
    /** The port did not say: computed here. */
    public static final int UDP_CHECKSUM_VERIFY = 3;
    /** The port did not say and may hand over a local kernel's partial checksums: computed here, partial accepted. */
    public static final int UDP_CHECKSUM_VERIFY_OR_PARTIAL = 4;

    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    /**
     * @param frame  buffer holding the frame.
     * @param offset of the destination MAC.
     * @param length bytes of frame (no FCS).
     * @param view   filled with what was read.
     * @return a {@link FrameClass} code.
     */
    public int classify(final DirectBuffer frame, final int offset, final int length, final FrameView view)
    {
        return classify(frame, offset, length, view, UDP_CHECKSUM_NOT_CHECKED);
    }

    /**
     * As {@link #classify(DirectBuffer, int, int, FrameView)}, checking the UDP checksum of client DHCP.
     *
     * @param udpChecksum one of the {@code UDP_CHECKSUM_*} policies, from what the port reported of this frame.
     */
    public int classify(
        final DirectBuffer frame, final int offset, final int length, final FrameView view, final int udpChecksum)
    {
        view.reset(offset, length);
        final int end = offset + length;
        if (length < ETHERNET_HEADER_LENGTH)
        {
            return FrameClass.TRUNCATED;
        }
        view.dstMac = mac(frame, offset + DST_MAC_OFFSET);
        view.srcMac = mac(frame, offset + SRC_MAC_OFFSET);

        int at = offset + ETHER_TYPE_OFFSET;
        int type = frame.getShort(at, NET) & 0xFFFF;
        at += 2;
        int vlans = 0;
        while (type == TPID_8021Q || type == TPID_8021AD || type == TPID_QINQ_LEGACY)
        {
            if (vlans == MAX_VLANS)
            {
                return FrameClass.TOO_MANY_VLANS;
            }
            if (at + VLAN_TAG_LENGTH > end)
            {
                return FrameClass.TRUNCATED;
            }
            final int tci = frame.getShort(at, NET) & 0xFFFF;
            if (vlans == 0)
            {
                view.outerTpid = type;
                view.outerTci = tci;
            }
            else
            {
                view.innerTpid = type;
                view.innerTci = tci;
            }
            vlans++;
            view.vlanCount = vlans;
            type = frame.getShort(at + 2, NET) & 0xFFFF;
            at += VLAN_TAG_LENGTH;
        }
        view.etherType = type;
        view.l3Offset = at;
        if (type != ETHER_TYPE_IPV4)
        {
            return FrameClass.OTHER;
        }
        return classifyIpv4(frame, at, end, view, udpChecksum);
    }

    private static int classifyIpv4(
        final DirectBuffer frame, final int ip, final int end, final FrameView view, final int udpChecksum)
    {
        if (ip + IP_MIN_HEADER_LENGTH > end)
        {
            return FrameClass.TRUNCATED;
        }
        final int versionIhl = frame.getByte(ip + IP_VERSION_IHL_OFFSET) & 0xFF;
        final int ihl = (versionIhl & 0x0F) << 2;
        final int total = frame.getShort(ip + IP_TOTAL_LENGTH_OFFSET, NET) & 0xFFFF;
        if ((versionIhl >>> 4) != 4 || ihl < IP_MIN_HEADER_LENGTH || total < ihl)
        {
            return FrameClass.BAD_IP_HEADER;
        }
        if (ip + total > end) // also covers IP options running past the frame, since total >= ihl
        {
            return FrameClass.TRUNCATED;
        }
        view.ipHeaderLength = ihl;
        view.ipTotalLength = total;
        view.ttl = frame.getByte(ip + IP_TTL_OFFSET) & 0xFF;
        view.ipProtocol = frame.getByte(ip + IP_PROTOCOL_OFFSET) & 0xFF;
        view.srcIp = frame.getInt(ip + IP_SRC_OFFSET, NET);
        view.dstIp = frame.getInt(ip + IP_DST_OFFSET, NET);
        final int fragment = frame.getShort(ip + IP_FRAGMENT_OFFSET, NET) & 0xFFFF;
        view.ipId = frame.getShort(ip + IP_ID_OFFSET, NET) & 0xFFFF;
        view.fragmentOffset = (fragment & IP_FRAGMENT_OFFSET_MASK) << 3;
        view.moreFragments = (fragment & IP_FLAG_MORE_FRAGMENTS) != 0;
        if (view.ipProtocol != IP_PROTOCOL_UDP || view.fragmentOffset != 0)
        {
            // A later fragment: its ports are in the first, so it is ours only if its datagram is being reassembled.
            return FrameClass.OTHER;
        }

        final int udp = ip + ihl;
        view.l4Offset = udp;
        if (total - ihl < UDP_HEADER_LENGTH)
        {
            return FrameClass.BAD_UDP_LENGTH;
        }
        final int srcPort = frame.getShort(udp + UDP_SRC_PORT_OFFSET, NET) & 0xFFFF;
        final int dstPort = frame.getShort(udp + UDP_DST_PORT_OFFSET, NET) & 0xFFFF;
        final int udpLength = frame.getShort(udp + UDP_LENGTH_OFFSET, NET) & 0xFFFF;
        view.srcPort = srcPort;
        view.dstPort = dstPort;
        view.udpLength = udpLength;
        final boolean dhcp = dstPort == DHCP_SERVER_PORT || srcPort == DHCP_SERVER_PORT;
        if (view.moreFragments)
        {
            // The UDP length counts the whole datagram, not this fragment.
            if (!dhcp)
            {
                return FrameClass.OTHER;
            }
            if (Checksums.internetChecksum(frame, ip, ihl) != 0)
            {
                return FrameClass.BAD_IP_CHECKSUM;
            }
            // What this fragment carries of the payload: a DHCP class always comes with offsets inside the frame.
            view.payloadOffset = udp + UDP_HEADER_LENGTH;
            view.payloadLength = total - ihl - UDP_HEADER_LENGTH;
            return dstPort == DHCP_SERVER_PORT ? FrameClass.IP_FRAGMENT : FrameClass.SERVER_DHCP;
        }
        if (udpLength < UDP_HEADER_LENGTH || udpLength > total - ihl)
        {
            return FrameClass.BAD_UDP_LENGTH;
        }
        view.payloadOffset = udp + UDP_HEADER_LENGTH;
        view.payloadLength = udpLength - UDP_HEADER_LENGTH;
        if (!dhcp)
        {
            return FrameClass.OTHER;
        }
        if (Checksums.internetChecksum(frame, ip, ihl) != 0)
        {
            return FrameClass.BAD_IP_CHECKSUM;
        }
        if (dstPort != DHCP_SERVER_PORT)
        {
            return FrameClass.SERVER_DHCP;
        }
        return udpChecksumOk(frame, udp, udpLength, view, udpChecksum)
            ? FrameClass.CLIENT_DHCP
            : FrameClass.BAD_UDP_CHECKSUM;
    }

    private static boolean udpChecksumOk(
        final DirectBuffer frame, final int udp, final int udpLength, final FrameView view, final int policy)
    {
        switch (policy)
        {
            case UDP_CHECKSUM_NOT_CHECKED, UDP_CHECKSUM_VERIFIED :
                return true;
            case UDP_CHECKSUM_BAD :
                return false;
            default :
                break;
        }
        final int field = frame.getShort(udp + UDP_CHECKSUM_OFFSET, NET) & 0xFFFF;
        if (field == 0)
        {
            return true;
        }
        final long pseudo = Checksums.pseudoHeaderSum(view.srcIp, view.dstIp, IP_PROTOCOL_UDP, udpLength);
        if (Checksums.fold(Checksums.sum(frame, udp, udpLength, pseudo)) == 0xFFFF)
        {
            return true;
        }
        return policy == UDP_CHECKSUM_VERIFY_OR_PARTIAL && field == Checksums.fold(pseudo);
    }

    private static long mac(final DirectBuffer frame, final int at)
    {
        return ((long)(frame.getShort(at, NET) & 0xFFFF) << 32) | (frame.getInt(at + 2, NET) & 0xFFFF_FFFFL);
    }
}
