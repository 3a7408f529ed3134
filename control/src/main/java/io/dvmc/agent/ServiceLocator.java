package io.dvmc.agent;

import io.dvmc.exchange.RetryPolicy;
import io.dvmc.policy.DomainChangeQueue;
import io.dvmc.policy.PolicyStore;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.EpochClock;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Finds the dvmc service of a virtual domain (patent FIG. 4, decision 420): the local cache first, else the
 * policy service (steps 425–430). Entries expire so that a moved service is found again. All exchanges of a
 * domain go to one service (an OFFER is held by the service that made it) until it stops answering: then
 * {@link #failover} moves the domain to its next service. A store that watches the policy service (etcd) tells
 * of changed domains: their entries are dropped before the next lookup (claim 1), so the next VM of a domain
 * whose services moved reaches the new endpoint at once rather than when the entry expires.
 *
 * <p>The first service of a domain is picked by a stable hash of (host id, domain id) over the domain's service
 * list, so that the hosts of a domain spread over its active replicas (which share their leases) instead of all
 * loading the first. A request unanswered after {@link #FAILOVER_RETRY} moves the domain on quickly enough that
 * the VM's own second try already reaches the next replica.
 */
public final class ServiceLocator
{
    /** Domain changes waiting for the agent thread; more than this between two lookups drops the whole cache. */
    private static final int CHANGE_QUEUE_CAPACITY = 4096;

    private static final class Entry
    {
        List<InetSocketAddress> services;
        long expiresMs;
        int next;
    }

    /**
     * The agent's DVMC retransmissions: sends at 0, 0.2 and 0.6 s and the failover at 1.4 s, before a DHCP client
     * tries again (udhcpc every 2–3 s, dhclient and dhcpcd after ~4 s, RFC 2131 §4.1): the client's second try
     * goes to the next service.
     */
    public static final RetryPolicy FAILOVER_RETRY = new RetryPolicy(3, 200, 4_000);

    private final PolicyStore policy;
    private final EpochClock clock;
    private final long ttlMs;
    private final AgentCounters counters;
    private final Int2ObjectHashMap<Entry> cache = new Int2ObjectHashMap<>();
    private final DomainChangeQueue changes = new DomainChangeQueue(CHANGE_QUEUE_CAPACITY);
    private final IntConsumer invalidator = this::invalidate;
    private final Runnable invalidatorOfAll = this::invalidateAll;
    private final int hostId;

    public ServiceLocator(final PolicyStore policy, final EpochClock clock, final long ttlMs,
        final AgentCounters counters)
    {
        this(policy, clock, ttlMs, counters, 0);
    }

    /** @param hostId spreads the domains of this host over their services (see the class comment). */
    public ServiceLocator(
        final PolicyStore policy, final EpochClock clock, final long ttlMs, final AgentCounters counters,
        final int hostId)
    {
        this.hostId = hostId;
        this.policy = policy;
        this.clock = clock;
        this.ttlMs = ttlMs;
        this.counters = counters;
        policy.addListener(changes);
    }

    /** @return the current service of the domain, or null if it has none. */
    public InetSocketAddress locate(final int domainId)
    {
        changes.drain(invalidator, invalidatorOfAll);
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
                entry.next = firstService(hostId, domainId, services.size());
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

    /** The domain changed in the policy service: forget where its service was. On the agent's thread. */
    public void invalidate(final int domainId)
    {
        if (cache.remove(domainId) != null)
        {
            counters.locationsInvalidated.incrementRelease();
        }
    }

    private void invalidateAll()
    {
        counters.locationsInvalidated.getAndAddRelease(cache.size());
        cache.clear();
    }

    /** The index of the first service a host uses for a domain: the same for every start of the agent. */
    static int firstService(final int hostId, final int domainId, final int services)
    {
        // MurmurHash3's 64-bit finaliser: neighbouring host ids land on unrelated services.
        long h = ((long)hostId << 32) ^ (domainId & 0xFFFF_FFFFL);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int)Long.remainderUnsigned(h, services);
    }

    /**
     * The current service of the domain did not answer: use its next one. The entry keeps its expiry; the list is
     * read again when it expires or the policy changes the domain.
     */
    public void failover(final int domainId)
    {
        final Entry entry = cache.get(domainId);
        if (entry != null)
        {
            entry.next++;
        }
    }
}
