package io.dvmc.agent;

import io.dvmc.lease.LeaseRecord;

/** Picks leases in a walk of the host's lease store ({@link HostStores#collectLeases}); the record is reused. */
@FunctionalInterface
interface LeaseFilter
{
    boolean accept(int domainId, long mac, LeaseRecord lease);
}
