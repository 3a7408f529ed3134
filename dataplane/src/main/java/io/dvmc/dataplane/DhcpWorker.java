package io.dvmc.dataplane;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.Arp;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.ipc.BindingMessage;
import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.LeaseChanges;
import io.dvmc.ipc.RingMessages;
import io.dvmc.ipc.StalledRingGuard;
import io.dvmc.ipc.TransmitMessage;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.port.Eal;
import io.dvmc.port.MbufBurst;
import io.dvmc.port.MbufPool;
import io.dvmc.port.Mbufs;
import io.dvmc.relay.RelayLinks;
import io.dvmc.relay.RelayedClient;
import io.dvmc.reply.RepeatedRequests;
import io.dvmc.reply.ReplyBuilder;
import io.dvmc.wake.SharedDoorbell;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The DHCP worker: takes the client frames the poll loop classified, checks the port binding, answers from
 * the shared lease store where it can (the fast path, rewriting the received mbuf in place), and hands the rest
 * to the agent over the {@code to-agent} ring. It also answers ARP for the domains' virtual server addresses, which
 * VMs unicast to when they renew. It also sends the frames the agent hands back, follows the
 * agent's store hand-over messages, and applies the binding changes the agent sends, on this thread, so that a
 * lookup needs no lock.
 *
 * <p>On a relay-facing port ({@link RelayLinks}) it answers relayed requests instead: the client is keyed by
 * (domain of its link, chaddr) with no binding, answered from the lease store where it can, else by the agent, and
 * the reply goes to the relay (giaddr, port 67). A VM port drops relayed requests: VMs are not relays.
 *
 * <p>With several lanes ({@code dataplane.lanes}) each lane has a worker of its own, with its own caches and its own
 * reader of the stores; lane 0's reads the agent's ring and passes what every lane must apply on ({@link LaneFeeds}).
 */
