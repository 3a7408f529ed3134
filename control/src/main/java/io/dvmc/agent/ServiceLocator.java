package io.dvmc.agent;

import io.dvmc.policy.PolicyStore;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.EpochClock;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Finds the dvmc service of a virtual domain (patent FIG. 4, decision 420): the local cache first, else the
 * policy service (steps 425–430). Entries expire so that a moved service is found again. All exchanges of a
 * domain go to one service (an OFFER is held by the service that made it) until it stops answering: then
 * {@link #failover} moves the domain to its next service.
 */
public final class ServiceLocator
{
    private static final class Entry
    {
        List<InetSocketAddress> services;
        long expiresMs;
        int next;
    }

    private final PolicyStore policy;
    private final EpochClock clock;
    private final long ttlMs;
    private final AgentCounters counters;
    private final Int2ObjectHashMap<Entry> cache = new Int2ObjectHashMap<>();

    public ServiceLocator(final PolicyStore policy, final EpochClock clock, final long ttlMs, final AgentCounters counters)
    {
        this.policy = policy;
        this.clock = clock;
        this.ttlMs = ttlMs;
        this.counters = counters;
    }

    /** @return the current service of the domain, or null if it has none. */
    public InetSocketAddress locate(final int domainId)
    {
        final long now = clock.time();
        Entry entry = cache.get(domainId);
        if (entry == null || now >= entry.expiresMs)
        {
            counters.policyLookups.incrementRelease();
            final List<InetSocketAddress> services = policy.serviceLocations(domainId);
            if (services.isEmpty())
            {
                cache.remove(domainId);
                return null;
            }
            if (entry == null)
            {
                entry = new Entry();
                cache.put(domainId, entry);
            }
            entry.services = services;
            entry.expiresMs = now + ttlMs;
        }
        else
        {
            counters.locationCacheHits.incrementRelease();
        }
        return entry.services.get(entry.next % entry.services.size());
    }

    /** The current service of the domain did not answer: use its next one, and look the domain up again soon. */
    public void failover(final int domainId)
    {
        final Entry entry = cache.get(domainId);
        if (entry != null)
        {
            entry.next++;
        }
    }
}
