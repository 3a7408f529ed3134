package io.dvmc.service;

/**
 * Told of a bound lease that ended at the service before its time by anything but its VM's host: an operator's
 * release or expiry, here or (in etcd) at another replica. The VM's host still answers the VM from its host lease, so
 * it must be told ({@link HostRevoker}).
 */
interface LeaseRevocations
{
    LeaseRevocations NONE = (domainId, mac, address, vmIdMsb, vmIdLsb, locationAddress, locationPort, here) -> {
    };

    /**
     * @param here whether the lease was ended by this service (an operator's request to it), rather than seen ended
     *             in etcd, where every replica sees it and those the host has spoken to tell it.
     */
    void revoked(int domainId, long mac, int address, long vmIdMsb, long vmIdLsb, int locationAddress,
        int locationPort, boolean here);
}
