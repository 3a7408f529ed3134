package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_shim_h;

import java.lang.foreign.Arena;

/**
 * Adds and removes virtual devices on the running EAL ({@code rte_eal_hotplug_add/remove} on the "vdev" bus), so
 * one process can have new ports without a second EAL init.
 */
public final class VdevHotplug
{

    private VdevHotplug()
    {
    }

    /**
     * Probes the vdev {@code name} (e.g. {@code net_ring1}) with driver arguments {@code args} (e.g.
     * {@code "rx_pcap=in.pcap,tx_pcap=out.pcap"}, or empty); its port is then found by {@link EthPort#byName}.
     */
    public static void add(String name, String args)
    {
        try (Arena arena = Arena.ofConfined())
        {
            Native.check(
                dvmc_shim_h.dvmc_vdev_add(arena.allocateFrom(name), arena.allocateFrom(args == null ? "" : args)),
                "hot-plug add of " + name);
        }
    }

    /** Removes the vdev {@code name}; its port is released whether or not it was stopped and closed before. */
    public static void remove(String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            Native.check(dvmc_shim_h.dvmc_vdev_remove(arena.allocateFrom(name)), "hot-plug remove of " + name);
        }
    }
}
