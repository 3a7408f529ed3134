package io.dvmc.reply;

import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.DhcpReplyWriter;
import io.dvmc.frame.FrameView;
import io.dvmc.frame.FrameWriter;
import io.dvmc.frame.ReplyAddressing;
import io.dvmc.lease.DomainRecord;
import org.agrona.MutableDirectBuffer;

/**
 * Turns a client's DHCP frame into the domain's virtual server's reply, in place: the DHCP reply over the request's
 * payload, then Ethernet (keeping the request's VLAN tags), IPv4 and UDP headers addressed per RFC 2131 §4.1.
 * The dataplane's fast path runs it over the received mbuf and the agent over its copy of the frame, so both
 * paths answer a VM with the same bytes.
 */
public final class ReplyBuilder
{
    private static final int SERVER_PORT = 67;

    private final DhcpReplyWriter dhcpWriter = new DhcpReplyWriter();
    private final FrameWriter frameWriter = new FrameWriter();
    private final ReplyAddressing addressing = new ReplyAddressing();

    /**
     * @param frame    the request frame at index 0, writable up to {@code capacity}.
     * @param view     the request's headers, from the classifier.
     * @param request  the request's DHCP payload.
     * @param type     the DHCP message type of the reply (OFFER, ACK, NAK).
     * @param domain   the domain's virtual server (address, MAC) and option TLVs.
     * @return the reply's frame length, or a negative error code (the request is then unusable).
     */
    public int build(
        final MutableDirectBuffer frame,
        final int capacity,
        final FrameView view,
        final DhcpPacket request,
        final int type,
        final int yiaddr,
        final int leaseSeconds,
        final DomainRecord domain)
    {
        return build(frame, capacity, view, request, type, yiaddr, leaseSeconds, domain, false);
    }

    /**
     * As {@link #build(MutableDirectBuffer, int, FrameView, DhcpPacket, int, int, int, DomainRecord)}.
     *
     * @param routed whether the request came through a router ({@link ReplyAddressing}).
     */
    public int build(
        final MutableDirectBuffer frame,
        final int capacity,
        final FrameView view,
        final DhcpPacket request,
        final int type,
        final int yiaddr,
        final int leaseSeconds,
        final DomainRecord domain,
        final boolean routed)
    {
        ReplyAddressing.resolve(request, type, yiaddr, view.srcMac(), routed, addressing);
        final int payloadOffset = FrameWriter.replyPayloadOffset(view);
        final int dhcpLength = dhcpWriter.write(request, type, yiaddr, domain.serverIp(), leaseSeconds,
            domain.buffer(), domain.optionsIndex(), domain.optionsLength(), frame, payloadOffset,
            capacity - payloadOffset);
        if (dhcpLength < 0)
        {
            return dhcpLength;
        }
        return frameWriter.writeUdpReply(frame, 0, view, domain.serverMac(), addressing.dstMac(), domain.serverIp(),
            addressing.dstIp(), SERVER_PORT, addressing.dstPort(), dhcpLength);
    }
}
