package io.dvmc.frame;

/**
 * What {@link FrameClassifier} read from a frame, reused for every frame (no allocation).
 * <pre>
 *  +----------+----------+--------------------+---------+-----------+--------------+---------+---------
 *  | dst (6)  | src (6)  | [TPID TCI] x 0..2  | type(2) | IPv4 hdr  | IPv4 options | UDP (8) | payload
 *  +----------+----------+--------------------+---------+-----------+--------------+---------+---------
 *  ^frameOffset                                          ^l3Offset   (ipHeaderLength)^l4Offset ^payloadOffset
 * </pre>
 * All offsets are indices into the buffer given to the classifier, not relative to the frame. Fields the
 * classifier did not reach (a non-IPv4 frame, an error) hold 0, or -1 for offsets.
 */
public final class FrameView
{
    int frameOffset;
    int frameLength;
    long dstMac;
    long srcMac;
    int vlanCount;
    int outerTpid;
    int outerTci;
    int innerTpid;
    int innerTci;
    int etherType;
    int l3Offset;
    int ipHeaderLength;
    int ipTotalLength;
    int ipProtocol;
    int ttl;
    int ipId;
    int fragmentOffset;
    boolean moreFragments;
    int srcIp;
    int dstIp;
    int l4Offset;
    int srcPort;
    int dstPort;
    int udpLength;
    int payloadOffset;
    int payloadLength;

    /**
     * @return buffer index of the first byte of the frame (destination MAC).
     */
    public int frameOffset()
    {
        return frameOffset;
    }

    /**
     * @return bytes in the frame as received.
     */
    public int frameLength()
    {
        return frameLength;
    }

    /**
     * @return destination MAC, low 48 bits.
     */
    public long dstMac()
    {
        return dstMac;
    }

    /**
     * @return source MAC, low 48 bits.
     */
    public long srcMac()
    {
        return srcMac;
    }

    /**
     * @return VLAN tags, 0..2.
     */
    public int vlanCount()
    {
        return vlanCount;
    }

    /**
     * @return TPID of the outer tag (0x8100, 0x88a8, 0x9100), 0 without tags.
     */
    public int outerTpid()
    {
        return outerTpid;
    }

    /**
     * @return TCI of the outer tag (PCP, DEI, VID), 0 without tags.
     */
    public int outerTci()
    {
        return outerTci;
    }

    /**
     * @return TPID of the inner tag, 0 with fewer than two tags.
     */
    public int innerTpid()
    {
        return innerTpid;
    }

    /**
     * @return TCI of the inner tag, 0 with fewer than two tags.
     */
    public int innerTci()
    {
        return innerTci;
    }

    /**
     * @return EtherType after the tags.
     */
    public int etherType()
    {
        return etherType;
    }

    /**
     * @return buffer index of the IPv4 header (end of the Ethernet header and tags).
     */
    public int l3Offset()
    {
        return l3Offset;
    }

    /**
     * @return IHL in bytes.
     */
    public int ipHeaderLength()
    {
        return ipHeaderLength;
    }

    /**
     * @return IPv4 total length.
     */
    public int ipTotalLength()
    {
        return ipTotalLength;
    }

    /**
     * @return IPv4 protocol.
     */
    public int ipProtocol()
    {
        return ipProtocol;
    }

    /**
     * @return IPv4 TTL.
     */
    public int ttl()
    {
        return ttl;
    }

    /**
     * @return IPv4 identification, which with source, destination and protocol names a datagram's fragments.
     */
    public int ipId()
    {
        return ipId;
    }

    /**
     * @return where this fragment's data starts in its datagram's payload, in bytes (0 for a first fragment or
     * an unfragmented datagram).
     */
    public int fragmentOffset()
    {
        return fragmentOffset;
    }

    /**
     * @return the IPv4 more-fragments flag.
     */
    public boolean moreFragments()
    {
        return moreFragments;
    }

    /**
     * @return whether the IPv4 datagram is a fragment (more fragments follow, or its data starts past 0).
     */
    public boolean isFragment()
    {
        return moreFragments || fragmentOffset != 0;
    }

    /**
     * @return IPv4 source, big-endian int.
     */
    public int srcIp()
    {
        return srcIp;
    }

    /**
     * @return IPv4 destination, big-endian int.
     */
    public int dstIp()
    {
        return dstIp;
    }

    /**
     * @return buffer index of the UDP header, -1 before IPv4 was parsed.
     */
    public int l4Offset()
    {
        return l4Offset;
    }

    /**
     * @return UDP source port.
     */
    public int srcPort()
    {
        return srcPort;
    }

    /**
     * @return UDP destination port.
     */
    public int dstPort()
    {
        return dstPort;
    }

    /**
     * @return UDP length (header included).
     */
    public int udpLength()
    {
        return udpLength;
    }

    /**
     * @return buffer index of the UDP payload, -1 unless the UDP header was valid.
     */
    public int payloadOffset()
    {
        return payloadOffset;
    }

    /**
     * @return UDP payload bytes, 0 unless the UDP header was valid.
     */
    public int payloadLength()
    {
        return payloadLength;
    }

    /**
     * @return bytes of Ethernet header and tags: 14, 18 or 22.
     */
    public int l2HeaderLength()
    {
        return l3Offset - frameOffset;
    }

    void reset(final int frameOffset, final int frameLength)
    {
        dstMac = 0L;
        srcMac = 0L;
        vlanCount = 0;
        outerTpid = 0;
        outerTci = 0;
        innerTpid = 0;
        innerTci = 0;
        etherType = 0;
        l3Offset = -1;
        ipHeaderLength = 0;
        ipTotalLength = 0;
        ipProtocol = 0;
        ttl = 0;
        ipId = 0;
        fragmentOffset = 0;
        moreFragments = false;
        srcIp = 0;
        dstIp = 0;
        l4Offset = -1;
        srcPort = 0;
        dstPort = 0;
        udpLength = 0;
        payloadOffset = -1;
        payloadLength = 0;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
    }
}
