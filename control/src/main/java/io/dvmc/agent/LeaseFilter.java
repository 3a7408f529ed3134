package io.dvmc.agent;

import io.dvmc.lease.LeaseRecord;

/** Picks leases in a walk of the host's lease store ({@link HostStores#collectLeases}); the record is reused. */
@FunctionalInterface
interface LeaseFilter
{
    /** Called before each walk: a walk that met a locked segment starts again after the recovery. */
    default void startWalk()
    {
    }

    boolean accept(int domainId, long mac, LeaseRecord lease);
}
