package io.dvmc.dataplane;

import io.dvmc.lease.LeaseRecord;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A worker's copies of the leases it answered from, so that a renewal reads no memory the agent writes: a lookup
 * in the shared store takes its segment's lock (two atomic read-modify-writes on a line the agent writes too), copies
 * the record and checks its checksum. Each entry holds the whole record value as the store returned it, already
 * checked, so a hit costs a few compares and no copy.
 *
 * <p>Set-associative ({@link #WAYS} entries a set, replaced in turn), fixed size, primitive arrays and one off-heap
 * block: nothing is allocated after construction. Only found, valid records are kept; a miss asks the store again.
 * The agent's writes reach it as {@link #invalidate} (LEASE_CHANGED) or {@link #clear} (a full flush, the stores
 * closed or reopened), so an entry never outlives a write of its lease (StoreAccess).
 *
 * <p>One thread only: the worker's.
 */
final class LeaseCache
{
    static final int WAYS = 4;
    /** No MAC is 64 bits wide: marks an empty entry. */
    private static final long EMPTY = -1L;

    private final int setMask;
    private final long[] macs;
    private final int[] domainIds;
    private final byte[] nextVictim;
    private final UnsafeBuffer values;

    /** @param entries at least {@link #WAYS}; rounded up to a power of two. */
    LeaseCache(final int entries)
    {
        final int size = BitUtil.findNextPositivePowerOfTwo(Math.max(WAYS, entries));
        this.setMask = size / WAYS - 1;
        this.macs = new long[size];
        this.domainIds = new int[size];
        this.nextVictim = new byte[size / WAYS];
        this.values = new UnsafeBuffer(ByteBuffer.allocateDirect(size * LeaseRecord.LENGTH));
        Arrays.fill(macs, EMPTY);
    }

    int capacity()
    {
        return macs.length;
    }

    /** @return whether (domain, MAC) is cached; if so {@code into} is wrapped over its copy (valid until a write). */
    boolean get(final int domainId, final long mac, final LeaseRecord into)
    {
        final int base = set(domainId, mac);
        for (int i = base; i < base + WAYS; i++)
        {
            if (macs[i] == mac && domainIds[i] == domainId)
            {
                into.wrap(values, i * LeaseRecord.LENGTH);
                return true;
            }
        }
        return false;
    }

    /**
     * Gives (domain, MAC) an entry, emptied (an empty way of its set, else the set's next in turn), and wraps
     * {@code into} over its value for the store to copy the record into; {@link #keep} makes it an entry.
     *
     * @return the entry, for {@link #keep}.
     */
    int claim(final int domainId, final long mac, final LeaseRecord into)
    {
        final int base = set(domainId, mac);
        int entry = -1;
        for (int i = base; i < base + WAYS; i++)
        {
            if (macs[i] == EMPTY || macs[i] == mac && domainIds[i] == domainId)
            {
                entry = i;
                break;
            }
        }
        if (entry < 0)
        {
            final int set = base / WAYS;
            entry = base + nextVictim[set];
            nextVictim[set] = (byte)((nextVictim[set] + 1) & (WAYS - 1));
        }
        macs[entry] = EMPTY;
        into.wrap(values, entry * LeaseRecord.LENGTH);
        return entry;
    }

    /** The record {@link #claim} gave {@code entry} was found: it answers (domain, MAC) until invalidated. */
    void keep(final int entry, final int domainId, final long mac)
    {
        domainIds[entry] = domainId;
        macs[entry] = mac;
    }

    /** LEASE_CHANGED: the agent wrote or removed this lease. */
    void invalidate(final int domainId, final long mac)
    {
        final int base = set(domainId, mac);
        for (int i = base; i < base + WAYS; i++)
        {
            if (macs[i] == mac && domainIds[i] == domainId)
            {
                macs[i] = EMPTY;
            }
        }
    }

    void clear()
    {
        Arrays.fill(macs, EMPTY);
    }

    private int set(final int domainId, final long mac)
    {
        final long hash = (mac ^ (long)domainId << 48 ^ domainId) * 0x9E37_79B9_7F4A_7C15L;
        return ((int)(hash >>> 32) & setMask) * WAYS;
    }
}
