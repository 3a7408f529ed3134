package io.dvmc.service;

import io.dvmc.config.Addresses;
import org.agrona.collections.Long2LongHashMap;

import java.util.ArrayList;
import java.util.List;

/**
 * Addresses the service must not hand out, whatever the pools say, kept apart from the pools so that a policy edit
 * (which rebuilds a domain's pool) keeps them: addresses declined by a client (RFC 2131 §4.3.3), until their hold
 * ends, and addresses a damaged journal record may hold, until the operator lifts the quarantine. A quarantine of
 * domain 0 address 0 stands for every address: the damaged record could not be read at all. Journalled by the
 * address manager. Single-threaded.
 */
final class HeldAddresses
{
    /** The end of a quarantine's hold: none, until lifted. */
    static final long UNTIL_LIFTED = Long.MAX_VALUE;
    private static final long NONE = Long.MIN_VALUE;

    /** (domain id, address) → end of the hold, ms since the epoch. */
    private final Long2LongHashMap untilMs = new Long2LongHashMap(NONE);
    private boolean everyAddress;
    private int quarantined;

    /** Holds (domain, address) until {@code until}; a longer hold already there stays. */
    void hold(final int domainId, final int address, final long until)
    {
        if (domainId == 0 && address == 0)
        {
            if (!everyAddress)
            {
                everyAddress = true;
                quarantined++;
            }
            return;
        }
        final long key = LeaseBook.addressKey(domainId, address);
        final long old = untilMs.get(key);
        if (old == NONE || until > old)
        {
            untilMs.put(key, until);
            if (until == UNTIL_LIFTED && old != UNTIL_LIFTED)
            {
                quarantined++;
            }
        }
    }

    /**
     * Lifts the quarantine of (domain, address), or every quarantine with domain and address 0; declines keep
     * their hold.
     *
     * @return the addresses lifted, to return to their pools.
     */
    List<long[]> lift(final int domainId, final int address)
    {
        final List<long[]> lifted = new ArrayList<>();
        final boolean all = domainId == 0 && address == 0;
        if (all)
        {
            everyAddress = false;
        }
        final Long2LongHashMap.EntryIterator it = untilMs.entrySet().iterator();
        while (it.hasNext())
        {
            it.next();
            final long key = it.getLongKey();
            if (it.getLongValue() == UNTIL_LIFTED && (all || key == LeaseBook.addressKey(domainId, address)))
            {
                lifted.add(new long[]{key >>> 32, (int)key});
                it.remove();
            }
        }
        quarantined = countQuarantined();
        return lifted;
    }

    /**
     * Ends the declines whose hold has passed.
     *
     * @param ended receives (domain id, address) of each.
     */
    void sweep(final long nowMs, final Ended ended)
    {
        if (untilMs.isEmpty())
        {
            return;
        }
        final Long2LongHashMap.EntryIterator it = untilMs.entrySet().iterator();
        while (it.hasNext())
        {
            it.next();
            if (it.getLongValue() <= nowMs)
            {
                final long key = it.getLongKey();
                it.remove();
                ended.onEnded((int)(key >>> 32), (int)key);
            }
        }
    }

    /** Receives a hold that ended. */
    @FunctionalInterface
    interface Ended
    {
        void onEnded(int domainId, int address);
    }

    /** Receives every hold: domain, address, end of the hold ({@link #UNTIL_LIFTED} for a quarantine). */
    @FunctionalInterface
    interface Visitor
    {
        void onHeld(int domainId, int address, long until);
    }

    void forEach(final Visitor visitor)
    {
        if (everyAddress)
        {
            visitor.onHeld(0, 0, UNTIL_LIFTED);
        }
        final Long2LongHashMap.EntryIterator it = untilMs.entrySet().iterator();
        while (it.hasNext())
        {
            it.next();
            final long key = it.getLongKey();
            visitor.onHeld((int)(key >>> 32), (int)key, it.getLongValue());
        }
    }

    /** Whether a quarantine covers every address: no new address may be handed out. */
    boolean holdsEveryAddress()
    {
        return everyAddress;
    }

    boolean isHeld(final int domainId, final int address)
    {
        return everyAddress || untilMs.get(LeaseBook.addressKey(domainId, address)) != NONE;
    }

    /** Quarantines in force (the quarantine of every address counts one). */
    int quarantined()
    {
        return quarantined;
    }

    /** One line per quarantine, "DOMAIN ADDRESS" or "any any", for the operator. */
    List<String> describeQuarantines()
    {
        final List<String> lines = new ArrayList<>();
        forEach((domainId, address, until) -> {
            if (until == UNTIL_LIFTED)
            {
                lines.add(domainId == 0 && address == 0
                    ? "any any"
                    : Integer.toUnsignedString(domainId) + " " + Addresses.ipv4(address));
            }
        });
        return lines;
    }

    private int countQuarantined()
    {
        int n = everyAddress ? 1 : 0;
        final Long2LongHashMap.ValueIterator it = untilMs.values().iterator();
        while (it.hasNext())
        {
            if (it.nextValue() == UNTIL_LIFTED)
            {
                n++;
            }
        }
        return n;
    }
}
