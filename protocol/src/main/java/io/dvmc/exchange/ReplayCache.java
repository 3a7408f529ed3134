package io.dvmc.exchange;

import org.agrona.collections.Long2LongHashMap;

/**
 * Remembers the messages accepted within the timestamp window so that a captured datagram sent again is dropped.
 * A message is keyed by a 64-bit hash of (sender, transaction id, type, timestamp); senders re-stamp every
 * retransmission, so a legitimate retransmission never looks like a replay. Entries older than the window cannot
 * be replayed anyway (the window check rejects them), so they are purged when the cache fills.
 */
public final class ReplayCache
{
    private static final long PURGE_INTERVAL_MS = 1000;

    private final Long2LongHashMap seen;
    private final int capacity;
    private final long windowMs;
    private long nextPurgeMs = Long.MIN_VALUE;

    public ReplayCache(final int capacity, final long windowMs)
    {
        if (capacity < 1 || windowMs < 1)
        {
            throw new IllegalArgumentException("capacity and window must be positive");
        }
        this.capacity = capacity;
        this.windowMs = windowMs;
        // Avoid-allocation iterators: purging happens on the hot path's thread.
        this.seen = new Long2LongHashMap(Math.min(capacity * 2, 1 << 20), 0.65f, Long.MIN_VALUE, true);
    }

    /**
     * Records a message, or reports that it was seen before.
     *
     * @return {@link DvmcError#OK}, {@link DvmcError#REPLAY}, or {@link DvmcError#REPLAY_CACHE_FULL} when
     *     more distinct messages arrived inside one window than the cache holds (fail closed).
     */
    public int check(final long sender, final long transactionId, final int type, final long timestampMs,
        final long nowMs)
    {
        final long key = key(sender, transactionId, type, timestampMs);
        if (seen.get(key) != Long.MIN_VALUE)
        {
            return DvmcError.REPLAY;
        }
        if (seen.size() >= capacity)
        {
            // Bounded work per message: a full cache of live entries is purged at most once per interval.
            if (nowMs >= nextPurgeMs)
            {
                purge(nowMs);
                nextPurgeMs = nowMs + PURGE_INTERVAL_MS;
            }
            if (seen.size() >= capacity)
            {
                return DvmcError.REPLAY_CACHE_FULL;
            }
        }
        seen.put(key, timestampMs);
        return DvmcError.OK;
    }

    public int size()
    {
        return seen.size();
    }

    private void purge(final long nowMs)
    {
        final long oldestLive = nowMs - windowMs;
        final Long2LongHashMap.EntryIterator it = seen.entrySet().iterator();
        while (it.hasNext())
        {
            it.next();
            if (it.getLongValue() < oldestLive)
            {
                it.remove();
            }
        }
    }

    static long key(final long sender, final long transactionId, final int type, final long timestampMs)
    {
        long h = mix(sender * 0x9E3779B97F4A7C15L + type);
        h = mix(h ^ transactionId);
        return mix(h ^ timestampMs);
    }

    /** The splitmix64 finaliser: a bijection that spreads every input bit over the output. */
    private static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
