package io.dvmc.agent;

import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.OptionCopy;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.RingMessages;
import io.dvmc.ipc.StalledRingGuard;
import io.dvmc.ipc.TransmitMessage;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.HostLease;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.policy.Domain;
import io.dvmc.policy.PolicyStore;
import io.dvmc.relay.RelayedClient;
import io.dvmc.reply.ReplyBuilder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;

/**
 * The host agent's duty cycle (patent FIG. 4): takes the VM requests the dataplane could not answer, finds the
 * domain's service ({@link ServiceLocator}), runs the unicast DVMC exchange with it ({@link DvmcClient}), writes
 * the outcome to the shared stores, and hands the standard DHCP reply back to the dataplane.
 *
 * <p>A VM DISCOVER becomes a DVMC DISCOVER and the service's OFFER a DHCPOFFER; a VM REQUEST becomes a DVMC
 * REQUEST and the service's ACK is written to the lease store as BOUND <em>before</em> the DHCPACK goes out, so
 * no acknowledged lease exists only in flight. RELEASE and DECLINE are passed on and remove the host's lease;
 * INFORM is answered with the domain's options only. A BOOTREQUEST (no option 53) becomes a DVMC BOOTP, which the
 * service answers with an ACK of a bound address, written to the lease store (its VM lease infinite) before the
 * BOOTREPLY goes out; a NAK to it is silence, as a BOOTP client knows of no NAK.
 *
 * <p>A NAK reaches the VM as a DHCPNAK only when it says the address is wrong for the VM (RFC 2131 §4.3.2,
 * {@link DvmcStatus#isAddressFault}); every other NAK is silence toward the VM, which retransmits, and a counted,
 * logged cause for the operator; a fault of the service itself also moves the domain to its next service. The host
 * leases of bound VMs are refreshed in the background ({@link LeaseRefresher}), and no VM is granted more than the
 * host lease has left ({@link HostLease}).
 */
