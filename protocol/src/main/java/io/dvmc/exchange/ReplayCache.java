package io.dvmc.exchange;

import org.agrona.collections.LongHashSet;

/**
 * Remembers the requests accepted within the timestamp window so that a captured datagram sent again is dropped.
 * A message is keyed by a 64-bit hash of (sender, transaction id, type, timestamp); senders re-stamp every
 * retransmission, so a legitimate retransmission never looks like a replay.
 *
 * <p>Keys are kept in generations by timestamp, one window wide each. A receiver accepts timestamps within one
 * window either side of its clock, which touches at most three consecutive generations; a generation older than
 * that can never be replayed, so it is cleared as a whole and its set reused. The sets grow with the message
 * rate (nothing is refused for being one of many), and {@code capacity} bounds only the memory: at the default
 * it takes more than 70,000 requests a second for a minute to reach it. Constant work per message; a clear, once
 * per window per generation, is a fill of the set's arrays.
 */
public final class ReplayCache
{
    private static final int GENERATIONS = 4;
    private static final int INITIAL_SET_CAPACITY = 1 << 12;

    private final LongHashSet[] seen = new LongHashSet[GENERATIONS];
    private final long[] generationOf = new long[GENERATIONS];
    private final int capacity;
    private final long windowMs;
    private int size;

    /**
     * @param capacity how many accepted messages may be remembered at once (a memory bound, not a rate).
     * @param windowMs how far a timestamp may be from the receiver's clock, either way.
     */
    public ReplayCache(final int capacity, final long windowMs)
    {
        if (capacity < 1 || windowMs < 1)
        {
            throw new IllegalArgumentException("capacity and window must be positive");
        }
        this.capacity = capacity;
        this.windowMs = windowMs;
        for (int i = 0; i < GENERATIONS; i++)
        {
            seen[i] = new LongHashSet(INITIAL_SET_CAPACITY, 0.65f);
            generationOf[i] = Long.MIN_VALUE;
        }
    }

    /**
     * Records a message, or reports that it was seen before.
     *
     * @return {@link DvmcError#OK}, {@link DvmcError#REPLAY}, {@link DvmcError#STALE} for a timestamp outside the
     *     window, or {@link DvmcError#REPLAY_CACHE_FULL} when more messages are live than {@code capacity} (fail
     *     closed).
     */
    public int check(final long sender, final long transactionId, final int type, final long timestampMs,
        final long nowMs)
    {
        if (timestampMs < nowMs - windowMs || timestampMs > nowMs + windowMs)
        {
            return DvmcError.STALE;
        }
        forgetBefore(Math.floorDiv(nowMs - windowMs, windowMs));
        final long generation = Math.floorDiv(timestampMs, windowMs);
        final int slot = (int)(generation & (GENERATIONS - 1));
        // Forgotten above if it held an older generation: four consecutive ones cannot all be live.
        generationOf[slot] = generation;
        final LongHashSet set = seen[slot];
        final long key = key(sender, transactionId, type, timestampMs);
        if (set.contains(key))
        {
            return DvmcError.REPLAY;
        }
        if (size >= capacity)
        {
            return DvmcError.REPLAY_CACHE_FULL;
        }
        set.add(key);
        size++;
        return DvmcError.OK;
    }

    /** Messages remembered now. */
    public int size()
    {
        return size;
    }

    private void forgetBefore(final long oldestLive)
    {
        for (int i = 0; i < GENERATIONS; i++)
        {
            if (generationOf[i] < oldestLive && generationOf[i] != Long.MIN_VALUE)
            {
                size -= seen[i].size();
                seen[i].clear();
                generationOf[i] = Long.MIN_VALUE;
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
