package io.dvmc.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator that the host lease store is full: one line at most every {@code intervalMs}, with how many
 * refused writes went unlogged meanwhile. The counter ({@link AgentCounters#leaseStoreFull}) has the full count.
 */
final class StoreFullLog
{
    private static final Logger LOG = LoggerFactory.getLogger(HostStores.class);

    private final long intervalMs;
    private long nextLogMs = Long.MIN_VALUE;
    private long unlogged;

    StoreFullLog(final long intervalMs)
    {
        this.intervalMs = intervalMs;
    }

    void full(final long size, final long capacity, final long nowMs)
    {
        if (nowMs < nextLogMs)
        {
            unlogged++;
            return;
        }
        nextLogMs = nowMs + intervalMs;
        LOG.warn("host lease store full ({} leases, created for {}): a new lease was not written and its VM not " +
            "answered; room returns as host leases expire or are released. Raise agent.maxLeases in host.json if " +
            "this host needs more ({} more refused writes not logged)", size, capacity, unlogged);
        unlogged = 0;
    }
}
