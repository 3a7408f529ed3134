package io.dvmc.agent;

import io.dvmc.config.HostConfig;

import java.util.List;

/**
 * The current bindings of this host (port, VLAN, MAC to domain and VM id), wherever they are kept: host.json
 * ({@link HostConfigBindings}) in the embedded mode, the policy store's bindings of this host in the distributed
 * one. The agent polls it on its duty cycle and tells the dataplane what changed ({@link BindingPublisher}). Two
 * sources combine into one that merges their sets and changes its version whenever either one's changes.
 */
public interface HostBindings
{
    /**
     * Looks for a change where one is due; cheap when none is.
     *
     * @return a version that differs from the previous one whenever {@link #current()} may have changed.
     */
    long poll(long nowMs);

    /**
     * The complete set as of the last {@link #poll}, never a partial one: bindings it leaves out are removed from
     * the dataplane, and their VMs' host leases with them. A source that has not loaded yet must not be polled.
     */
    List<HostConfig.Binding> current();

    /** A set that never changes. */
    static HostBindings of(final List<HostConfig.Binding> bindings)
    {
        final List<HostConfig.Binding> fixed = List.copyOf(bindings);
        return new HostBindings()
        {
            public long poll(final long nowMs)
            {
                return 0;
            }

            public List<HostConfig.Binding> current()
            {
                return fixed;
            }
        };
    }
}
