package io.dvmc.agent;

import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.lease.DomainRecord;
import io.dvmc.policy.Domain;
import io.dvmc.policy.DomainChangeQueue;
import io.dvmc.policy.PolicyStore;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongLongConsumer;
import org.agrona.collections.IntArrayList;

import java.net.InetSocketAddress;
import java.util.function.IntConsumer;

/**
 * Brings a domain's changed options (router, DNS, MTU, routes, ...) to every VM of it on this host at its next
 * renewal, fast path included (DESIGN §5, domain options). The options a fast-path reply carries are the domain
 * record the agent wrote from the service's last answer (field 225); when the policy service says a domain changed,
 * the agent asks the service for the domain's configuration (a DVMC INFORM, RFC 2131 §4.3.5) and writes the record
 * again, which tells the dataplane to drop its cached copy.
 *
 * <p>The service learns of the change on its own (its file store looks at most once a second, its etcd store
 * watches), so the INFORM goes {@link #FIRST_ASK_MS} after the news and once more {@link #SECOND_ASK_MS} after it: an
 * answer with unchanged options rewrites nothing. Only domains this host has a record of are asked for.
 */
final class OptionsRefresh
{
    static final long FIRST_ASK_MS = 1_500;
    static final long SECOND_ASK_MS = 5_000;
    /** Reading the store is what makes the file store look for a changed file. */
    private static final long POLICY_LOOK_INTERVAL_MS = 1_000;
    private static final int NONE = -1;

    private final PolicyStore policy;
    private final HostStores stores;
    private final Exchanges exchanges;
    private final ServiceLocator locator;
    private final AgentCounters counters;
    private final DomainChangeQueue changes = new DomainChangeQueue(1024);
    /** Domain id (unsigned) to when it is asked for; a second map holds the follow-up. */
    private final Long2LongHashMap firstAsk = new Long2LongHashMap(NONE);
    private final Long2LongHashMap secondAsk = new Long2LongHashMap(NONE);
    private final IntArrayList due = new IntArrayList();
    private final DomainRecord record = new DomainRecord();
    private final IntConsumer scheduler = this::schedule;
    private final Runnable schedulerOfAll = this::scheduleAll;
    private final LongLongConsumer collectDue = this::collectDue;
    private long nowMs;
    private long nextPolicyLookMs;

    OptionsRefresh(
        final PolicyStore policy,
        final HostStores stores,
        final Exchanges exchanges,
        final ServiceLocator locator,
        final AgentCounters counters)
    {
        this.policy = policy;
        this.stores = stores;
        this.exchanges = exchanges;
        this.locator = locator;
        this.counters = counters;
        policy.addListener(changes);
    }

    int poll(final long now, final DvmcClient client)
    {
        nowMs = now;
        if (now >= nextPolicyLookMs)
        {
            nextPolicyLookMs = now + POLICY_LOOK_INTERVAL_MS;
            policy.domains();
        }
        int work = changes.drain(scheduler, schedulerOfAll);
        work += askDue(firstAsk, client);
        work += askDue(secondAsk, client);
        return work;
    }

    private void schedule(final int domainId)
    {
        firstAsk.put(domainId & 0xFFFF_FFFFL, nowMs + FIRST_ASK_MS);
        secondAsk.put(domainId & 0xFFFF_FFFFL, nowMs + SECOND_ASK_MS);
    }

    private void scheduleAll()
    {
        // Changes were lost to a full queue: any domain may have changed; ask() skips those this host has no record of.
        for (final Domain d : policy.domains())
        {
            schedule(d.id());
        }
    }

    private int askDue(final Long2LongHashMap asks, final DvmcClient client)
    {
        if (asks.isEmpty())
        {
            return 0;
        }
        due.clear();
        asks.forEachLong(collectDue);
        for (int i = 0; i < due.size(); i++)
        {
            final int domainId = due.getInt(i);
            if (ask(domainId, client))
            {
                asks.remove(domainId & 0xFFFF_FFFFL);
            }
        }
        return due.size();
    }

    private void collectDue(final long domainId, final long atMs)
    {
        if (atMs <= nowMs)
        {
            due.addInt((int)domainId);
        }
    }

    /** @return false to try again at the next poll (an INFORM of the domain in flight, or no room in the tables). */
    private boolean ask(final int domainId, final DvmcClient client)
    {
        if (!stores.domain(domainId, record) || record.isRelay())
        {
            // A relay domain's options are each VM's own, from the tenant server at the VM's next renewal.
            return true;
        }
        if (exchanges.byVm(domainId, Exchanges.NO_VM) != Exchanges.NONE)
        {
            // Its answer may predate the change: ask again once it is in.
            return false;
        }
        final InetSocketAddress service = locator.locate(domainId);
        if (service == null)
        {
            counters.noService.incrementRelease();
            return true;
        }
        final int slot = exchanges.claim(domainId, Exchanges.NO_VM, 0, 0, -1);
        if (slot == Exchanges.NONE)
        {
            return false;
        }
        final long xid = client.send(DvmcMessageType.INFORM, service, domainId, Exchanges.NO_VM, 0, 0, 0, 0);
        if (DvmcClient.isError(xid))
        {
            exchanges.release(slot);
            return false;
        }
        exchanges.started(slot, xid, Exchanges.OPTIONS, DvmcMessageType.INFORM, service, nowMs);
        counters.optionsRefreshes.incrementRelease();
        return true;
    }
}
