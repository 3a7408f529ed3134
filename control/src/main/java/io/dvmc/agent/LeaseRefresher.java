package io.dvmc.agent;

import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.HostLease;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.net.InetSocketAddress;
import java.util.function.IntPredicate;

/**
 * Keeps the host leases of bound VMs running (DESIGN §5), so that the fast path serves every bound VM through a
 * service outage for as long as the host lease lasts. Once per walk interval it walks the lease store and, for each
 * BOUND lease past half of its host lease, asks the domain's service to renew that address for that VM: a DVMC
 * REQUEST as a RENEWING client sends it (RFC 2131 §4.3.2: the bound address, no server id), at the time such a
 * client would (T1, half the lease, RFC 2131 §4.4.5). A lease whose VM has an exchange of its own in flight is left
 * to that exchange, and a VM request cancels a refresh in flight ({@link HostAgent}).
 *
 * <ul>
 *   <li>ACK: the new host lease is written to the store, from when the request went out.</li>
 *   <li>NAK "this address is wrong" ({@link DvmcStatus#isAddressFault}) or "no lease for this client": the host
 *   lease is removed; the VM's next request takes the slow path and is answered (or NAKed) by the service there.
 *   </li>
 *   <li>Timeout or a service fault: the lease stays, the domain moves to its next service, the next walk tries again.
 *   Any other NAK: the lease stays and the next walk tries again.</li>
 * </ul>
 *
 * The host lease of a BOUND record runs from {@link LeaseRecord#updatedMillis()} (written together with it) to
 * {@link LeaseRecord#hostLeaseExpiryMillis()}. At most {@code maxInFlight} refreshes are in flight; when more are due,
 * each walk goes on from the last one taken before (counting the due leases in the store's order), so a lease whose
 * refresh keeps failing does not keep the others from their turn. A walk goes in steps of about {@link #STEP_NANOS}
 * each, one or more segments of the store, with the agent's other work between them: a million leases take about
 * 0.24 s to walk, which VMs must not wait through once a second. The steps are {@link #STEP_PAUSE_MS} apart at
 * least, so that a walk does not hold a core for tens of milliseconds, while the host's dataplane and service wait
 * for the other one: 40,000 leases took 8-24 ms of the agent's thread at once here, once a second. And the next
 * walk starts {@link #WALK_INTERVAL_MS}
 * after this one began, or later for a store that takes long to walk, so that walking takes at most a
 * {@value #WALK_SHARE}th of the agent's time: a lease due is then refreshed that much later (12 s for a million
 * leases), far inside the half of its host lease that is left.
 */
final class LeaseRefresher implements LeaseFilter
{
    static final long WALK_INTERVAL_MS = 1_000;
    /** How long a poll walks the store at most, beyond its first segment. */
    static final long STEP_NANOS = 200_000;
    /** The least time from one step of a walk to the next. */
    static final long STEP_PAUSE_MS = 1;
    /** A walk and the pause after it last at least this many times the walk's own time. */
    static final int WALK_SHARE = 50;

    private final HostStores stores;
    private final Exchanges exchanges;
    private final ServiceLocator locator;
    private final AgentCounters counters;
    private final int maxInFlight;
    private final IntArrayList dueDomains = new IntArrayList();
    private final LongArrayList dueMacs = new LongArrayList();
    private final LeaseRecord lease = new LeaseRecord();
    private final DomainRecord domain = new DomainRecord();
    private long walkNowMs;
    private long nextWalkMs;
    private long nextStepMs;
    private int room;
    private int dueSeen;
    private int lastTaken;
    private int skip;
    private final SegmentWalk walk;
    private final IntPredicate refreshOneSegment = this::refreshSegment;
    private DvmcClient stepClient;
    private int sentInStep;
    /** Whether the walk in progress had more due leases than room for them. */
    private boolean filled;
    private int dueSeenAtStep;
    private int lastTakenAtStep;
    private long walkStartMs;
    private long walkNanos;

    LeaseRefresher(
        final HostStores stores,
        final Exchanges exchanges,
        final ServiceLocator locator,
        final AgentCounters counters,
        final int maxInFlight)
    {
        this(stores, exchanges, locator, counters, maxInFlight, SystemNanoClock.INSTANCE);
    }

    LeaseRefresher(
        final HostStores stores,
        final Exchanges exchanges,
        final ServiceLocator locator,
        final AgentCounters counters,
        final int maxInFlight,
        final NanoClock nanoClock)
    {
        this.stores = stores;
        this.exchanges = exchanges;
        this.locator = locator;
        this.counters = counters;
        this.maxInFlight = maxInFlight;
        this.walk = new SegmentWalk(nanoClock);
    }

    /**
     * Starts a walk of the store when the interval has passed, walks the next step of the walk in progress and sends
     * the refreshes due in it.
     *
     * @return refreshes sent.
     */
    int poll(final long nowMs, final DvmcClient client)
    {
        return poll(nowMs, client, STEP_NANOS);
    }

    int poll(final long nowMs, final DvmcClient client, final long budgetNanos)
    {
        if (!walk.walking())
        {
            if (nowMs < nextWalkMs)
            {
                return 0;
            }
            walkStartMs = nowMs;
            walkNanos = 0;
            walk.start();
            dueSeen = 0;
            lastTaken = -1;
            filled = false;
        }
        else if (nowMs < nextStepMs)
        {
            return 0;
        }
        room = maxInFlight - exchanges.refreshes();
        if (room <= 0)
        {
            // The walk waits where it is until refreshes in flight end.
            return 0;
        }
        walkNowMs = nowMs;
        stepClient = client;
        sentInStep = 0;
        final boolean ended = walk.step(stores.leaseSegments(), budgetNanos, refreshOneSegment);
        walkNanos += walk.lastStepNanos();
        nextStepMs = nowMs + STEP_PAUSE_MS;
        if (ended)
        {
            nextWalkMs = Math.max(walkStartMs + WALK_INTERVAL_MS, nowMs + (WALK_SHARE - 1) * walkNanos / 1_000_000);
            // Round robin over the due leases: the next walk goes on after the last taken in this one, or from the
            // start when this one had room for every lease due.
            skip = filled ? lastTaken + 1 : 0;
        }
        return sentInStep;
    }

