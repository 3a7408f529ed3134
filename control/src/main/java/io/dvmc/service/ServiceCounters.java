package io.dvmc.service;

import io.dvmc.exchange.DvmcError;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The service's counters: written by its agent thread only (single writer, ordered stores), readable from any
 * thread. Drops are counted by {@link DvmcError} code.
 */
public final class ServiceCounters
{
    /** What the service counts besides drops. */
    public enum Counter
    {
        RECEIVED,
        OFFERS,
        ACKS,
        NAKS,
        RELEASES,
        DECLINES,
        INFORMS,
        LEASE_QUERIES,
        SENT,
        SEND_FAILURES,
        EXPIRED,
        JOURNAL_SYNCS,
        JOURNAL_FAILURES,
        COMPACTIONS,
        ERRORS
    }

    private static final Counter[] COUNTERS = Counter.values();

    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS.length);
    private final AtomicLongArray drops = new AtomicLongArray(DvmcError.COUNT);

    public long get(final Counter counter)
    {
        return counters.get(counter.ordinal());
    }

    /** Datagrams dropped without an answer for reason {@code errorCode} (a negative {@link DvmcError} code). */
    public long drops(final int errorCode)
    {
        return drops.get(-errorCode);
    }

    public long totalDrops()
    {
        long total = 0;
        for (int i = 0; i < DvmcError.COUNT; i++)
        {
            total += drops.get(i);
        }
        return total;
    }

    /** Every non-zero counter by name, drops as "drop.&lt;reason&gt;", for dvmcctl and logs. */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> out = new LinkedHashMap<>();
        for (final Counter c : COUNTERS)
        {
            out.put(c.name().toLowerCase(), get(c));
        }
        for (int i = 1; i < DvmcError.COUNT; i++)
        {
            final long n = drops.get(i);
            if (n != 0)
            {
                out.put("drop." + DvmcError.name(-i), n);
            }
        }
        return out;
    }

    void increment(final Counter counter)
    {
        add(counters, counter.ordinal(), 1);
    }

    void add(final Counter counter, final long delta)
    {
        add(counters, counter.ordinal(), delta);
    }

    void drop(final int errorCode)
    {
        add(drops, -errorCode, 1);
    }

    private static void add(final AtomicLongArray array, final int index, final long delta)
    {
        // Single writer: an ordered store is enough and cheaper than an atomic add.
        array.lazySet(index, array.get(index) + delta);
    }
}
