package io.dvmc.dataplane;

import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import org.agrona.collections.Long2LongHashMap;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Port security and VM identity: (port, VLAN, source MAC) to (domain id, VM id), from the host config
 * (DESIGN §2 step 2). A frame whose MAC is not bound, or is bound on another port, has no binding: it is
 * dropped and counted, so spoofed MACs cannot starve a domain's pool.
 *
 * <p>Lookups allocate nothing: a primitive map from (VLAN, MAC) to a slot in parallel arrays.
 */
public final class PortBindings
{
    public static final int NONE = -1;

    private final Long2LongHashMap slots = new Long2LongHashMap(NONE);
    private final int[] ports;
    private final int[] domains;
    private final long[] vmMsb;
    private final long[] vmLsb;

    public PortBindings(final List<HostConfig.Binding> bindings, final Map<String, Integer> portIndex)
    {
        final int n = bindings.size();
        ports = new int[n];
        domains = new int[n];
        vmMsb = new long[n];
        vmLsb = new long[n];
        for (int i = 0; i < n; i++)
        {
            final HostConfig.Binding binding = bindings.get(i);
            final Integer port = portIndex.get(binding.port());
            if (port == null)
            {
                throw new IllegalArgumentException("binding of " + binding.mac() + ": unknown port " + binding.port());
            }
            final UUID vm = UUID.fromString(binding.vm());
            ports[i] = port;
            domains[i] = (int)binding.domain();
            vmMsb[i] = vm.getMostSignificantBits();
            vmLsb[i] = vm.getLeastSignificantBits();
            slots.put(key(binding.vlan(), Addresses.parseMac(binding.mac())), i);
        }
    }

    private static long key(final int vlan, final long mac)
    {
        return ((long)(vlan & 0xFFF) << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    /** @return the slot of the binding of {@code mac} on {@code port} and {@code vlan}, or {@link #NONE}. */
    public int find(final int port, final int vlan, final long mac)
    {
        final int slot = (int)slots.get(key(vlan, mac));
        return slot != NONE && ports[slot] == port ? slot : NONE;
    }

    public int domainId(final int slot)
    {
        return domains[slot];
    }

    public long vmMsb(final int slot)
    {
        return vmMsb[slot];
    }

    public long vmLsb(final int slot)
    {
        return vmLsb[slot];
    }

    public int size()
    {
        return ports.length;
    }
}
