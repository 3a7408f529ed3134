package io.dvmc.agent;

import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.HostLease;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseVisitor;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * {@link LeaseRecord#hostLeaseExpiryMillis()}. When each lease is due is kept in a {@link RefreshSchedule}, one entry
 * per lease: every BOUND lease the agent writes ({@link HostStores#watchWrites}) is scheduled for its half-life, and
 * one it removes is unscheduled, so finding the leases due costs what they are, not a walk of the store. The store
 * was walked once a second before: 40,000 leases took 8-24 ms of the agent's thread each time, a million about 0.24
 * s, and VMs' DORAs waited behind those bursts (on the 2-vCPU test VM, half of the DORAs over 1.5 ms at 1,000 a
 * second fell in the walk's tenth of each second). The store is walked once, at start, to schedule the leases it
 * already holds: in steps of about {@link #STEP_NANOS}, one or more segments each, {@link #STEP_PAUSE_MS} apart at
 * least, with the agent's other work between them.
 *
 * <p>At most {@code maxInFlight} refreshes are in flight; the rest wait in the schedule, earliest first. A refresh
 * that fails, and a lease whose VM has an exchange of its own in flight, are scheduled again {@link #RETRY_MS} later,
 * behind the leases due before them, so a lease whose refresh keeps failing does not keep the others from their
 * turn. The schedule holds as many leases as the store; should it ever be full, it is dropped and made again by a
 * walk, with a warning.
 */
final class LeaseRefresher
{
    private static final Logger LOG = LoggerFactory.getLogger(LeaseRefresher.class);
    /** How long after a failed refresh the lease is tried again. */
    static final long RETRY_MS = 1_000;
    /** How long a poll walks the store at most, beyond its first segment. */
    static final long STEP_NANOS = 200_000;
    /** The least time from one step of a walk to the next. */
    static final long STEP_PAUSE_MS = 1;
    /**
     * Leases a poll takes from the schedule at most, sent or found not due: a poll holds the agent's thread for
     * tens of microseconds, even when many come due at once (a store found at start with leases past their
     * half-life).
     */
    static final int MAX_TAKEN_PER_POLL = 32;

    private final HostStores stores;
    private final Exchanges exchanges;
    private final ServiceLocator locator;
    private final AgentCounters counters;
    private final int maxInFlight;
    private final LeaseRecord lease = new LeaseRecord();
    private final DomainRecord domain = new DomainRecord();
    private final RefreshSchedule schedule;
    private final SegmentWalk walk;
    private final IntPredicate scheduleOneSegment = this::scheduleSegment;
    private final LeaseVisitor scheduleLease = this::schedule;
    private long nextStepMs;
    private boolean overflowed;
    private boolean behind;

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
        this.schedule = new RefreshSchedule((int)Math.min(1 << 28, stores.maxLeases()));
        stores.watchWrites(new HostStores.LeaseWrites()
        {
            public void put(final int domainId, final long mac, final LeaseRecord record)
            {
                schedule(domainId, mac, record);
            }

            public void removed(final int domainId, final long mac)
            {
                schedule.unschedule(domainId, mac);
            }
        });
        walk.start();
    }

    /**
     * Walks the next step of the walk that schedules the store's leases, if one is under way, and sends the
     * refreshes due.
     *
     * @return refreshes sent.
     */
    int poll(final long nowMs, final DvmcClient client)
    {
        return poll(nowMs, client, STEP_NANOS);
    }

    int poll(final long nowMs, final DvmcClient client, final long budgetNanos)
    {
        if (overflowed)
        {
            // Every lease of the store has an entry, so only a lease gone without the schedule hearing of it leaves
            // one behind; a walk finds what the store holds.
            LOG.warn("host lease refresh schedule full at {} leases: made again by a walk of the store",
                schedule.size());
            overflowed = false;
            schedule.clear();
            walk.start();
        }
        if (walk.walking() && nowMs >= nextStepMs)
        {
            walk.step(stores.leaseSegments(), budgetNanos, scheduleOneSegment);
            nextStepMs = nowMs + STEP_PAUSE_MS;
        }
        int sent = 0;
        int taken = 0;
        int room = maxInFlight - exchanges.refreshes();
        while (room > 0 && taken < MAX_TAKEN_PER_POLL && schedule.takeDue(nowMs))
        {
            taken++;
            final int domainId = schedule.takenDomain();
            final long mac = schedule.takenMac();
            if (!isDue(domainId, mac, nowMs))
            {
                continue;
            }
            if (exchanges.byVm(domainId, mac) != Exchanges.NONE)
            {
                // The VM's own exchange renews the lease if it binds; if not, this one tries again later.
                schedule(nowMs + RETRY_MS, domainId, mac);
                continue;
            }
            if (!send(domainId, mac, nowMs, client))
            {
                // The exchange table or the client's is full: first in line at the next poll.
                schedule(nowMs, domainId, mac);
                break;
            }
            sent++;
            room--;
        }
        behind = taken == MAX_TAKEN_PER_POLL && schedule.nextDue() <= nowMs;
        return sent;
    }

    /** Whether the last poll left leases due, or the walk has segments left: work for the next duty cycle. */
    boolean busy()
    {
        return behind || walk.walking();
    }

    /** Whether the walk that schedules the store's leases has segments left: work for the next duty cycle. */
    boolean walking()
    {
        return walk.walking();
    }

    /** Schedules every lease of one segment; after a recovery the segment is walked again, which moves nothing. */
    private boolean scheduleSegment(final int segment)
    {
        stores.visitLeases(segment, segment + 1, scheduleLease, () -> {
        });
        return true;
    }

    /** A lease the agent wrote, or one the walk found: a BOUND one is due at half of its host lease. */
    private void schedule(final int domainId, final long mac, final LeaseRecord record)
    {
        if (record.isValid() && record.state() == LeaseState.BOUND)
        {
            schedule(halfLife(record), domainId, mac);
        }
        else
        {
            schedule.unschedule(domainId, mac);
        }
    }

    private void schedule(final long dueMs, final int domainId, final long mac)
    {
        overflowed |= !schedule.schedule(dueMs, domainId, mac);
    }

    private static long halfLife(final LeaseRecord record)
    {
        return record.updatedMillis() + (record.hostLeaseExpiryMillis() - record.updatedMillis()) / 2;
    }

    /**
     * Whether the lease taken from the schedule is still BOUND, past half of its host lease and not past its end, and
     * not a relay domain's. One whose half-life moved on (written by a retry's time) is scheduled for it again.
     */
    private boolean isDue(final int domainId, final long mac, final long nowMs)
    {
        if (!stores.lease(domainId, mac, lease) || !lease.isValid() || lease.state() != LeaseState.BOUND)
        {
            return false;
        }
        final long halfLife = halfLife(lease);
        if (nowMs < halfLife)
        {
            schedule(halfLife, domainId, mac);
            return false;
        }
        return nowMs < lease.hostLeaseExpiryMillis() && !isRelay(domainId);
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
                if (!stores.putLease(domainId, mac, lease))
                {
                    // Not written (a full store): the old host lease runs on, and is due again.
                    schedule(nowMs + RETRY_MS, domainId, mac);
                }
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
        schedule(nowMs + RETRY_MS, domainId, mac);
    }

    /**
     * No answer to the refresh in {@code slot}: the service may be down; the caller has moved the domain on and
     * releases the slot. The lease is tried again later.
     */
    void onTimeout(final int slot, final long nowMs)
    {
        counters.refreshesFailed.incrementRelease();
        schedule(nowMs + RETRY_MS, exchanges.domainId(slot), exchanges.mac(slot));
    }
}
