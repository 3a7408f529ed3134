package io.dvmc.agent;

import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Two sources of a host's bindings as one: host.json's and the policy service's. Where both bind the same VLAN and
 * MAC, host.json's binding is the one in force (the host's own file is what its operator edited last on that
 * host), and the policy service's is left out.
 */
public final class MergedBindings implements HostBindings
{
    private final HostBindings first;
    private final HostBindings second;
    private long firstVersion = Long.MIN_VALUE;
    private long secondVersion = Long.MIN_VALUE;
    private long version;
    private List<HostConfig.Binding> current = List.of();

    /** @param first the source whose binding wins where both bind one VLAN and MAC. */
    public MergedBindings(final HostBindings first, final HostBindings second)
    {
        this.first = first;
        this.second = second;
    }

    public long poll(final long nowMs)
    {
        final long a = first.poll(nowMs);
        final long b = second.poll(nowMs);
        if (a != firstVersion || b != secondVersion)
        {
            firstVersion = a;
            secondVersion = b;
            current = merge(first.current(), second.current());
            version++;
        }
        return version;
    }

    public List<HostConfig.Binding> current()
    {
        return current;
    }

    static List<HostConfig.Binding> merge(final List<HostConfig.Binding> first, final List<HostConfig.Binding> second)
    {
        final List<HostConfig.Binding> merged = new ArrayList<>(first);
        final Set<Long> taken = new HashSet<>();
        for (final HostConfig.Binding b : first)
        {
            taken.add(key(b));
        }
        for (final HostConfig.Binding b : second)
        {
            if (taken.add(key(b)))
            {
                merged.add(b);
            }
        }
        return List.copyOf(merged);
    }

    /** (VLAN, MAC) as the dataplane keys a binding: one MAC however it was written. */
    private static long key(final HostConfig.Binding b)
    {
        return ((long)(b.vlan() & 0xFFF) << 48) | Addresses.parseMac(b.mac());
    }
}
