package io.dvmc.agent;

import org.agrona.collections.Hashing;

/**
 * Token buckets for many keys, each kept as the GCRA's single number: the theoretical arrival time (TAT) of the next
 * request that conforms, in nanoseconds of a monotonic clock. A request conforms when it arrives no more than the
 * burst tolerance before its TAT; it then moves the TAT on by one emission interval. A key whose TAT has passed
 * holds a full bucket, which is what a key never seen holds too, so such a slot may be taken by another key.
 *
 * <p>Open addressing over preallocated arrays, a bounded probe: nothing is allocated per request. When every slot
 * of a probe holds a key that is being limited, the one limited least is replaced (its bucket refills at once);
 * the table is sized well above the VMs of a host so that this does not happen in practice.
 */
final class RateTable
{
    private static final int PROBE = 16;

    private final long[] keys;
    private final long[] tats;
    private final boolean[] used;
    private final int mask;
    private final long intervalNs;
    private final long toleranceNs;

    /**
     * @param capacity  slots, rounded up to a power of two.
     * @param perSecond the sustained rate allowed per key.
     * @param burst     how many requests a key that was idle may send at once (at least 1).
     */
    RateTable(final int capacity, final double perSecond, final int burst)
    {
        if (!(perSecond > 0) || burst < 1)
        {
            throw new IllegalArgumentException("rate must be positive and burst at least 1");
        }
        final int size = Integer.highestOneBit(Math.max(PROBE, capacity - 1)) << 1;
        keys = new long[size];
        tats = new long[size];
        used = new boolean[size];
        mask = size - 1;
        intervalNs = Math.max(1, (long)(1e9 / perSecond));
        toleranceNs = intervalNs * (burst - 1);
    }

    /** Whether a request of {@code key} at {@code nowNs} conforms; if it does, it is counted. */
    boolean tryAcquire(final long key, final long nowNs)
    {
        final int start = Hashing.hash(key, mask);
        int victim = -1;
        for (int i = 0; i < PROBE; i++)
        {
            final int slot = (start + i) & mask;
            if (!used[slot])
            {
                used[slot] = true;
                keys[slot] = key;
                tats[slot] = nowNs + intervalNs;
                return true;
            }
            if (keys[slot] == key)
            {
                return take(slot, nowNs);
            }
            if (victim < 0 || tats[slot] - tats[victim] < 0)
            {
                victim = slot;
            }
        }
        keys[victim] = key;
        tats[victim] = nowNs + intervalNs;
        return true;
    }

    private boolean take(final int slot, final long nowNs)
    {
        final long tat = tats[slot] - nowNs < 0 ? nowNs : tats[slot];
        if (tat - nowNs > toleranceNs)
        {
            return false;
        }
        tats[slot] = tat + intervalNs;
        return true;
    }
}
