package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_shim_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An ethdev port (any EAL port: PCI NIC, net_pcap, net_ring, net_af_packet, net_tap, net_vhost, ...) with one or
 * more rx and tx queue pairs. Each queue's bursts are meant for the one thread that owns it; setup, stats and close
 * from any thread while no burst runs.
 */
public final class EthPort implements AutoCloseable
{

    private final int id;
    private final short portId;
    private final String name;
    private boolean started;
    private boolean closed;

    private EthPort(int id, String name)
    {
        this.id = id;
        this.portId = (short)id;
        this.name = name;
    }

    /** Ports available (probed and not closed). */
    public static int count()
    {
        return dvmc_shim_h.dvmc_port_count() & 0xffff;
    }

    /** The port of an EAL device name, e.g. {@code net_pcap0} for {@code --vdev=net_pcap0,...}. */
    public static EthPort byName(String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            MemorySegment id = arena.allocate(ValueLayout.JAVA_SHORT);
            Native.check(dvmc_shim_h.dvmc_port_by_name(arena.allocateFrom(name), id), "no port " + name);
            return new EthPort(id.get(ValueLayout.JAVA_SHORT, 0) & 0xffff, name);
        }
    }

    public static EthPort byId(int id)
    {
        if (id < 0 || id > 0xffff)
        {
            throw new IllegalArgumentException("port id " + id);
        }
        try (Arena arena = Arena.ofConfined())
        {
            MemorySegment buf = arena.allocate(64);
            Native.check(dvmc_shim_h.dvmc_port_name((short)id, buf, buf.byteSize()), "no port " + id);
            return new EthPort(id, buf.getString(0));
        }
    }

    public int id()
    {
        return id;
    }

    public String name()
    {
        return name;
    }

    /** As {@link #setup(MbufPool, int, int, int)} with one queue pair. */
    public void setup(MbufPool pool, int rxDescriptors, int txDescriptors)
    {
        setup(pool, rxDescriptors, txDescriptors, 1);
    }

    /**
     * Configures {@code queues} rx queues (filled from {@code pool}) and as many tx queues with the given descriptor
     * counts (the PMD may adjust them), spreading flows over the rx queues by RSS where the port hashes them, starts
     * the port, and turns promiscuous mode on where the PMD has it.
     *
     * @throws EalException if the port has fewer queues than asked for, saying how many it has.
     */
    public void setup(MbufPool pool, int rxDescriptors, int txDescriptors, int queues)
    {
        checkOpen();
        if (queues < 1 || queues > 0xffff)
        {
            throw new IllegalArgumentException("queues " + queues);
        }
        if (queues > 1)
        {
            final int[] max = maxQueues();
            if (max[0] < queues || max[1] < queues)
            {
                throw new EalException("port " + name + " has at most " + max[0] + " rx and " + max[1] +
                    " tx queues and " + queues + " lanes need one pair each (a vdev takes more from its devargs: " +
                    "net_af_packet qpairs=N, net_vhost and net_tap queues=N, net_pcap one rx_pcap and tx_pcap each)",
                    22);
            }
        }
        Native.check(dvmc_shim_h.dvmc_port_setup(portId, pool.segment(), (short)rxDescriptors, (short)txDescriptors,
            (short)queues), "setup of port " + name + " with " + queues + " queue pair(s)");
        started = true;
    }

    /** The index of the kernel interface behind the port (net_af_packet, net_tap), 0 for a port with none. */
    public int ifIndex()
    {
        final int index = dvmc_shim_h.dvmc_port_if_index(portId);
        Native.check(index, "interface index of port " + name);
        return index;
    }

    /**
     * The interrupt of rx {@code queue}, for a loop that sleeps while the queue is empty; null for a port without rx
     * interrupts (all but {@code net_vhost}). After {@link #setup}; invalid once the port is closed.
     */
    public RxInterrupt rxInterrupt(int queue)
    {
        checkOpen();
        return RxInterrupt.of(portId, queue, name);
    }

    /** How many rx and tx queues the port may have: {rx, tx}. */
    public int[] maxQueues()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment rx = arena.allocate(ValueLayout.JAVA_SHORT);
            final MemorySegment tx = arena.allocate(ValueLayout.JAVA_SHORT);
            Native.check(dvmc_shim_h.dvmc_port_max_queues(portId, rx, tx), "queues of port " + name);
            return new int[]{rx.get(ValueLayout.JAVA_SHORT, 0) & 0xffff, tx.get(ValueLayout.JAVA_SHORT, 0) & 0xffff};
        }
    }

    /** Receives from queue 0: {@link #rxBurst(int, MbufBurst)}. */
    public int rxBurst(MbufBurst burst)
    {
        return rxBurst(0, burst);
    }

    /**
     * Receives up to {@code burst.capacity()} mbufs from rx {@code queue} into indexes 0..n-1; returns n. The caller
     * owns them.
     */
    public int rxBurst(int queue, MbufBurst burst)
    {
        return dvmc_shim_h.dvmc_rx_burst(portId, (short)queue, burst.at(0), (short)burst.capacity()) & 0xffff;
    }

    /** Sends on queue 0: {@link #txBurst(int, MbufBurst, int, int)}. */
    public int txBurst(MbufBurst burst, int offset, int count)
    {
        return txBurst(0, burst, offset, count);
    }

    /**
     * Sends the mbufs at {@code offset..offset+count-1} on tx {@code queue}; returns how many were taken (a prefix).
     * The PMD frees sent mbufs; the caller still owns the rest (retry or {@link MbufBurst#freeAll}).
     */
    public int txBurst(int queue, MbufBurst burst, int offset, int count)
    {
        burst.checkRange(offset, count);
        return dvmc_shim_h.dvmc_tx_burst(portId, (short)queue, burst.at(offset), (short)count) & 0xffff;
    }

    /**
     * Fills {@code into} with the port's counters. Does not throw, so a poll loop can call it.
     *
     * @return false when the PMD gave no counters ({@code into} unchanged)
     */
    public boolean stats(PortStats into)
    {
        if (dvmc_shim_h.dvmc_port_stats(portId, into.segment()) < 0)
        {
            return false;
        }
        into.load();
        return true;
    }

    public void resetStats()
    {
        Native.check(dvmc_shim_h.dvmc_port_stats_reset(portId), "stats reset of port " + name);
    }

    /** The port's MAC address in the low 48 bits, first octet highest (02:00:00:00:00:01 == 0x020000000001L). */
    public long mac()
    {
        try (Arena arena = Arena.ofConfined())
        {
            MemorySegment mac = arena.allocate(6);
            Native.check(dvmc_shim_h.dvmc_port_mac(portId, mac), "mac of port " + name);
            long value = 0;
            for (int i = 0; i < 6; i++)
            {
                value = (value << 8) | (mac.get(ValueLayout.JAVA_BYTE, i) & 0xff);
            }
            return value;
        }
    }

    public boolean linkUp()
    {
        return Native.check(dvmc_shim_h.dvmc_port_link_up(portId), "link of port " + name) == 1;
    }

    /** Stops rx/tx; {@link #setup} may be called again after. */
    public void stop()
    {
        if (started)
        {
            started = false;
            Native.check(dvmc_shim_h.dvmc_port_stop(portId), "stop of port " + name);
        }
    }

    /** Stops and closes the port; the PMD releases it (a vdev stays plugged until {@link VdevHotplug#remove}). */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        stop();
        closed = true;
        Native.check(dvmc_shim_h.dvmc_port_close(portId), "close of port " + name);
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("port " + name + " is closed");
        }
    }

    @Override
    public String toString()
    {
        return "port " + id + " (" + name + ")";
    }
}