    /** Sends the refreshes due in one segment; @return whether there is room for more. */
    private boolean refreshSegment(final int segment)
    {
        dueSeenAtStep = dueSeen;
        lastTakenAtStep = lastTaken;
        final int found = stores.collectLeases(this, room, segment, segment + 1, dueDomains, dueMacs);
        filled |= found == room;
        for (int i = 0; i < found; i++)
        {
            if (!send(dueDomains.getInt(i), dueMacs.getLong(i), walkNowMs, stepClient))
            {
                filled = true;
                break;
            }
            sentInStep++;
        }
        room = maxInFlight - exchanges.refreshes();
        return room > 0;
    }

    /** Whether a walk has segments left: work for the next duty cycle, not something to idle before. */
    boolean walking()
    {
        return walk.walking();
    }

    /** A walk of segments again after a recovery (or the first time): what this step counted so far is undone. */
    public void startWalk()
    {
        dueSeen = dueSeenAtStep;
        lastTaken = lastTakenAtStep;
    }

    /** A BOUND lease past half of its host lease, whose VM has no exchange in flight, and whose turn it is. */
    public boolean accept(final int domainId, final long mac, final LeaseRecord record)
    {
        if (!record.isValid() || record.state() != LeaseState.BOUND)
        {
            return false;
        }
        final long expiry = record.hostLeaseExpiryMillis();
        final long halfLife = record.updatedMillis() + (expiry - record.updatedMillis()) / 2;
        // The domain's record (a read of the shared store) only for the few leases that are due.
        if (walkNowMs < halfLife || walkNowMs >= expiry || isRelay(domainId))
        {
            return false;
        }
        final int index = dueSeen++;
        if (index < skip || dueDomains.size() >= room || exchanges.byVm(domainId, mac) != Exchanges.NONE)
        {
            return false;
        }
        lastTaken = index;
        return true;
    }

    /**
     * A relay domain's lease is the tenant server's, renewed by the VM itself through the relay: the host lease is no
     * longer than it, and nothing is refreshed on the VM's behalf.
     */
    private boolean isRelay(final int domainId)
    {
        return stores.domain(domainId, domain) && domain.isRelay();
    }

    /** @return false when no more can be sent in this walk (the exchange table or the client's is full). */
    private boolean send(final int domainId, final long mac, final long nowMs, final DvmcClient client)
    {
        if (!stores.lease(domainId, mac, lease) || lease.state() != LeaseState.BOUND)
        {
            return true;
        }
        final InetSocketAddress service = locator.locate(domainId);
        if (service == null)
        {
            counters.noService.incrementRelease();
            counters.refreshesFailed.incrementRelease();
            return true;
        }
        final int slot = exchanges.claim(domainId, mac, lease.vmIdMsb(), lease.vmIdLsb(), -1);
        if (slot == Exchanges.NONE)
        {
            return false;
        }
        // A BOOTP client's lease (its VM lease infinite) is kept as it was made, with the BOOTP lease length.
        final int type = lease.vmLeaseSeconds() == HostLease.INFINITE ? DvmcMessageType.BOOTP : DvmcMessageType.REQUEST;
        final long xid = client.send(type, service, domainId, mac, lease.vmIdMsb(), lease.vmIdLsb(), lease.ip(), 0);
        if (DvmcClient.isError(xid))
        {
            exchanges.release(slot);
            return false;
        }
        exchanges.started(slot, xid, Exchanges.REFRESH, type, service, nowMs);
        counters.refreshesSent.incrementRelease();
        return true;
    }

    /**
     * The service answered the refresh in {@code slot}; the caller has counted a NAK (and moved the domain to its
     * next service on a service fault) and releases the slot.
     */
    void onReply(final int slot, final DvmcMessage reply, final long nowMs)
    {
        final int domainId = exchanges.domainId(slot);
        final long mac = exchanges.mac(slot);
        if (reply.type() == DvmcMessageType.ACK && reply.status() == DvmcStatus.ACK)
        {
            if (stores.lease(domainId, mac, lease) && lease.state() == LeaseState.BOUND &&
                lease.ip() == reply.yiaddr())
            {
                final long hostLease = HostLease.hostLeaseMillis(reply.hostLeaseSeconds());
                lease.hostLeaseExpiryMillis(exchanges.startedMs(slot) + hostLease)
                    .vmLeaseSeconds(reply.vmLeaseSeconds())
                    .updatedMillis(nowMs);
                stores.putLease(domainId, mac, lease);
                counters.refreshesAcked.incrementRelease();
            }
            return;
        }
        if (DvmcStatus.isAddressFault(reply.reason()) || reply.reason() == DvmcStatus.REASON_NO_LEASE)
        {
            // No record of the lease at the service (which says so only when it holds the domain's every lease):
            // it may give the address to another VM, so the fast path must stop answering for this one.
            stores.removeLease(domainId, mac);
            counters.refreshesWithdrawn.incrementRelease();
            return;
        }
        counters.refreshesFailed.incrementRelease();
    }

    /** No answer to a refresh: the service may be down; the caller has moved the domain on and releases the slot. */
    void onTimeout()
    {
        counters.refreshesFailed.incrementRelease();
    }
}
