package io.dvmc.frame;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;

/**
 * Where a DHCP reply goes, per RFC 2131 §4.1, held in a reusable instance:
 * <pre>
 *  giaddr != 0                 -> the relay: giaddr, port 67, the MAC the request came from
 *  NAK (giaddr 0)              -> broadcast 255.255.255.255 / ff:ff:ff:ff:ff:ff
 *  ciaddr != 0 (RENEW/REBIND)  -> unicast ciaddr / chaddr
 *  broadcast bit set           -> broadcast
 *  otherwise                   -> unicast yiaddr / chaddr (the client has no address yet: no ARP, chaddr is known)
 * </pre>
 * A request routed to the server (a client behind a relay renewing by unicast, RFC 2131 §4.4.5) is answered
 * through the router it came from: the unicast replies go to the request's source MAC, not chaddr.
 * Resolve before writing the reply over the request: it reads the request.
 */
public final class ReplyAddressing
{
    public static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;
    public static final int BROADCAST_IP = 0xFFFF_FFFF;

    private long dstMac;
    private int dstIp;
    private int dstPort;

    /**
     * @param request       the request (validated).
     * @param replyType     the {@link DhcpMessageType} of the reply.
     * @param yiaddr        the address offered or acknowledged.
     * @param requestSrcMac source MAC of the frame that carried the request (a relay's MAC when giaddr is set).
     * @param into          holder to fill.
     * @return into.
     */
    public static ReplyAddressing resolve(
        final DhcpPacket request, final int replyType, final int yiaddr, final long requestSrcMac,
        final ReplyAddressing into)
    {
        return resolve(request, replyType, yiaddr, requestSrcMac, false, into);
    }

    /**
     * As {@link #resolve(DhcpPacket, int, int, long, ReplyAddressing)}.
     *
     * @param routed whether the request came through a router rather than from the client's own link.
     */
    public static ReplyAddressing resolve(
        final DhcpPacket request, final int replyType, final int yiaddr, final long requestSrcMac,
        final boolean routed, final ReplyAddressing into)
    {
        final int giaddr = request.giaddr();
        if (giaddr != 0)
        {
            return into.set(requestSrcMac, giaddr, FrameClassifier.DHCP_SERVER_PORT);
        }
        final int ciaddr = request.ciaddr();
        if (replyType == DhcpMessageType.NAK)
        {
            return into.set(BROADCAST_MAC, BROADCAST_IP, FrameClassifier.DHCP_CLIENT_PORT);
        }
        if (ciaddr != 0)
        {
            return into.set(routed ? requestSrcMac : request.chaddrMac(), ciaddr, FrameClassifier.DHCP_CLIENT_PORT);
        }
        if (request.isBroadcast())
        {
            return into.set(BROADCAST_MAC, BROADCAST_IP, FrameClassifier.DHCP_CLIENT_PORT);
        }
        return into.set(routed ? requestSrcMac : request.chaddrMac(), yiaddr, FrameClassifier.DHCP_CLIENT_PORT);
    }

    public long dstMac()
    {
        return dstMac;
    }

    public int dstIp()
    {
        return dstIp;
    }

    /**
     * @return 68 to a client, 67 to a relay.
     */
    public int dstPort()
    {
        return dstPort;
    }

    public boolean isBroadcast()
    {
        return dstIp == BROADCAST_IP;
    }

    private ReplyAddressing set(final long dstMac, final int dstIp, final int dstPort)
    {
        this.dstMac = dstMac;
        this.dstIp = dstIp;
        this.dstPort = dstPort;
        return this;
    }
}
