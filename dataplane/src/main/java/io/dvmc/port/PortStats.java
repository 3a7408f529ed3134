package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_port_stats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Basic ethdev counters of a port, refilled in place by {@link EthPort#stats(PortStats)}. */
public final class PortStats
{

    private final MemorySegment raw = dvmc_port_stats.allocate(Arena.ofAuto());
    private long ipackets;
    private long opackets;
    private long ibytes;
    private long obytes;
    private long imissed;
    private long ierrors;
    private long oerrors;
    private long rxNoMbuf;

    MemorySegment segment()
    {
        return raw;
    }

    void load()
    {
        ipackets = dvmc_port_stats.ipackets(raw);
        opackets = dvmc_port_stats.opackets(raw);
        ibytes = dvmc_port_stats.ibytes(raw);
        obytes = dvmc_port_stats.obytes(raw);
        imissed = dvmc_port_stats.imissed(raw);
        ierrors = dvmc_port_stats.ierrors(raw);
        oerrors = dvmc_port_stats.oerrors(raw);
        rxNoMbuf = dvmc_port_stats.rx_nombuf(raw);
    }

    public long ipackets()
    {
        return ipackets;
    }

    public long opackets()
    {
        return opackets;
    }

    public long ibytes()
    {
        return ibytes;
    }

    public long obytes()
    {
        return obytes;
    }

    /** Frames the NIC dropped for lack of rx descriptors. */
    public long imissed()
    {
        return imissed;
    }

    public long ierrors()
    {
        return ierrors;
    }

    public long oerrors()
    {
        return oerrors;
    }

    /** Rx failures for lack of mbufs in the pool. */
    public long rxNoMbuf()
    {
        return rxNoMbuf;
    }

    @Override
    public String toString()
    {
        return "ipackets=" + ipackets + " opackets=" + opackets + " ibytes=" + ibytes + " obytes=" + obytes +
            " imissed=" + imissed + " ierrors=" + ierrors + " oerrors=" + oerrors + " rx_nombuf=" + rxNoMbuf;
    }
}
