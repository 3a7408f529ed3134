package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_shim_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A preallocated off-heap array of mbuf pointers ({@code struct rte_mbuf *[capacity]}) for burst rx/tx, bulk alloc
 * and bulk free: one native call per burst, no allocation. Not thread-safe: one per poll thread.
 */
public final class MbufBurst implements AutoCloseable
{

    private static final ValueLayout.OfLong POINTER = ValueLayout.JAVA_LONG;

    private final int capacity;
    private final Arena arena;
    private final MemorySegment array;
    // Views of the array from each index, with global scope: a downcall on a segment of a shared arena acquires
    // and releases that arena (two atomic ops), and the views make offset calls allocation-free.
    private final MemorySegment[] from;
    private boolean closed;

    public MbufBurst(int capacity)
    {
        if (capacity <= 0 || capacity > 0xffff)
        {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        this.arena = Arena.ofShared();
        this.array = arena.allocate(POINTER, capacity);
        this.from = new MemorySegment[capacity + 1];
        long base = array.address();
        for (int i = 0; i <= capacity; i++)
        {
            from[i] = MemorySegment.ofAddress(base + 8L * i).reinterpret(8L * (capacity - i));
        }
    }

    public int capacity()
    {
        return capacity;
    }

    /** The mbuf pointer at {@code index} (0 when unset). */
    public long mbuf(int index)
    {
        return array.getAtIndex(POINTER, index);
    }

    public void set(int index, long mbuf)
    {
        array.setAtIndex(POINTER, index, mbuf);
    }

    /**
     * Allocates {@code n} mbufs into indexes 0..n-1 in one call; all or nothing.
     *
     * @return false when the pool has fewer than {@code n} free mbufs (nothing allocated)
     */
    public boolean allocBulk(MbufPool pool, int n)
    {
        checkRange(0, n);
        int ret = dvmc_shim_h.dvmc_pktmbuf_alloc_bulk(pool.segment(), from[0], n);
        if (ret == 0)
        {
            return true;
        }
        if (ret == -105 /* ENOBUFS, 22.11 */ || ret == -2 /* ENOENT, older DPDK */)
        {
            return false;
        }
        throw Native.error("rte_pktmbuf_alloc_bulk", ret);
    }

    /** Frees the mbufs at indexes {@code from..from+count-1} (chains included; 0 entries skipped) in one call. */
    public void freeAll(int fromIndex, int count)
    {
        checkRange(fromIndex, count);
        if (count > 0)
        {
            dvmc_shim_h.dvmc_pktmbuf_free_bulk(from[fromIndex], count);
        }
    }

    /** The pointer array from {@code index} on, for the shim. */
    MemorySegment at(int index)
    {
        if (closed)
        {
            throw new IllegalStateException("burst is closed");
        }
        return from[index];
    }

    void checkRange(int fromIndex, int count)
    {
        if (closed)
        {
            throw new IllegalStateException("burst is closed");
        }
        if (fromIndex < 0 || count < 0 || fromIndex + count > capacity)
        {
            throw new IndexOutOfBoundsException("from " + fromIndex + " count " + count + " capacity " + capacity);
        }
    }

    /** Frees the pointer array (not the mbufs it points to). */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            arena.close();
        }
    }
}
