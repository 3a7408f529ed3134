package io.dvmc.dataplane;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.lease.HostLease;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;

/**
 * What the host may answer by itself (DESIGN §2 step 3): a VM whose (domain, MAC) holds a BOUND lease in
 * the shared store, for as long as its host lease has at least {@link HostLease#MIN_GRANT_SECONDS} left. The VM is
 * given its lease time but never more than the host lease has left ({@link #leaseSeconds}), so a VM served through
 * a service outage loses its address no later than the host does. Everything else, including every case that would
 * need a NAK, goes to the agent, which asks the domain's service.
 */
public final class FastPath
{
    /** Not answerable on the host: hand the frame to the agent. */
    public static final int SLOW = 0;

    private FastPath()
    {
    }

    /**
     * @param serverIp the domain's virtual server address (option 54 of the replies).
     * @return {@link DhcpMessageType#OFFER}, {@link DhcpMessageType#ACK} or {@link #SLOW}.
     */
    public static int decide(final DhcpPacket request, final LeaseRecord lease, final int serverIp, final long nowMs)
    {
        return decide(request, lease, serverIp, leaseSeconds(lease, nowMs));
    }

    /** {@link #decide(DhcpPacket, LeaseRecord, int, long)} for a grant already worked out ({@link #leaseSeconds}). */
    public static int decide(final DhcpPacket request, final LeaseRecord lease, final int serverIp,
        final int grantSeconds)
    {
        return decide(request.messageType(), request.serverId(), request.requestedIp(), request.ciaddr(), lease,
            serverIp, grantSeconds);
    }

    /**
     * {@link #decide(DhcpPacket, LeaseRecord, int, int)} for a request known by what it asks: option 53, option 54
     * and option 50 (0 when absent), and ciaddr.
     */
    public static int decide(final int messageType, final int serverId, final int requestedIp, final int ciaddr,
        final LeaseRecord lease, final int serverIp, final int grantSeconds)
    {
        if (lease.state() != LeaseState.BOUND || !HostLease.answerable(grantSeconds))
        {
            return SLOW;
        }
        return switch (messageType)
        {
            // RFC 2131 §4.3.1: offer the address the client is bound to.
            case DhcpMessageType.DISCOVER -> DhcpMessageType.OFFER;
            case DhcpMessageType.REQUEST -> requestState(serverId, requestedIp, ciaddr, lease.ip(), serverIp);
            default -> SLOW;
        };
    }

    /**
     * A relay domain's VM (docs/relay.md): the tenant server's lease is its own, so the host answers only a client
     * that already holds that lease, asking to keep it, and only in the first half of the tenant's lease (before the
     * tenant's T1, RFC 2131 §4.4.5, as the host counts it). Granting no more than the tenant's lease has left puts the
     * VM's own T1 after the tenant's, so its next renewal is relayed: the tenant server sees a renewal between its T1
     * and T2 of every lease it gave, and its options reach the VM then.
     *
     * @param grantSeconds {@link #leaseSeconds}: what is left of the tenant's lease, as the host counts it.
     * @return {@link DhcpMessageType#ACK} or {@link #SLOW}.
     */
    public static int decideTenant(final DhcpPacket request, final LeaseRecord lease, final int serverIp,
        final int grantSeconds, final long nowMs)
    {
        final long tenantSeconds = lease.vmLeaseSeconds() & 0xFFFF_FFFFL;
        if (lease.state() != LeaseState.BOUND || !lease.hasTenantOptions() || !HostLease.answerable(grantSeconds) ||
            lease.vmLeaseSeconds() == HostLease.INFINITE ||
            nowMs >= lease.hostLeaseExpiryMillis() - tenantSeconds * 500)
        {
            return SLOW;
        }
        // §4.3.1 DISCOVER and §4.3.2 SELECTING start a binding: the tenant's to make. INIT-REBOOT, RENEWING and
        // REBINDING confirm the address the tenant gave.
        if (request.messageType() != DhcpMessageType.REQUEST || request.serverId() != 0)
        {
            return SLOW;
        }
        return requestState(request.serverId(), request.requestedIp(), request.ciaddr(), lease.ip(), serverIp);
    }

    /** The lease time (option 51) of the host's answer: the VM lease, cut to what remains of the host lease. */
    public static int leaseSeconds(final LeaseRecord lease, final long nowMs)
    {
        return HostLease.grantSeconds(lease.vmLeaseSeconds(), lease.hostLeaseExpiryMillis() - nowMs);
    }

    /** RFC 2131 §4.3.2: SELECTING, INIT-REBOOT, RENEWING/REBINDING are told apart by 54, 50 and ciaddr. */
    private static int requestState(final int serverId, final int requested, final int ciaddr, final int ip,
        final int serverIp)
    {
        if (serverId != 0)
        {
            return serverId == serverIp && requested == ip && ciaddr == 0 ? DhcpMessageType.ACK : SLOW;
        }
        if (requested != 0)
        {
            return requested == ip && ciaddr == 0 ? DhcpMessageType.ACK : SLOW;
        }
        return ciaddr == ip ? DhcpMessageType.ACK : SLOW;
    }
}