public final class HostAgent implements Agent, DvmcClient.Listener
{
    private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);
    private static final int LIMIT = 64;
    private static final long SWEEP_INTERVAL_MS = 10_000;
    /** A full store is swept this often: each sweep walks the whole store, which stops the agent meanwhile. */
    private static final long FULL_SWEEP_INTERVAL_MS = 1_000;
    /** How long one step of a sweep may hold the agent's thread (at least one segment is walked). */
    private static final long SWEEP_STEP_NANOS = 200_000;
    private static final long POLICY_FIGURES_INTERVAL_MS = 1_000;
    /** How long an offer is noted in the host store; the service holds it for its own offer hold. */
    private static final long OFFER_NOTE_MS = 60_000;
    private static final long NAK_LOG_INTERVAL_MS = 10_000;
    /**
     * A request older than this was queued for an agent that has since died, or that lags: an RFC 2131 §4.1
     * client retransmits 3 to 5 s after its first try, so it has already sent the request again. The dataplane's
     * hold of a VM that sent RELEASE or DECLINE lasts as long ({@link DhcpRequestMessage#MAX_AGE_MS}).
     */
    static final long STALE_REQUEST_MS = DhcpRequestMessage.MAX_AGE_MS;
    /**
     * A VM's retransmission of a request whose exchange started longer ago than this starts the exchange anew,
     * rather than wait for it: the agent's own tries end at 0.6 s ({@link ServiceLocator#FAILOVER_RETRY}), and a
     * service that restarted since hears nothing more of the old one until it times out.
     */
    static final long RESEND_AFTER_MS = 500;

    private final RingBuffer fromDataplane;
    private final RingBuffer toDataplane;
    private final HostStores stores;
    private final ServiceLocator locator;
    private final PolicyStore policy;
    private final AgentCounters counters;
    private final EpochClock clock;
    private final Exchanges exchanges;
    private final LeaseRefresher refresher;
    private final OptionsRefresh optionsRefresh;
    private final NakLog nakLog = new NakLog(NAK_LOG_INTERVAL_MS);
    private DvmcClient client;
    private BindingPublisher bindings;
    private HostLeaseRequests leaseRequests;
    private long nextSweepMs;
    private long nextPolicyFiguresMs;
    private long lastSweepMs;
    private long nextSweepStepMs;
    private long nowMs;

    private final DhcpRequestMessage request = new DhcpRequestMessage();
    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView view = new FrameView();
    private final DhcpPacket dhcp = new DhcpPacket();
    /**
     * Field 225 of a VM's request: its client identifier (61), host name (12) and FQDN (81), each one option TLV;
     * in a relay domain the VM's options as it sent them, which the relay passes on to the tenant's server.
     */
    private final UnsafeBuffer vmOptions = new UnsafeBuffer(new byte[DvmcMessage.MAX_CONFIG_LENGTH]);
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private final ReplyBuilder replies = new ReplyBuilder();
    private final LeaseRecord lease = new LeaseRecord();
    private final LeaseRecord current = new LeaseRecord();
    private final DomainRecord domain = new DomainRecord();
    private final DomainRecord stored = new DomainRecord();
    private final MessageHandler ringHandler = this::onRingMessage;
    private final StalledRingGuard fromDataplaneGuard;
    private final RequestLimits limits;
    private final ExchangeLatency latency = new ExchangeLatency();

    public HostAgent(
        final RingBuffer fromDataplane,
        final RingBuffer toDataplane,
        final HostStores stores,
        final ServiceLocator locator,
        final PolicyStore policy,
        final AgentCounters counters,
        final EpochClock clock,
        final int maxExchanges)
    {
        this(fromDataplane, toDataplane, stores, locator, policy, counters, clock, maxExchanges,
            new RequestLimits(HostConfig.Limits.DEFAULT, SystemNanoClock.INSTANCE));
    }

    HostAgent(
        final RingBuffer fromDataplane,
        final RingBuffer toDataplane,
        final HostStores stores,
        final ServiceLocator locator,
        final PolicyStore policy,
        final AgentCounters counters,
        final EpochClock clock,
        final int maxExchanges,
        final RequestLimits limits)
    {
        this.limits = limits;
        this.fromDataplane = fromDataplane;
        this.toDataplane = toDataplane;
        this.stores = stores;
        this.locator = locator;
        this.policy = policy;
        this.counters = counters;
        this.clock = clock;
        this.exchanges = new Exchanges(maxExchanges);
        this.refresher = new LeaseRefresher(stores, exchanges, locator, counters, Math.max(1, maxExchanges / 4));
        this.optionsRefresh = new OptionsRefresh(policy, stores, exchanges, locator, counters);
        this.fromDataplaneGuard = new StalledRingGuard(fromDataplane);
    }

    /** How long this agent's DVMC exchanges take, for the metrics endpoint. */
    public ExchangeLatency latency()
    {
        return latency;
    }

    /** The client takes this agent as its listener, so it is attached after construction. */
    public void client(final DvmcClient client)
    {
        this.client = client;
    }

    /** Told when a dataplane says HELLO, so that it gets the host's complete set of bindings. */
    public void bindings(final BindingPublisher bindings)
    {
        this.bindings = bindings;
    }

    /** Takes the operator's requests about host leases from the host's state directory. */
    public void leaseRequests(final java.nio.file.Path stateDir)
    {
        this.leaseRequests = new HostLeaseRequests(stateDir, stores);
    }

    public String roleName()
    {
        return "dvmc-agent";
    }

    public int doWork()
    {
        final long now = clock.time();
        nowMs = now;
        int work;
        // Every request this cycle starts (VMs', refreshes, retransmissions) leaves in one system call at the end.
        client.cork();
        try
        {
            work = fromDataplane.read(ringHandler, LIMIT);
            if (work == 0 && fromDataplaneGuard.check() > 0)
            {
                counters.deadProducerSkipped.incrementRelease();
            }
            final int exchanged = client.poll();
            if (exchanged > 0)
            {
                counters.publish(client);
            }
            work += exchanged;
            work += refresher.poll(now, client);
            if (refresher.busy())
            {
                work++;
            }
            work += optionsRefresh.poll(now, client);
        }
        finally
        {
            client.uncork();
        }
        if (leaseRequests != null)
        {
            work += leaseRequests.poll(now);
        }
        if (!stores.sweeping() &&
            (now >= nextSweepMs || stores.sweepWanted() && now >= lastSweepMs + FULL_SWEEP_INTERVAL_MS))
        {
            lastSweepMs = now;
            nextSweepMs = now + SWEEP_INTERVAL_MS;
            stores.startSweep(now);
        }
        if (stores.sweeping() && now >= nextSweepStepMs)
        {
            // A step, not the whole store, and a millisecond apart at least: VMs' requests and services' replies are
            // handled between steps, and the pass does not hold a core for long (LeaseRefresher's walk likewise).
            nextSweepStepMs = now + LeaseRefresher.STEP_PAUSE_MS;
            work += stores.sweepStep(SWEEP_STEP_NANOS) + 1;
        }
        if (now >= nextPolicyFiguresMs)
        {
            nextPolicyFiguresMs = now + POLICY_FIGURES_INTERVAL_MS;
            counters.policyWatchFailures.setRelease(policy.watchFailures());
        }
        return work;
    }

    private void onRingMessage(final int type, final DirectBuffer buffer, final int index, final int length)
    {
        switch (type)
        {
            case RingMessages.DHCP_REQUEST -> onVmRequest(buffer, index, length);
            case RingMessages.HELLO -> onHello();
            case RingMessages.STORE_RELEASED -> {
                // The exclusive lock, not this message, is what the recovery waits on.
            }
            default -> counters.badFrames.incrementRelease();
        }
    }

    private void onHello()
    {
        stores.onHello();
        if (bindings != null)
        {
            bindings.onDataplaneHello();
        }
    }

    private void onVmRequest(final DirectBuffer buffer, final int index, final int length)
    {
        counters.vmRequests.incrementRelease();
        request.wrap(buffer, index);
        if (nowMs - request.receivedMillis() > STALE_REQUEST_MS)
        {
            // Dropping, not answering, is also what lets a lagging agent catch up.
            counters.staleRequests.incrementRelease();
            return;
        }
        final int frameLength = request.frameLength();
        if (DhcpRequestMessage.FRAME_OFFSET + frameLength > length ||
            classifier.classify(buffer, request.frameOffset(), frameLength, view) != FrameClass.CLIENT_DHCP ||
            dhcp.wrap(buffer, view.payloadOffset(), view.payloadLength()).validate() < 0)
        {
            counters.badFrames.incrementRelease();
            return;
        }
        final int domainId = request.domainId();
        final long mac = dhcp.chaddrMac();
        final int dhcpType = dhcp.messageType();
        final int dvmcType = dvmcTypeOf(dhcpType);
        if (dvmcType == 0 || dhcpType == DhcpMessageType.BOOTP && !isBootRequest(dhcp))
        {
            counters.unsupported.incrementRelease();
            return;
        }

        int slot = exchanges.byVm(domainId, mac);
        if (slot != Exchanges.NONE && exchanges.dhcpType(slot) == dhcpType &&
            nowMs - exchanges.startedMs(slot) < RESEND_AFTER_MS)
        {
            // A retransmission while the service is being asked: answer the latest frame (its xid).
            exchanges.storeFrame(slot, buffer, request.frameOffset(), frameLength);
            return;
        }
        final int limited = limits.admit(domainId, mac, request.port(), dhcpType);
        if (limited != RequestLimits.OK)
        {
            // Before anything of the VM's exchange in flight is touched: a flood must not cancel it either.
            counters.rateLimited(limited).incrementRelease();
            return;
        }
        if (slot != Exchanges.NONE)
        {
            // The VM moved on, or asks while its host lease is being refreshed: its own request speaks for it now
            // (a refresh answered after a RELEASE would bring the lease back). Or it retransmits after the agent's
            // own tries went unanswered: a new exchange asks a service that restarted meanwhile at once.
            client.cancel(exchanges.transactionId(slot));
            exchanges.release(slot);
        }

        final InetSocketAddress service = locator.locate(domainId);
        if (service == null)
        {
            counters.noService.incrementRelease();
            return;
        }
        slot = exchanges.claim(domainId, mac, request.vmMsb(), request.vmLsb(), request.port());
        if (slot == Exchanges.NONE)
        {
            counters.exchangesFull.incrementRelease();
            return;
        }
        if (!exchanges.storeFrame(slot, buffer, request.frameOffset(), frameLength))
        {
            exchanges.release(slot);
            counters.badFrames.incrementRelease();
            return;
        }

        final int requested = switch (dhcpType)
        {
            // RFC 2131 §4.3.2: the address is option 50 in SELECTING and INIT-REBOOT, ciaddr when renewing.
            case DhcpMessageType.REQUEST -> dhcp.requestedIp() != 0 ? dhcp.requestedIp() : dhcp.ciaddr();
            // RFC 951: a BOOTP client that knows its address puts it in ciaddr; the service takes it as a hint.
            case DhcpMessageType.RELEASE, DhcpMessageType.INFORM, DhcpMessageType.BOOTP -> dhcp.ciaddr();
            default -> dhcp.requestedIp();
        };
        final long xid = client.send(dvmcType, service, domainId, mac, request.vmMsb(), request.vmLsb(),
            requested, dhcp.serverId(), vmOptions, 0, encodeVmOptions(isRelay(domainId)));
        if (DvmcClient.isError(xid))
        {
            exchanges.release(slot);
            counters.exchangesFull.incrementRelease();
            return;
        }
        exchanges.started(slot, xid, dhcpType, dvmcType, service, nowMs);
        counters.exchangesStarted.incrementRelease();

        if (dhcpType == DhcpMessageType.RELEASE || dhcpType == DhcpMessageType.DECLINE)
        {
            // RFC 2131 §4.3.3–4.3.4: the client no longer uses the address; no reply is sent to it.
            stores.removeLease(domainId, mac);
        }
    }

    /**
     * Puts the VM's client identifier into {@link #vmOptions}, which the service keys the VM's lease on within the VM
     * (RFC 2131 §4.2), and its host name (option 12) and FQDN (option 81, RFC 4702), which the service records with
     * the lease.
     *
     * @param all every option of the VM's request, for the relay of a relay domain.
     * @return bytes written, 0 without any.
     */
    private int encodeVmOptions(final boolean all)
    {
        if (all)
        {
            final int length = copyVmOptions();
            if (length >= 0)
            {
                return length;
            }
        }
        int n = copyOption(DhcpOption.CLIENT_ID, dhcp.clientIdOffset(), dhcp.clientIdLength(), 0);
        n = copyOption(DhcpOption.HOST_NAME, dhcp.hostNameOffset(), dhcp.hostNameLength(), n);
        return copyOption(DhcpOption.CLIENT_FQDN, dhcp.clientFqdnOffset(), dhcp.clientFqdnLength(), n);
    }

    private int copyOption(final int code, final int at, final int length, final int to)
    {
        if (at < 0 || length > 255)
        {
            return to;
        }
        vmOptions.putByte(to, (byte)code);
        vmOptions.putByte(to + 1, (byte)length);
        vmOptions.putBytes(to + 2, dhcp.optionBuffer(code), at, length);
        return to + 2 + length;
    }

    /**
     * Copies the options field of the VM's request, up to its END, without padding.
     *
     * @return bytes written, or -1 if they do not fit field 225.
     */
    private int copyVmOptions()
    {
        if (!dhcp.hasMagicCookie())
        {
            // RFC 1497: without the cookie the vend field is the vendor's own, not options.
            return 0;
        }
        return OptionCopy.copy(dhcp.buffer(), dhcp.offset() + DhcpPacket.OPTIONS_OFFSET, dhcp.offset() + dhcp.length(),
            vmOptions, 0, vmOptions.capacity(), OptionCopy.ALL);
    }

    private boolean isRelay(final int domainId)
    {
        final Domain d = policy.domainOrNull(domainId);
        return d != null && d.mode() == Domain.Mode.RELAY;
    }

    private static int dvmcTypeOf(final int dhcpType)
    {
        return switch (dhcpType)
        {
            case DhcpMessageType.DISCOVER -> DvmcMessageType.DISCOVER;
            case DhcpMessageType.REQUEST -> DvmcMessageType.REQUEST;
            case DhcpMessageType.RELEASE -> DvmcMessageType.RELEASE;
            case DhcpMessageType.DECLINE -> DvmcMessageType.DECLINE;
            case DhcpMessageType.INFORM -> DvmcMessageType.INFORM;
            case DhcpMessageType.BOOTP -> DvmcMessageType.BOOTP;
            default -> 0;
        };
    }

    /** RFC 951 §3: a BOOTREQUEST, whole (the dataplane drops shorter ones; a ring record is checked again here). */
    private static boolean isBootRequest(final DhcpPacket dhcp)
    {
        return dhcp.op() == DhcpPacket.BOOTREQUEST && dhcp.length() >= DhcpPacket.MIN_BOOTP_LENGTH;
    }

    public void onReply(final long transactionId, final DvmcMessage reply)
    {
        final int slot = exchanges.byXid(transactionId);
        if (slot == Exchanges.NONE)
        {
            counters.unmatchedReplies.incrementRelease();
            return;
        }
        latency.record(exchanges.dvmcType(slot), exchanges.elapsedNs(slot));
        try
        {
            final int dhcpType = exchanges.dhcpType(slot);
            final boolean nak = reply.type() == DvmcMessageType.NAK || reply.status() == DvmcStatus.NAK;
            if (nak)
            {
                onNak(slot, reply.reason());
            }
            final boolean ack = reply.type() == DvmcMessageType.ACK && reply.status() == DvmcStatus.ACK;
            if (dhcpType == Exchanges.REFRESH || dhcpType == Exchanges.OPTIONS)
            {
                if (ack)
                {
                    // Every answer carries the domain's configuration: a changed one reaches the fast path now.
                    writeDomain(exchanges.domainId(slot), reply);
                }
                if (dhcpType == Exchanges.REFRESH)
                {
                    refresher.onReply(slot, reply, clock.time());
                }
                return;
            }
            // A relayed client has no binding to lose: its relay-facing port speaks for it.
            if (bindings != null && !RelayedClient.isRelayed(exchanges.vmMsb(slot), exchanges.vmLsb(slot)) &&
                !bindings.isBound(exchanges.domainId(slot), exchanges.mac(slot)))
            {
                // The VM's binding went while the service was asked (it moved away): no lease, no answer here.
                counters.unboundReplies.incrementRelease();
                return;
            }
            if (nak)
            {
                if (DvmcStatus.isAddressFault(reply.reason()) && dhcpType == DhcpMessageType.REQUEST)
                {
                    // RFC 2131 §4.3.2: the client's notion of its address is wrong; it restarts in INIT.
                    stores.removeLease(exchanges.domainId(slot), exchanges.mac(slot));
                    answer(slot, DhcpMessageType.NAK, 0, 0, reply);
                }
                else if (reply.reason() == DvmcStatus.REASON_WRONG_SERVER && dhcpType == DhcpMessageType.REQUEST)
                {
                    // §4.3.2: the client took another server's offer; the service freed ours, so does the host.
                    forgetOffer(slot);
                }
                return;
            }
            if (reply.type() == DvmcMessageType.OFFER && dhcpType == DhcpMessageType.DISCOVER)
            {
                counters.offers.incrementRelease();
                if (!writeDomain(exchanges.domainId(slot), reply))
                {
                    return;
                }
                if (!recordOffer(slot, reply))
                {
                    return;
                }
                answer(slot, DhcpMessageType.OFFER, reply.yiaddr(), grantSeconds(slot, reply), reply);
            }
            else if (reply.type() == DvmcMessageType.ACK)
            {
                counters.acks.incrementRelease();
                if (dhcpType == DhcpMessageType.REQUEST)
                {
                    if (!writeDomain(exchanges.domainId(slot), reply))
                    {
                        return;
                    }
                    final long granted = bind(slot, reply);
                    if (granted >= 0)
                    {
                        answer(slot, DhcpMessageType.ACK, reply.yiaddr(), (int)granted, reply);
                    }
                }
                else if (dhcpType == DhcpMessageType.INFORM && writeDomain(exchanges.domainId(slot), reply))
                {
                    // RFC 2131 §4.3.5: the configuration only; the client keeps the address it has.
                    answer(slot, DhcpMessageType.ACK, 0, 0, reply);
                }
                else if (dhcpType == DhcpMessageType.BOOTP && writeDomain(exchanges.domainId(slot), reply))
                {
                    // RFC 1534 §2: bound at the service and in the host store before the BOOTREPLY leaves, as an ACK.
                    if (bind(slot, reply) >= 0)
                    {
                        counters.bootpReplies.incrementRelease();
                        answer(slot, DhcpMessageType.BOOTP, reply.yiaddr(), 0, reply);
                    }
                }
            }
            else
            {
                counters.unmatchedReplies.incrementRelease();
            }
        }
        finally
        {
            exchanges.release(slot);
        }
    }

    /**
     * A service ended the VM's lease before its time (an operator released or expired it there): the host lease goes,
     * and LEASE_CHANGED with it, so the fast path stops answering the VM's renewals at once rather than at the host
     * lease's next refresh. The VM is told nothing now: its next request reaches the service, which answers it by
     * RFC 2131 §4.3.2. Only the lease of that address is removed; a REVOKE copied from an earlier lease of the same
     * VM and address costs that VM one exchange with the service, nothing more.
     */
    public void onRevoke(final DvmcMessage revoke)
    {
        final int domainId = revoke.domainId();
        final long mac = revoke.mac();
        if (!stores.lease(domainId, mac, current) || current.ip() != revoke.yiaddr())
        {
            counters.revokesUnmatched.incrementRelease();
            return;
        }
        stores.removeLease(domainId, mac);
        counters.revokes.incrementRelease();
        LOG.info("lease of {} ({}) in domain {} revoked by service {}: host lease removed",
            Addresses.mac(mac), Addresses.ipv4(revoke.yiaddr()), Integer.toUnsignedString(domainId),
            Addresses.ipv4(revoke.serverId()));
    }

    public void onTimeout(final long transactionId)
    {
        counters.timeouts.incrementRelease();
        final int slot = exchanges.byXid(transactionId);
        if (slot == Exchanges.NONE)
        {
            return;
        }
        // The VM retransmits, the refresher tries again: either goes to the domain's next service, if it has one.
        locator.failover(exchanges.domainId(slot));
        if (exchanges.isRefresh(slot))
        {
            refresher.onTimeout(slot, clock.time());
        }
        exchanges.release(slot);
    }

    /**
     * Counts and logs a NAK by its reason, and moves the domain to its next service when the fault is the service's;
     * what the NAK means for the VM's lease is the caller's.
     */
    private void onNak(final int slot, final int reason)
    {
        counters.naks.incrementRelease();
        counters.nak(reason).incrementRelease();
        nakLog.nak(reason, exchanges.domainId(slot), exchanges.mac(slot), exchanges.isRefresh(slot), clock.time());
        if (DvmcStatus.isServiceFault(reason))
        {
            locator.failover(exchanges.domainId(slot));
        }
    }

    /** The host lease the reply grants runs from when the request went out, less a margin ({@link HostLease}). */
    private long hostLeaseExpiry(final int slot, final DvmcMessage reply)
    {
        return exchanges.startedMs(slot) + HostLease.hostLeaseMillis(reply.hostLeaseSeconds());
    }

    /** The VM lease of the reply, but no more than the host lease it comes with has left. */
    private int grantSeconds(final int slot, final DvmcMessage reply)
    {
        return HostLease.grantSeconds(reply.vmLeaseSeconds(), hostLeaseExpiry(slot, reply) - clock.time());
    }

    /**
     * The service's ACK, made durable in the host's lease store before the VM hears of it.
     *
     * @return the lease time granted to the VM (unsigned seconds), or -1 if the store is full: the VM is not answered
     *     and retransmits, and the service, which bound it, acknowledges it again.
     */
    private long bind(final int slot, final DvmcMessage reply)
    {
        final long now = clock.time();
        final int granted = grantSeconds(slot, reply);
        lease.clear()
            .ip(reply.yiaddr())
            .state(LeaseState.BOUND)
            .vmLeaseSeconds(reply.vmLeaseSeconds())
            .serverId(reply.serverId())
            .hostLeaseExpiryMillis(hostLeaseExpiry(slot, reply))
            .vmLeaseExpiryMillis(now + (granted & 0xFFFF_FFFFL) * 1000L)
            .updatedMillis(now)
            .vmId(exchanges.vmMsb(slot), exchanges.vmLsb(slot))
            .optionsVersion(domain.version());
        if (domain.isRelay() && exchanges.dhcpType(slot) == DhcpMessageType.REQUEST &&
            !lease.tenantOptions(reply.buffer(), reply.configOffset(), reply.configLength()))
        {
            // Too many to keep per VM: the fast path does not answer this VM, its renewals go through the relay.
            counters.tenantOptionsTooLong.incrementRelease();
        }
        lease.seal();
        return stores.putLease(exchanges.domainId(slot), exchanges.mac(slot), lease) ? granted & 0xFFFF_FFFFL : -1;
    }

    /**
     * Notes an offer in the store (for the operator), unless the VM holds a bound lease there already.
     *
     * @return false if the store is full: an offer the VM could not be acknowledged for is not made.
     */
    private boolean recordOffer(final int slot, final DvmcMessage reply)
    {
        final int domainId = exchanges.domainId(slot);
        final long mac = exchanges.mac(slot);
        if (stores.lease(domainId, mac, current) && current.state() == LeaseState.BOUND)
        {
            return true;
        }
        final long now = clock.time();
        lease.clear()
            .ip(reply.yiaddr())
            .state(LeaseState.OFFERED)
            .vmLeaseSeconds(reply.vmLeaseSeconds())
            .serverId(reply.serverId())
            .vmLeaseExpiryMillis(now)
            .hostLeaseExpiryMillis(now + OFFER_NOTE_MS)
            .updatedMillis(now)
            .vmId(exchanges.vmMsb(slot), exchanges.vmLsb(slot))
            .optionsVersion(domain.version())
            .seal();
        return stores.putLease(domainId, mac, lease);
    }

    /** Removes the offer noted in the store for the VM of {@code slot}; a bound lease stays. */
    private void forgetOffer(final int slot)
    {
        final int domainId = exchanges.domainId(slot);
        final long mac = exchanges.mac(slot);
        if (stores.lease(domainId, mac, current) && current.state() == LeaseState.OFFERED)
        {
            stores.removeLease(domainId, mac);
        }
    }

    /**
     * The domain as this host answers for it: the virtual server (address from the reply's server id, MAC from
     * the policy), and the options of field 225. Written when it changes, with a new version, so the fast path
     * always answers with the options of the last exchange.
     *
     * @return false if the options do not fit a domain record: counted, and the VM is not answered.
     */
    private boolean writeDomain(final int domainId, final DvmcMessage reply)
    {
        if (reply.configLength() > DomainRecord.MAX_OPTIONS_LENGTH)
        {
            counters.optionsTooLong.incrementRelease();
            return false;
        }
        final Domain policyDomain = policy.domainOrNull(domainId);
        final long serverMac = policyDomain != null ? policyDomain.serverMac() : Domain.defaultServerMac(domainId);
        final int maskAt = reply.findOption(DhcpOption.SUBNET_MASK);
        final int mask = maskAt >= 0 ? reply.buffer().getInt(maskAt, java.nio.ByteOrder.BIG_ENDIAN) : 0;
        final boolean known = stores.domain(domainId, stored);
        domain.clear()
            .domainId(domainId)
            .serverIp(reply.serverId())
            .serverMac(serverMac)
            .subnetMask(mask)
            .vmLeaseSeconds(reply.vmLeaseSeconds())
            .flags(policyDomain != null && policyDomain.mode() == Domain.Mode.RELAY ? DomainRecord.FLAG_RELAY : 0)
            .options(reply.buffer(), reply.configOffset(), reply.configLength())
            .version(known ? stored.version() : 0);
        if (known && sameContent(domain, stored))
        {
            domain.copyFrom(stored);
            return true;
        }
        domain.version(known ? stored.version() + 1 : 1).updatedMillis(clock.time()).seal();
        stores.putDomain(domain);
        return true;
    }

    private static boolean sameContent(final DomainRecord a, final DomainRecord b)
    {
        final int length = a.optionsLength();
        if (a.serverIp() != b.serverIp() || a.serverMac() != b.serverMac() || a.subnetMask() != b.subnetMask() ||
            a.vmLeaseSeconds() != b.vmLeaseSeconds() || a.flags() != b.flags() || length != b.optionsLength())
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (a.buffer().getByte(a.optionsIndex() + i) != b.buffer().getByte(b.optionsIndex() + i))
            {
                return false;
            }
        }
        return true;
    }

    /** Builds the DHCP reply over the VM's frame kept in the slot and hands it to the dataplane. */
    private void answer(final int slot, final int dhcpType, final int yiaddr, final int leaseSeconds,
        final DvmcMessage reply)
    {
        exchanges.wrapFrame(slot, frame);
        final int frameLength = exchanges.frameLength(slot);
        if (classifier.classify(frame, 0, frameLength, view) != FrameClass.CLIENT_DHCP)
        {
            counters.badFrames.incrementRelease();
            return;
        }
        dhcp.wrap(frame, view.payloadOffset(), view.payloadLength());
        if (dhcpType == DhcpMessageType.NAK && !stores.domain(exchanges.domainId(slot), domain))
        {
            domain.clear().domainId(exchanges.domainId(slot)).serverIp(reply.serverId())
                .serverMac(Domain.defaultServerMac(exchanges.domainId(slot)));
        }
        // A relayed client's request without giaddr was routed to the server: the reply goes back through the router.
        final boolean routed = dhcp.giaddr() == 0 &&
            RelayedClient.isRelayed(exchanges.vmMsb(slot), exchanges.vmLsb(slot));
        final int length = replies.build(frame, Exchanges.FRAME_CAPACITY, view, dhcp, dhcpType, yiaddr, leaseSeconds,
            domain, routed);
        if (length < 0)
        {
            counters.badFrames.incrementRelease();
            return;
        }
        final int index = toDataplane.tryClaim(RingMessages.TRANSMIT, TransmitMessage.FRAME_OFFSET + length);
        if (index < 0)
        {
            counters.dataplaneRingFull.incrementRelease();
            return;
        }
        toDataplane.buffer().putBytes(index + TransmitMessage.FRAME_OFFSET, frame, 0, length);
        TransmitMessage.writeHeader(toDataplane.buffer(), index, exchanges.port(slot), length);
        toDataplane.commit(index);
        counters.transmitted.incrementRelease();
    }

    public void onClose()
    {
        stores.close();
    }
}
