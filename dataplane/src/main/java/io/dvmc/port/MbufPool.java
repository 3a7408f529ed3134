package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_shim_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A pool of packet mbufs ({@code rte_pktmbuf_pool_create}). Needs an initialized {@link Eal}. */
public final class MbufPool implements AutoCloseable
{

    /** RTE_MBUF_DEFAULT_BUF_SIZE: 2048 bytes of data after the 128-byte headroom. */
    public static final int DEFAULT_DATA_ROOM = 2048 + 128;
    /** SOCKET_ID_ANY. */
    public static final int ANY_SOCKET = -1;

    private final String name;
    private final int size;
    private MemorySegment pool;

    private MbufPool(String name, int size, MemorySegment pool)
    {
        this.name = name;
        this.size = size;
        this.pool = pool;
    }

    /**
     * Creates a pool of {@code size} mbufs (best as 2^q - 1) with a per-lcore cache of {@code cacheSize} (at most
     * 512 and at most size / 1.5; only threads with an lcore id use it) and {@code dataRoom} bytes per buffer
     * including the headroom.
     */
    public static MbufPool create(String name, int size, int cacheSize, int dataRoom, int socket)
    {
        if (size <= 0 || cacheSize < 0 || dataRoom <= 0 || dataRoom > 0xffff)
        {
            throw new IllegalArgumentException("size " + size + ", cache " + cacheSize + ", data room " + dataRoom);
        }
        MemorySegment pool;
        try (Arena arena = Arena.ofConfined())
        {
            pool = dvmc_shim_h.dvmc_mempool_create(arena.allocateFrom(name), size, cacheSize, (short)dataRoom, socket);
        }
        if (pool.equals(MemorySegment.NULL))
        {
            throw Native.error("rte_pktmbuf_pool_create " + name, dvmc_shim_h.dvmc_errno());
        }
        return new MbufPool(name, size, pool);
    }

    /** A pool of {@code size} default-sized mbufs on any socket, with a cache scaled to the size. */
    public static MbufPool create(String name, int size)
    {
        return create(name, size, Math.min(256, size / 8), DEFAULT_DATA_ROOM, ANY_SOCKET);
    }

    public String name()
    {
        return name;
    }

    public int size()
    {
        return size;
    }

    /** Free mbufs, including those in lcore caches. */
    public int avail()
    {
        return dvmc_shim_h.dvmc_mempool_avail(segment());
    }

    /** Mbufs allocated and not yet freed. */
    public int inUse()
    {
        return dvmc_shim_h.dvmc_mempool_in_use(segment());
    }

    /** The rte_mempool pointer, for the shim. */
    public MemorySegment segment()
    {
        MemorySegment p = pool;
        if (p == null)
        {
            throw new IllegalStateException("mempool " + name + " is closed");
        }
        return p;
    }

    /** Frees the pool; every port using it must be closed and every mbuf returned first. */
    @Override
    public void close()
    {
        MemorySegment p = pool;
        if (p != null)
        {
            pool = null;
            dvmc_shim_h.dvmc_mempool_free(p);
        }
    }
}
