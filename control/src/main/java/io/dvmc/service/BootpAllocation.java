package io.dvmc.service;

import io.dvmc.exchange.DvmcMessage;
import io.dvmc.lease.HostLease;

/**
 * Dynamic BOOTP in a builtin domain (RFC 1534 §2): a BOOTREQUEST is answered with an address at once, so the one
 * DVMC BOOTP exchange is a DISCOVER and a REQUEST of that address together. The address is the MAC's reservation,
 * else its current or previous address, else a free one of the pool ({@link AddressManager#offer}); it is bound and
 * journalled (or written to the shared lease log) as an ACK is, so the caller syncs before replying.
 * <p>
 * A BOOTP client has no notion of a lease and never renews or releases (RFC 1534 §2): whatever it is given it uses
 * until it reboots. Its VM lease is therefore infinite. The service still gives the host a finite lease, which the
 * host agent renews while the VM is bound to that host, so the address of a VM that is gone returns to the pool;
 * that lease is long ({@link #LEASE_SECONDS}, or the domain's host lease if longer) because an agent outage longer
 * than it would let the address go to another VM while the BOOTP client, which cannot be told, still uses it.
 */
final class BootpAllocation
{
    /** Seven days: an agent outage this long is an operator's incident, not a routine restart. */
    static final int LEASE_SECONDS = 7 * 24 * 60 * 60;

    private final AddressManager manager;

    BootpAllocation(final AddressManager manager)
    {
        this.manager = manager;
    }

    /**
     * Binds an address to the BOOTP client of {@code m} (its yiaddr: the client's ciaddr as a hint, or the bound
     * address when the agent renews).
     *
     * @param clientKey the {@link ClientKeys key} of an option 61 the client sent, or {@link ClientKeys#NONE}.
     */
    void bind(final DvmcMessage m, final long clientKey, final Grant out) throws LeaseException
    {
        manager.offer(m.domainId(), m.mac(), m.vmIdMsb(), m.vmIdLsb(), m.locationAddress(), m.locationPort(),
            m.yiaddr(), clientKey, out);
        final int lease = Math.max(LEASE_SECONDS, out.hostLeaseSeconds);
        manager.request(m.domainId(), m.mac(), m.vmIdMsb(), m.vmIdLsb(), m.locationAddress(), m.locationPort(),
            out.address, 0, m.transactionId(), clientKey, null, lease, out);
        out.vmLeaseSeconds = HostLease.INFINITE;
        out.hostLeaseSeconds = lease;
    }
}