public final class DhcpWorker implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(DhcpWorker.class);

    private static final int LIMIT = 64;
    private static final int LIMITED_BROADCAST = 0xFFFF_FFFF;
    /** VMs whose RELEASE or DECLINE may still be on its way to the service; one per VM at most. */
    private static final int RELEASE_HOLDS = 4096;
    /** Reply templates per worker: a few per domain (option 55 sets, client id lengths) for hundreds of domains. */
    private static final int REPLY_TEMPLATES = 1024;

    /** Null when the poll loop calls the worker itself ({@link #onClassified}). */
    private final FrameQueue fromPoll;
    private FrameSink txQueue;
    private final RingBuffer toAgent;
    /** The agent's ring: its flush generation, and its messages unless this is a lane other than 0. */
    private final RingBuffer agentRing;
    /** Where this worker reads the agent's messages: the agent's ring, or (lanes other than 0) its lane's feed. */
    private RingBuffer fromAgent;
    /** This worker's lane; 0 unless the dataplane has several. */
    private int lane;
    /** Lane 0's, with several lanes: where it passes the agent's messages on. */
    private LaneFeeds feeds;
    private final PortBindings bindings;
    private final Queue<PortTable.PortEvent> portEvents;
    private final AtomicIntegerArray forward;
    private final AtomicReferenceArray<RelayLinks> relays;
    private final StoreAccess stores;
    private final MbufPool pool;
    private final DataplaneCounters counters;
    private final EpochClock clock;
    /** The clock read once per burst: a frame's lease decision is as good a millisecond or so late. */
    private long burstMs;

    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private final FrameView view = new FrameView();
    private final FrameClassifier classifier = new FrameClassifier();
    private final DhcpPacket dhcp = new DhcpPacket();
    private final LeaseRecord lease = new LeaseRecord();
    private final ReplyBuilder replies = ReplyBuilder.withTemplates(REPLY_TEMPLATES);
    private final RepeatedRequests repeats = new RepeatedRequests();
    private final TransmitMessage transmit = new TransmitMessage();
    private final BindingMessage binding = new BindingMessage();
    private ReleaseHolds releases = new ReleaseHolds(RELEASE_HOLDS);
    private final MbufBurst free = new MbufBurst(LIMIT);
    private final MbufBurst stash = new MbufBurst(PollLoop.BURST);
    private final FrameQueue.Consumer frameConsumer = this::onFrame;
    private final MessageHandler agentHandler = this::onAgentMessage;
    private final ControlledMessageHandler passingHandler = this::onAgentMessagePassedOn;
    private StalledRingGuard fromAgentGuard;
    private int freeCount;
    private int stashCount;
    private int offersInBurst;
    private int acksInBurst;
    private int tenantAcksInBurst;
    private int repeatsInBurst;
    private int relayedInBurst;
    private boolean syncing;
    /** Rung after a burst that wrote to the agent, which may sleep while its ring is empty; null for none. */
    private SharedDoorbell agentWake;
    private boolean agentWritten;

    public DhcpWorker(
        final FrameQueue fromPoll,
        final FrameSink txQueue,
        final RingBuffer toAgent,
        final RingBuffer fromAgent,
        final PortBindings bindings,
        final Queue<PortTable.PortEvent> portEvents,
        final AtomicIntegerArray forward,
        final StoreAccess stores,
        final MbufPool pool,
        final DataplaneCounters counters,
        final EpochClock clock)
    {
        this(fromPoll, txQueue, toAgent, fromAgent, bindings, portEvents, forward,
            new AtomicReferenceArray<>(PortTable.MAX_PORTS), stores, pool, counters, clock);
    }

    public DhcpWorker(
        final FrameQueue fromPoll,
        final FrameSink txQueue,
        final RingBuffer toAgent,
        final RingBuffer fromAgent,
        final PortBindings bindings,
        final Queue<PortTable.PortEvent> portEvents,
        final AtomicIntegerArray forward,
        final AtomicReferenceArray<RelayLinks> relays,
        final StoreAccess stores,
        final MbufPool pool,
        final DataplaneCounters counters,
        final EpochClock clock)
    {
        this.relays = relays;
        this.fromPoll = fromPoll;
        this.txQueue = txQueue;
        this.toAgent = toAgent;
        this.fromAgent = fromAgent;
        this.agentRing = fromAgent;
        this.bindings = bindings;
        repeats.reserve(bindings.slots());
        this.portEvents = portEvents;
        this.forward = forward;
        this.stores = stores;
        this.pool = pool;
        this.counters = counters;
        this.clock = clock;
        this.fromAgentGuard = new StalledRingGuard(fromAgent);
        counters.bindingsInForce.setRelease(bindings.size());
    }

    public String roleName()
    {
        return "dvmc-dhcp-worker";
    }

    /** Shares the VMs held off the fast path for their RELEASE, for the workers of every lane. */
    static ReleaseHolds sharedReleaseHolds()
    {
        return ReleaseHolds.shared(RELEASE_HOLDS);
    }

    /**
     * Makes this worker lane {@code lane}'s of those {@code feeds} joins, sharing {@code holds} with the others. Lane 0's
     * reads the agent's ring and passes every message but the agent's frames on to the other lanes; another lane's
     * reads its feed, and its stores say nothing to the agent (lane 0's say HELLO). Before the worker starts.
     */
    void servesLane(final int lane, final LaneFeeds feeds, final ReleaseHolds holds)
    {
        this.lane = lane;
        this.releases = holds;
        if (lane == 0)
        {
            this.feeds = feeds;
        }
        else
        {
            this.fromAgent = feeds.feed(lane);
            this.fromAgentGuard = null;
        }
    }

    /** Rings {@code doorbell} after each burst that wrote a request to the agent. */
    void wakeAgentWith(final SharedDoorbell doorbell)
    {
        this.agentWake = doorbell;
    }

    public void onStart()
    {
        try
        {
            // An lcore id gives this thread a mempool cache for the mbufs it allocates and frees.
            Eal.registerThread();
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("worker runs without a mempool cache: {}", ex.getMessage());
        }
        stores.hello(toAgent);
    }

    public int doWork()
    {
        final int fromAgentWork = startBurst();
        if (fromAgentWork == 0 && fromAgentGuard != null && fromAgentGuard.check() > 0)
        {
            counters.deadProducerSkipped.increment();
        }
        int work = fromAgentWork;
        if (fromPoll != null)
        {
            work += fromPoll.drain(frameConsumer, LIMIT);
            endBurst();
        }
        work += stores.doWork(toAgent);
        flushFree();
        return work;
    }

    /**
     * With {@code workers: 0} the poll loop hands the worker its frames itself: it classified them into
     * {@link #frameView()}, and the worker's replies go into the poll loop's tx bursts ({@code tx}).
     */
    void servedInline(final FrameSink tx)
    {
        this.txQueue = tx;
    }

    /** The view the worker reads frames through, which the poll loop classifies into when it calls the worker. */
    FrameView frameView()
    {
        return view;
    }

    /**
     * Before a burst of frames: the ports the poll thread attached (their frames may be in it), then what the agent
     * sent, a full flush it asked for and each LEASE_CHANGED, so no frame of the burst is answered from a lease the
     * agent wrote before the burst began.
     *
     * @return the port events and agent messages handled.
     */
    int startBurst()
    {
        burstMs = clock.time();
        final int events = portEvents.isEmpty() ? 0 : onPortEvents();
        if (stores.flushIfAsked(agentRing))
        {
            counters.leaseCacheFlushes.increment();
        }
        return events + (feeds == null
            ? fromAgent.read(agentHandler, LIMIT)
            : fromAgent.controlledRead(passingHandler, LIMIT));
    }

    /** After a burst: the frames it dropped freed in one call, its replies counted in one store each. */
    void endBurst()
    {
        flushFree();
        if (agentWritten)
        {
            agentWritten = false;
            if (agentWake != null && agentWake.ring())
            {
                counters.agentWakes.increment();
            }
        }
        if (offersInBurst > 0)
        {
            counters.fastPathOffers.getAndAdd(offersInBurst);
            offersInBurst = 0;
        }
        if (acksInBurst > 0)
        {
            counters.fastPathAcks.getAndAdd(acksInBurst);
            acksInBurst = 0;
        }
        if (tenantAcksInBurst > 0)
        {
            counters.fastPathTenantAcks.getAndAdd(tenantAcksInBurst);
            tenantAcksInBurst = 0;
        }
        if (repeatsInBurst > 0)
        {
            counters.fastPathRepeats.getAndAdd(repeatsInBurst);
            repeatsInBurst = 0;
        }
        if (relayedInBurst > 0)
        {
            counters.relayedRequests.getAndAdd(relayedInBurst);
            relayedInBurst = 0;
        }
    }

    public void onClose()
    {
        flushFree();
        if (stashCount > 0)
        {
            stash.freeAll(0, stashCount);
            stashCount = 0;
        }
        stores.close();
        if (agentWake != null)
        {
            agentWake.close();
        }
    }

    private void onFrame(final long mbuf, final int port)
    {
        frame.wrap(Mbufs.dataAddress(mbuf), Mbufs.capacity(mbuf));
        onClassified(mbuf, port, classifier.classify(frame, 0, Mbufs.dataLength(mbuf), view));
    }

    /**
     * A frame the poll loop sent here, classified into {@link #frameView()}: client DHCP, or ARP ({@code OTHER}).
     * Between {@link #startBurst()} and {@link #endBurst()}.
     */
    void onClassified(final long mbuf, final int port, final int frameClass)
    {
        final int length = Mbufs.dataLength(mbuf);
        final int capacity = Mbufs.capacity(mbuf);
        frame.wrap(Mbufs.dataAddress(mbuf), capacity);
        if (frameClass == FrameClass.OTHER)
        {
            answerArp(mbuf, port);
            return;
        }
        if (frameClass != FrameClass.CLIENT_DHCP)
        {
            counters.malformedDropped.increment();
            free(mbuf);
            return;
        }
        final RelayLinks relay = relays.getAcquire(port);
        if (relay != null)
        {
            onRelayed(mbuf, port, relay, length, capacity);
            return;
        }
        final long mac = view.srcMac();
        final int vlan = vlanId(view);
        final int slot = bindings.find(port, vlan, mac);
        if (view.dstIp() != LIMITED_BROADCAST && toAnotherServer(slot, view.dstIp()))
        {
            // Unicast to a server that is not the VM's domain's: not DHCP for dvmc (RFC 2131 §4.1, giaddr-less
            // unicast goes to the server it names), the VM's own traffic.
            counters.dhcpNotForUs.increment();
            forwardOther(mbuf, port, counters.otherDropped);
            return;
        }
        dhcp.wrap(frame, view.payloadOffset(), view.payloadLength());
        // The VM's last request again (a renewal every T1): what its option walk found still holds.
        final boolean repeated = repeats.repeats(slot, frame, view, capacity);
        if (!repeated && dhcp.validate() < 0)
        {
            counters.badDhcpDropped.increment();
            free(mbuf);
            return;
        }
        if (!repeated && dhcp.messageType() == DhcpMessageType.BOOTP && dhcp.length() < DhcpPacket.MIN_BOOTP_LENGTH)
        {
            // RFC 951 §3: a BOOTP message is at least 300 bytes (the 64-byte vend field); less is not a client's.
            counters.shortBootpDropped.increment();
            free(mbuf);
            return;
        }
        if (dhcp.giaddr() != 0 || view.srcPort() == FrameClassifier.DHCP_SERVER_PORT)
        {
            // A relay's request (RFC 2131 §4.1): relays are served on relay-facing ports, a VM is not one.
            counters.relayedOnVmPortDropped.increment();
            free(mbuf);
            return;
        }
        if (dhcp.chaddrMac() != mac)
        {
            // A client asking for another MAC's lease: port security, not a relay (no giaddr on a VM port).
            counters.chaddrMismatchDropped.increment();
            free(mbuf);
            return;
        }
        if (slot == PortBindings.NONE)
        {
            counters.unboundDropped.increment();
            free(mbuf);
            return;
        }
        serve(mbuf, port, vlan, bindings.domainId(slot), mac, bindings.vmMsb(slot), bindings.vmLsb(slot), length,
            capacity, false, slot, repeated);
    }

    /**
     * A request on a relay-facing port: relayed to this server (RFC 2131 §4.1: giaddr set, hops, from port 67),
     * by a relay whose option 82 the port accepts, from a link the port knows.
     */
    private void onRelayed(final long mbuf, final int port, final RelayLinks relay, final int length,
        final int capacity)
    {
        dhcp.wrap(frame, view.payloadOffset(), view.payloadLength());
        if (dhcp.validate() < 0)
        {
            counters.badDhcpDropped.increment();
            free(mbuf);
            return;
        }
        final int verdict = relay.check(dhcp, view.srcPort());
        if (verdict != RelayLinks.RELAYED && verdict != RelayLinks.ROUTED)
        {
            (verdict == RelayLinks.AGENT_REFUSED ? counters.relayAgentRefused : counters.relayNotRelayedDropped)
                .increment();
            free(mbuf);
            return;
        }
        final int domainId = relay.domainOf(dhcp);
        if (domainId == 0)
        {
            counters.relayNoLinkDropped.increment();
            free(mbuf);
            return;
        }
        final DomainRecord domain = stores.domain(domainId);
        if (!relay.addressedHere(view.dstIp()) && (domain == null || domain.serverIp() != view.dstIp()))
        {
            counters.dhcpNotForUs.increment();
            forwardOther(mbuf, port, counters.otherDropped);
            return;
        }
        relayedInBurst++;
        final long mac = dhcp.chaddrMac();
        serve(mbuf, port, vlanId(view), domainId, mac, RelayedClient.vmMsb(domainId), RelayedClient.vmLsb(mac),
            length, capacity, verdict == RelayLinks.ROUTED, RepeatedRequests.NONE, false);
    }

    /**
     * Answers from the lease store when it can, else hands the request to the agent.
     *
     * @param routed   whether the request came through a router: the reply goes back through it.
     * @param vm       the VM's binding slot, or {@link RepeatedRequests#NONE} (a relayed client).
     * @param repeated whether the request repeats the VM's last one ({@link RepeatedRequests}): not validated, its
     *                 options are walked only if something asks for them.
     */
    private void serve(final long mbuf, final int port, final int vlan, final int domainId, final long mac,
        final long vmMsb, final long vmLsb, final int length, final int capacity, final boolean routed, final int vm,
        final boolean repeated)
    {
        final long nowMs = burstMs;
        if (!releases.isHeld(domainId, mac, nowMs) &&
            fastPath(mbuf, port, domainId, mac, capacity, routed, vm, repeated))
        {
            return;
        }
        if (isRelease(dhcp.messageType()) && !releases.hold(domainId, mac, nowMs))
        {
            counters.releaseHoldsFull.increment();
            free(mbuf);
            return;
        }
        final int index = toAgent.tryClaim(RingMessages.DHCP_REQUEST, DhcpRequestMessage.FRAME_OFFSET + length);
        if (index < 0)
        {
            counters.agentRingFull.increment();
        }
        else
        {
            DhcpRequestMessage.write(toAgent.buffer(), index, port, vlan, domainId, vmMsb, vmLsb, nowMs, frame, 0,
                length);
            toAgent.commit(index);
            agentWritten = true;
            counters.slowPath.increment();
        }
        free(mbuf);
    }

    /**
     * Answers a VM asking for its domain's virtual server address; any other ARP frame takes the port's action for
     * other frames (forwarded or dropped).
     */
    private void answerArp(final long mbuf, final int port)
    {
        final RelayLinks relay = relays.getAcquire(port);
        if (relay != null)
        {
            // Relays unicast to the port's server address, which they resolve first.
            answerArp(mbuf, port, relay.serverIp(), relay.serverMac());
            return;
        }
        final int slot = bindings.find(port, vlanId(view), view.srcMac());
        final int domainId = slot == PortBindings.NONE ? 0 : bindings.domainId(slot);
        final int serverIp = slot == PortBindings.NONE ? 0 : stores.serverIp(domainId);
        answerArp(mbuf, port, serverIp, serverIp == 0 ? 0 : stores.serverMac(domainId));
    }

    /** Answers a request for {@code serverIp} (0: none) with {@code serverMac}; other ARP takes the port's action. */
    private void answerArp(final long mbuf, final int port, final int serverIp, final long serverMac)
    {
        if (serverIp == 0 || !Arp.isRequest(frame, view) || Arp.targetIp(frame, view) != serverIp)
        {
            forwardOther(mbuf, port, counters.arpIgnored);
            return;
        }
        Arp.answerInPlace(frame, view, serverMac, serverIp);
        if (txQueue.offer(mbuf, port))
        {
            counters.arpReplies.increment();
        }
        else
        {
            counters.txQueueFull.increment();
            free(mbuf);
        }
    }

    /**
     * @return whether {@code dstIp} is known not to be the virtual server (option 54) of the domain of a bound VM.
     * An unbound VM is dropped as such further on. A domain whose record this host has not got (stores closed for
     * a hand-over, a VM that migrated here with its lease) leaves the decision to the agent, which knows it.
     */
    private boolean toAnotherServer(final int slot, final int dstIp)
    {
        if (slot == PortBindings.NONE)
        {
            return false;
        }
        final DomainRecord domain = stores.domain(bindings.domainId(slot));
        return domain != null && domain.serverIp() != dstIp;
    }

    /**
     * A frame that is not for dvmc takes the port's action: forwarded to its peer, or freed and counted in
     * {@code dropped} (tx queue full: in {@code tx queue full dropped}).
     */
    private void forwardOther(final long mbuf, final int port, final AtomicCounter dropped)
    {
        final int to = forward.getAcquire(port);
        if (to >= 0 && txQueue.offer(mbuf, to))
        {
            counters.otherForwarded.increment();
            return;
        }
        (to < 0 ? dropped : counters.txQueueFull).increment();
        free(mbuf);
    }

    private boolean fastPath(final long mbuf, final int port, final int domainId, final long mac, final int capacity,
        final boolean routed, final int vm, final boolean repeated)
    {
        final DomainRecord domain;
        if (!stores.lease(domainId, mac, lease) || (domain = stores.domain(domainId)) == null)
        {
            return false;
        }
        final long nowMs = burstMs;
        final int grantSeconds = FastPath.leaseSeconds(lease, nowMs);
        final boolean relay = domain.isRelay();
        if (repeated && !relay)
        {
            final int type = FastPath.decide(repeats.messageType(vm), repeats.serverId(vm), repeats.requestedIp(vm),
                dhcp.ciaddr(), lease, domain.serverIp(), grantSeconds);
            if (type == FastPath.SLOW)
            {
                return false;
            }
            final int length = replies.buildRepeated(frame, view, dhcp, type, lease.ip(), grantSeconds, domain, routed,
                repeats, vm);
            if (length != RepeatedRequests.NONE)
            {
                repeatsInBurst++;
                return transmit(mbuf, port, length, type, false);
            }
            // Its template no longer holds (the domain changed): answered as a new request.
        }
        // A relay domain's VM is answered with its own tenant lease and options, from its lease record.
        final int type = relay
            ? FastPath.decideTenant(dhcp, lease, domain.serverIp(), grantSeconds, nowMs)
            : FastPath.decide(dhcp, lease, domain.serverIp(), grantSeconds);
        if (type == FastPath.SLOW)
        {
            return false;
        }
        final int length = relay
            ? replies.build(frame, capacity, view, dhcp, type, lease.ip(), grantSeconds, domain, lease.buffer(),
                lease.tenantOptionsIndex(), lease.tenantOptionsLength(), routed)
            : replies.build(frame, capacity, view, dhcp, type, lease.ip(), grantSeconds, domain, routed, repeats, vm);
        if (length < 0)
        {
            return false;
        }
        return transmit(mbuf, port, length, type, relay);
    }

    /** Sends a fast-path reply written over the request's mbuf; counted per burst. */
    private boolean transmit(final long mbuf, final int port, final int length, final int type, final boolean relay)
    {
        Mbufs.setLength(mbuf, length);
        if (!txQueue.offer(mbuf, port))
        {
            counters.txQueueFull.increment();
            free(mbuf);
            return true;
        }
        if (type == DhcpMessageType.OFFER)
        {
            offersInBurst++;
        }
        else
        {
            acksInBurst++;
        }
        if (relay)
        {
            tenantAcksInBurst++;
        }
        return true;
    }

    private static boolean isRelease(final int dhcpType)
    {
        return dhcpType == DhcpMessageType.RELEASE || dhcpType == DhcpMessageType.DECLINE;
    }

    private static int vlanId(final FrameView view)
    {
        // The VM's own VLAN is the innermost tag.
        return switch (view.vlanCount())
        {
            case 0 -> 0;
            case 1 -> view.outerTci() & 0xFFF;
            default -> view.innerTci() & 0xFFF;
        };
    }

    private void onAgentMessage(final int type, final DirectBuffer buffer, final int index, final int length)
    {
        switch (type)
        {
            case RingMessages.TRANSMIT -> transmit(buffer, index, length);
            case RingMessages.STORE_YIELD -> stores.onYield(toAgent);
            case RingMessages.STORE_READY -> stores.onReady();
            case RingMessages.DOMAIN_CHANGED -> stores.onDomainChanged(buffer.getInt(index));
            case RingMessages.LEASE_CHANGED -> onLeaseChanged(buffer, index, length);
            case RingMessages.BINDING_ADD, RingMessages.BINDING_REMOVE -> onBinding(type, buffer, index, length);
            case RingMessages.BINDINGS_SYNC_START -> onSyncStart();
            case RingMessages.BINDINGS_SYNC_END -> onSyncEnd();
            default -> counters.badAgentMessages.increment();
        }
    }

    /**
     * Lane 0's, with several lanes: a message is taken from the agent's ring only when every lane can have it, and
     * the agent's frame only once every lane has applied what came before it ({@link LaneFeeds}); else it waits in
     * the ring for the next duty cycle.
     */
    private ControlledMessageHandler.Action onAgentMessagePassedOn(final int type, final DirectBuffer buffer,
        final int index, final int length)
    {
        final boolean frame = type == RingMessages.TRANSMIT;
        if (frame ? !feeds.drained() : !feeds.roomFor(length))
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        onAgentMessage(type, buffer, index, length);
        if (!frame)
        {
            feeds.pass(type, buffer, index, length);
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }

    private void onLeaseChanged(final DirectBuffer buffer, final int index, final int length)
    {
        if (length < LeaseChanges.LENGTH)
        {
            counters.badAgentMessages.increment();
            return;
        }
        stores.onLeaseChanged(LeaseChanges.domainId(buffer, index), LeaseChanges.mac(buffer, index));
    }

    /**
     * A binding the agent added, replaced or removed. From the next frame on, the VM is answered, or dropped as
     * unbound; the agent removes a removed VM's host leases itself.
     */
    private void onBinding(final int type, final DirectBuffer buffer, final int index, final int length)
    {
        binding.wrap(buffer, index, length);
        if (!binding.valid())
        {
            counters.badAgentMessages.increment();
            return;
        }
        final String port = binding.portName();
        final String change;
        if (type == RingMessages.BINDING_REMOVE)
        {
            change = bindings.remove(binding.vlan(), binding.mac()) ? "removed" : null;
        }
        else
        {
            change = bindings.put(port, binding.vlan(), binding.mac(), binding.domainId(), binding.vmMsb(),
                binding.vmLsb()) ? "in force" : "waits for its port to be attached";
            repeats.reserve(bindings.slots());
        }
        if (change != null && lane == 0)
        {
            // Lane 0's count and log speak for every lane: each applies the same messages.
            counters.bindingChanges.increment();
            counters.bindingsInForce.setRelease(bindings.size());
            if (!syncing)
            {
                LOG.info("binding of {} vlan {} on port {} (domain {}) {}", Addresses.mac(binding.mac()),
                    binding.vlan(),
                    port, Integer.toUnsignedString(binding.domainId()), change);
            }
        }
    }

    /** Ports attached or detached by the poll thread: the bindings naming them follow. */
    private int onPortEvents()
    {
        int events = 0;
        for (PortTable.PortEvent event = portEvents.poll(); event != null; event = portEvents.poll())
        {
            if (event.slot() == PortBindings.NONE)
            {
                bindings.portDetached(event.name());
            }
            else
            {
                bindings.portAttached(event.name(), event.slot());
            }
            events++;
        }
        return events;
    }

    /** The agent's complete set follows (it started, or this dataplane did). */
    private void onSyncStart()
    {
        syncing = true;
        bindings.startSync();
    }

    private void onSyncEnd()
    {
        syncing = false;
        final int removed = bindings.endSync();
        if (lane != 0)
        {
            return;
        }
        counters.bindingChanges.getAndAdd(removed);
        counters.bindingsInForce.setRelease(bindings.size());
        LOG.info("the agent's bindings are in force: {} binding(s), {} it no longer has removed", bindings.size(),
            removed);
    }

    private void transmit(final DirectBuffer buffer, final int index, final int recordLength)
    {
        transmit.wrap(buffer, index);
        if (!transmit.fitsRecord(recordLength))
        {
            // Sending it would copy the ring's next records (or stale bytes) onto the wire.
            counters.badAgentMessages.increment();
            return;
        }
        final int length = transmit.frameLength();
        if (stashCount == 0)
        {
            if (!stash.allocBulk(pool, PollLoop.BURST))
            {
                counters.mbufAllocFailed.increment();
                return;
            }
            stashCount = PollLoop.BURST;
        }
        final long mbuf = stash.mbuf(--stashCount);
        if (length > Mbufs.capacity(mbuf))
        {
            counters.txFailed.increment();
            free(mbuf);
            return;
        }
        frame.wrap(Mbufs.dataAddress(mbuf), length);
        frame.putBytes(0, buffer, transmit.frameOffset(), length);
        Mbufs.setLength(mbuf, length);
        counters.agentFrames.increment();
        if (!txQueue.offer(mbuf, transmit.port()))
        {
            counters.txQueueFull.increment();
            free(mbuf);
        }
    }

    private void free(final long mbuf)
    {
        if (freeCount == LIMIT)
        {
            flushFree();
        }
        free.set(freeCount++, mbuf);
    }

    private void flushFree()
    {
        if (freeCount > 0)
        {
            free.freeAll(0, freeCount);
            freeCount = 0;
        }
    }
}
