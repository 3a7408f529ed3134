package io.dvmc.agent;

import java.util.Arrays;

/**
 * When each bound lease of the host is next due for a refresh ({@link LeaseRefresher}): one entry per lease, keyed
 * by (domain, MAC), in a binary min-heap by due time, so that finding the leases due costs in proportion to how many
 * are due rather than to how many the store holds.
 *
 * <p>An open-addressing table (linear probing, at most half full) holds each lease's key, due time and place in the
 * heap; the heap holds table slots. Scheduling a lease again moves its entry; unscheduling removes it, so a lease
 * written again and again, or released, leaves nothing stale behind. Everything is allocated once, for the store's
 * capacity: nothing per entry, and no array grows (and is copied) on the agent's thread.
 *
 * <p>Single-threaded (the agent's thread).
 */
final class RefreshSchedule
{
    private static final long EMPTY = -1L;

    private final int capacity;
    private final int mask;
    private final int[] domains;
    private final long[] macs;
    private final long[] dues;
    private final int[] heapIndex;
    private final int[] heap;
    private int size;
    private int takenDomain;
    private long takenMac;

    /** A schedule for at most {@code capacity} leases. */
    RefreshSchedule(final int capacity)
    {
        this.capacity = capacity;
        final int tableSize = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
        mask = tableSize - 1;
        domains = new int[tableSize];
        macs = new long[tableSize];
        dues = new long[tableSize];
        heapIndex = new int[tableSize];
        heap = new int[capacity];
        Arrays.fill(macs, EMPTY);
    }

    int size()
    {
        return size;
    }

    /** Forgets every lease. */
    void clear()
    {
        Arrays.fill(macs, EMPTY);
        size = 0;
    }

    /**
     * Schedules the lease of {@code mac} in {@code domainId} for {@code dueMs}, in place of any time it had.
     *
     * @return false if the schedule is full and the lease was not scheduled.
     */
    boolean schedule(final long dueMs, final int domainId, final long mac)
    {
        int slot = find(domainId, mac);
        if (macs[slot] == EMPTY)
        {
            if (size == capacity)
            {
                return false;
            }
            domains[slot] = domainId;
            macs[slot] = mac;
            dues[slot] = dueMs;
            heap[size] = slot;
            heapIndex[slot] = size;
            siftUp(size++);
            return true;
        }
        final long before = dues[slot];
        dues[slot] = dueMs;
        if (dueMs < before)
        {
            siftUp(heapIndex[slot]);
        }
        else
        {
            siftDown(heapIndex[slot]);
        }
        return true;
    }

    /** Forgets the lease of {@code mac} in {@code domainId}, if it was scheduled. */
    void unschedule(final int domainId, final long mac)
    {
        final int slot = find(domainId, mac);
        if (macs[slot] != EMPTY)
        {
            removeFromHeap(heapIndex[slot]);
            delete(slot);
        }
    }

    /** The earliest due time, or {@link Long#MAX_VALUE} when nothing is scheduled. */
    long nextDue()
    {
        return size == 0 ? Long.MAX_VALUE : dues[heap[0]];
    }

    /**
     * Removes the earliest lease if it is due by {@code nowMs}; it is then {@link #takenDomain()} and
     * {@link #takenMac()}.
     */
    boolean takeDue(final long nowMs)
    {
        if (size == 0 || dues[heap[0]] > nowMs)
        {
            return false;
        }
        final int slot = heap[0];
        takenDomain = domains[slot];
        takenMac = macs[slot];
        removeFromHeap(0);
        delete(slot);
        return true;
    }

    int takenDomain()
    {
        return takenDomain;
    }

    long takenMac()
    {
        return takenMac;
    }

    /** The slot of the lease's key, or the empty slot where it would go. */
    private int find(final int domainId, final long mac)
    {
        int slot = home(domainId, mac);
        while (macs[slot] != EMPTY && (macs[slot] != mac || domains[slot] != domainId))
        {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private int home(final int domainId, final long mac)
    {
        long h = mac * 0x9E3779B97F4A7C15L ^ domainId * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        return (int)h & mask;
    }

    /** Empties {@code slot}, moving back the keys after it that probing could no longer reach (no tombstones). */
    private void delete(final int slot)
    {
        int hole = slot;
        int next = (hole + 1) & mask;
        while (macs[next] != EMPTY)
        {
            final int home = home(domains[next], macs[next]);
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                domains[hole] = domains[next];
                macs[hole] = macs[next];
                dues[hole] = dues[next];
                heapIndex[hole] = heapIndex[next];
                heap[heapIndex[hole]] = hole;
                hole = next;
            }
            next = (next + 1) & mask;
        }
        macs[hole] = EMPTY;
    }

    private void removeFromHeap(final int at)
    {
        final int last = heap[--size];
        if (at < size)
        {
            heap[at] = last;
            heapIndex[last] = at;
            siftDown(at);
            siftUp(heapIndex[last]);
        }
    }

    private void siftUp(final int from)
    {
        int at = from;
        final int slot = heap[at];
        final long due = dues[slot];
        while (at > 0)
        {
            final int parent = (at - 1) >>> 1;
            if (dues[heap[parent]] <= due)
            {
                break;
            }
            place(heap[parent], at);
            at = parent;
        }
        place(slot, at);
    }

    private void siftDown(final int from)
    {
        int at = from;
        final int slot = heap[at];
        final long due = dues[slot];
        while (true)
        {
            int child = 2 * at + 1;
            if (child >= size)
            {
                break;
            }
            if (child + 1 < size && dues[heap[child + 1]] < dues[heap[child]])
            {
                child++;
            }
            if (dues[heap[child]] >= due)
            {
                break;
            }
            place(heap[child], at);
            at = child;
        }
        place(slot, at);
    }

    private void place(final int slot, final int at)
    {
        heap[at] = slot;
        heapIndex[slot] = at;
    }
}
