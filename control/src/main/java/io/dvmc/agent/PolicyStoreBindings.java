package io.dvmc.agent;

import io.dvmc.config.HostConfig;
import io.dvmc.policy.PolicyListener;
import io.dvmc.policy.PolicyStore;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bindings the policy service holds for this host (in etcd: {@code <prefix>/bindings/<hostId>/...}), as an
 * operator writes them with {@code dvmc ctl bind} and {@code unbind}. The store tells of a change on its own thread;
 * the agent reads the set again at its next {@link #poll}, on the agent thread.
 */
public final class PolicyStoreBindings implements HostBindings, PolicyListener
{
    private final PolicyStore policy;
    private final int hostId;
    private final AtomicLong changes = new AtomicLong();
    private long version = -1;
    private List<HostConfig.Binding> current = List.of();

    public PolicyStoreBindings(final PolicyStore policy, final int hostId)
    {
        this.policy = policy;
        this.hostId = hostId;
        policy.addListener(this);
    }

    public void bindingsChanged(final int changedHostId)
    {
        if (changedHostId == hostId)
        {
            changes.incrementAndGet();
        }
    }

    public long poll(final long nowMs)
    {
        final long seen = changes.get();
        if (seen != version)
        {
            // Read after taking the count: a change told meanwhile bumps it again and is read at the next poll.
            version = seen;
            current = policy.bindings(hostId);
        }
        return version;
    }

    public List<HostConfig.Binding> current()
    {
        return current;
    }
}
