package io.dvmc.reply;

import java.nio.ByteBuffer;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.DhcpReplyWriter;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.frame.FrameWriter;
import io.dvmc.frame.ReplyAddressing;
import io.dvmc.lease.DomainRecord;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Turns a client's DHCP frame into the domain's virtual server's reply, in place: the DHCP reply over the request's
 * payload, then Ethernet (keeping the request's VLAN tags), IPv4 and UDP headers addressed per RFC 2131 §4.1.
 * The dataplane's fast path runs it over the received mbuf and the agent over its copy of the frame, so both
 * paths answer a VM with the same bytes.
 * <p>
 * {@link #withTemplates} answers OFFERs and ACKs from reply templates ({@link ReplyImage}): the first request of a
 * {@link TemplateKey} (domain version, option 55, lease kind, client id length, size limit) is answered by the
 * reference writer and its reply kept; later ones copy it and patch what differs, with incremental checksums. The
 * key holds the domain's version, checksum and write time, so a domain record must be sealed after every change,
 * as the stores keep it; a changed domain is never answered from a template of its old record.
 */
public final class ReplyBuilder
{
    private static final int SERVER_PORT = 67;
    private static final int HEADERS = FrameWriter.IP_HEADER_LENGTH + FrameWriter.UDP_HEADER_LENGTH;
    /** From {@link #learn}: a reply that cannot be a template, answered by the reference writer. */
    private static final int UNTEMPLATED = Integer.MIN_VALUE;

    private final DhcpReplyWriter dhcpWriter = new DhcpReplyWriter();
    private final FrameWriter frameWriter = new FrameWriter();
    private final ReplyAddressing addressing = new ReplyAddressing();
    private final ReplyTemplates templates;
    private final TemplateKey key;
    private final UnsafeBuffer scratch;
    private final UnsafeBuffer clientId;

    /** The reference builder: every reply written afresh. */
    public ReplyBuilder()
    {
        this(0);
    }

    private ReplyBuilder(final int templateCapacity)
    {
        final boolean cached = templateCapacity > 0;
        templates = cached ? new ReplyTemplates(templateCapacity) : null;
        key = cached ? new TemplateKey() : null;
        scratch = cached
            ? new UnsafeBuffer(ByteBuffer.allocateDirect(
                FrameClassifier.ETHERNET_HEADER_LENGTH + 2 * FrameClassifier.VLAN_TAG_LENGTH +
                    ReplyTemplates.IMAGE_CAPACITY))
            : null;
        clientId = cached ? new UnsafeBuffer(new byte[DhcpPacket.MAX_CLIENT_ID_LENGTH]) : null;
    }

    /**
     * @param capacity how many templates to keep (rounded up to a power of two); the least recently used goes.
     * @return a builder that answers OFFERs and ACKs from templates; every other reply as {@link #ReplyBuilder()}.
     */
    public static ReplyBuilder withTemplates(final int capacity)
    {
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("template capacity " + capacity);
        }
        return new ReplyBuilder(capacity);
    }

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
        return build(frame, capacity, view, request, type, yiaddr, leaseSeconds, domain, routed, null,
            RepeatedRequests.NONE);
    }

    /**
     * As {@link #build(MutableDirectBuffer, int, FrameView, DhcpPacket, int, int, int, DomainRecord, boolean)}; a
     * request answered from a template is kept in {@code repeats} for {@code vm}, so that the VM's next request,
     * if it repeats this one, is answered by {@link #buildRepeated}.
     *
     * @param repeats this builder's own (its template slots are this builder's), or null.
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
        final boolean routed,
        final RepeatedRequests repeats,
        final int vm)
    {
        ReplyAddressing.resolve(request, type, yiaddr, view.srcMac(), routed, addressing);
        if (templates != null && isTemplated(view, request, type))
        {
            return fromTemplate(frame, capacity, view, request, type, yiaddr, leaseSeconds, domain, repeats, vm);
        }
        return reference(frame, capacity, view, request, type, yiaddr, leaseSeconds, domain);
    }

    /**
     * Answers a request that {@link RepeatedRequests#repeats} the one kept for {@code vm}, from that request's
     * template: what the option walk, the template key and the template lookup found for it holds for this one.
     * Nothing of {@code request} is read but its fixed fields, so it need not have been validated.
     *
     * @param request the request, wrapped; its options are not walked.
     * @param type    the reply's type, decided from what {@code repeats} kept and the lease.
     * @param routed  as for {@link #build}.
     * @return the reply's frame length; or {@link RepeatedRequests#NONE} if the template no longer holds (the
     * domain changed, the lease's kind changed, the template was evicted): the request is then answered by
     * {@link #build} as a new one, and nothing was written.
     */
    public int buildRepeated(
        final MutableDirectBuffer frame,
        final FrameView view,
        final DhcpPacket request,
        final int type,
        final int yiaddr,
        final int leaseSeconds,
        final DomainRecord domain,
        final boolean routed,
        final RepeatedRequests repeats,
        final int vm)
    {
        final int slot = repeats.template(vm);
        final long[] key = repeats.keys();
        final int at = RepeatedRequests.keyAt(vm);
        if (templates == null || !TemplateKey.holds(key, at, domain, type, leaseSeconds) ||
            !templates.holds(slot, key, at) || !fits(frame, view, slot))
        {
            return RepeatedRequests.NONE;
        }
        ReplyAddressing.resolve(request, type, yiaddr, view.srcMac(), routed, addressing);
        return write(frame, view, slot, request, request.buffer(), request.offset() + repeats.clientIdAt(vm),
            repeats.clientIdLength(vm), type, yiaddr, leaseSeconds, domain);
    }

    /**
     * A reply with the options of one VM ({@code options} from {@code optionsIndex}, {@code optionsLength} bytes)
     * instead of the domain's: a relay domain's VM, answered with its tenant server's options. Written afresh, never
     * from a template (they are per domain); the domain still gives the virtual server's address and MAC.
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
        final DirectBuffer options,
        final int optionsIndex,
        final int optionsLength,
        final boolean routed)
    {
        ReplyAddressing.resolve(request, type, yiaddr, view.srcMac(), routed, addressing);
        return reference(frame, capacity, view, request, type, yiaddr, leaseSeconds, domain, options, optionsIndex,
            optionsLength);
    }

    /** Templates built so far: one per key first seen, or seen again after its template was evicted. */
    public long templatesBuilt()
    {
        return templates == null ? 0 : templates.misses();
    }

    private int reference(
        final MutableDirectBuffer frame,
        final int capacity,
        final FrameView view,
        final DhcpPacket request,
        final int type,
        final int yiaddr,
        final int leaseSeconds,
        final DomainRecord domain)
    {
        return reference(frame, capacity, view, request, type, yiaddr, leaseSeconds, domain, domain.buffer(),
            domain.optionsIndex(), domain.optionsLength());
    }

    private int reference(
        final MutableDirectBuffer frame,
        final int capacity,
        final FrameView view,
        final DhcpPacket request,
        final int type,
        final int yiaddr,
        final int leaseSeconds,
        final DomainRecord domain,
        final DirectBuffer options,
        final int optionsIndex,
        final int optionsLength)
    {
        final int payloadOffset = FrameWriter.replyPayloadOffset(view);
        final int dhcpLength = dhcpWriter.write(request, type, yiaddr, domain.serverIp(), leaseSeconds,
            options, optionsIndex, optionsLength, frame, payloadOffset, capacity - payloadOffset);
        if (dhcpLength < 0)
        {
            return dhcpLength;
        }
        return frameWriter.writeUdpReply(frame, 0, view, domain.serverMac(), addressing.dstMac(), domain.serverIp(),
            addressing.dstIp(), SERVER_PORT, addressing.dstPort(), dhcpLength);
    }

    // OFFER and ACK (not to INFORM) to a well-formed request whose headers start at 0 and that no relay sent (its
    // option 82 is echoed, different per relay); the rest is rare.
    private static boolean isTemplated(final FrameView view, final DhcpPacket request, final int type)
    {
        return (type == DhcpMessageType.OFFER || type == DhcpMessageType.ACK) && request.giaddr() == 0 &&
            request.length() >= DhcpPacket.FIXED_LENGTH && request.op() == DhcpPacket.BOOTREQUEST &&
            request.messageType() != DhcpMessageType.INFORM &&
            view.l3Offset() == FrameClassifier.ETHERNET_HEADER_LENGTH +
                view.vlanCount() * FrameClassifier.VLAN_TAG_LENGTH;
    }

    private int fromTemplate(
        final MutableDirectBuffer frame,
        final int capacity,
        final FrameView view,
        final DhcpPacket request,
        final int type,
        final int yiaddr,
        final int leaseSeconds,
        final DomainRecord domain,
        final RepeatedRequests repeats,
        final int vm)
    {
        final int ip = view.l3Offset();
        final int limit = Math.min(capacity - (ip + HEADERS), DhcpReplyWriter.replyLimit(request.maxMessageSize()));
        key.capture(request, type, leaseSeconds, limit, domain);
        int slot = templates.find(key);
        if (slot < 0)
        {
            slot = learn(view, request, type, yiaddr, leaseSeconds, domain, limit);
            if (slot < 0)
            {
                return slot == UNTEMPLATED
                    ? reference(frame, capacity, view, request, type, yiaddr, leaseSeconds, domain)
                    : slot;
            }
        }
        if (!fits(frame, view, slot))
        {
            return FrameWriter.BAD_LENGTH;
        }
        if (repeats != null)
        {
            repeats.keep(vm, request, view, capacity, slot, key);
        }
        return write(frame, view, slot, request, request.optionBuffer(DhcpOption.CLIENT_ID), request.clientIdOffset(),
            request.clientIdLength(), type, yiaddr, leaseSeconds, domain);
    }

    /** Whether the template in {@code slot} fits the frame's buffer after the request's headers. */
    private boolean fits(final MutableDirectBuffer frame, final FrameView view, final int slot)
    {
        return view.l3Offset() + templates.field(slot, ReplyTemplates.LENGTH) <= frame.capacity();
    }

    /**
     * Writes the reply from the template in {@code slot} over the request, addressed as {@link #addressing} says.
     *
     * @return the reply's frame length.
     */
    private int write(
        final MutableDirectBuffer frame,
        final FrameView view,
        final int slot,
        final DhcpPacket request,
        final DirectBuffer clientIdIn,
        final int clientIdAt,
        final int clientIdLength,
        final int type,
        final int yiaddr,
        final int leaseSeconds,
        final DomainRecord domain)
    {
        final int ip = view.l3Offset();
        FrameWriter.writeEthernet(frame, 0, view, domain.serverMac(), addressing.dstMac());
        return ip + ReplyImage.write(templates, slot, frame, ip, request.buffer(), request.offset(), clientIdIn,
            clientIdAt, clientIdLength, type == DhcpMessageType.ACK, yiaddr, leaseSeconds, addressing.dstIp(),
            addressing.dstPort(), clientId);
    }

    /**
     * Builds the key's template from this request's reference reply, written in scratch memory.
     *
     * @return the slot; {@link #UNTEMPLATED}; or the reference's negative error, for a request it refuses.
     */
    private int learn(
        final FrameView view,
        final DhcpPacket request,
        final int type,
        final int yiaddr,
        final int leaseSeconds,
        final DomainRecord domain,
        final int limit)
    {
        final int payloadOffset = FrameWriter.replyPayloadOffset(view);
        final int dhcpLength = dhcpWriter.write(request, type, yiaddr, domain.serverIp(), leaseSeconds,
            domain.buffer(), domain.optionsIndex(), domain.optionsLength(), scratch, payloadOffset,
            Math.min(limit, TemplateKey.LIMIT_CLAMP));
        if (dhcpLength < 0)
        {
            return dhcpLength;
        }
        final int length = frameWriter.writeUdpReply(scratch, 0, view, domain.serverMac(), addressing.dstMac(),
            domain.serverIp(), addressing.dstIp(), SERVER_PORT, addressing.dstPort(), dhcpLength);
        if (length < 0)
        {
            return UNTEMPLATED;
        }
        final int slot = templates.claim(key);
        return ReplyImage.learn(templates, slot, scratch, view.l3Offset(), key) ? slot : UNTEMPLATED;
    }
}
