package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_shim_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An ethdev port (any EAL port: PCI NIC, net_pcap, net_ring, net_af_packet, net_tap, net_vhost, ...) with one rx
 * and one tx queue (queue 0). Bursts are meant for one poll thread; setup, stats and close from any thread.
 */
public final class EthPort implements AutoCloseable
{

    private static final short QUEUE = 0;

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

    /**
     * Configures one rx queue (filled from {@code pool}) and one tx queue with the given descriptor counts (the PMD
     * may adjust them), starts the port, and turns promiscuous mode on where the PMD has it.
     */
    public void setup(MbufPool pool, int rxDescriptors, int txDescriptors)
    {
        checkOpen();
        Native.check(dvmc_shim_h.dvmc_port_setup(portId, pool.segment(), (short)rxDescriptors, (short)txDescriptors),
            "setup of port " + name);
        started = true;
    }

    /** Receives up to {@code burst.capacity()} mbufs into indexes 0..n-1; returns n. The caller owns them. */
    public int rxBurst(MbufBurst burst)
    {
        return dvmc_shim_h.dvmc_rx_burst(portId, QUEUE, burst.at(0), (short)burst.capacity()) & 0xffff;
    }

    /**
     * Sends the mbufs at {@code offset..offset+count-1}; returns how many were taken (a prefix). The PMD frees sent
     * mbufs; the caller still owns the rest (retry or {@link MbufBurst#freeAll}).
     */
    public int txBurst(MbufBurst burst, int offset, int count)
    {
        burst.checkRange(offset, count);
        return dvmc_shim_h.dvmc_tx_burst(portId, QUEUE, burst.at(offset), (short)count) & 0xffff;
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
