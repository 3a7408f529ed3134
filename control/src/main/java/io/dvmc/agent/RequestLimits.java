package io.dvmc.agent;

import io.dvmc.config.HostConfig;
import io.dvmc.dhcp.DhcpMessageType;
import org.agrona.concurrent.NanoClock;

/**
 * The rate limits in front of the slow path: what one VM, or one port, may ask of the service. A VM's
 * retransmissions fold into its exchange in flight and are not counted; what is counted is each new exchange.
 *
 * <ul>
 *   <li>per VM (domain, MAC): a few exchanges a second, with room for a boot's DISCOVER and REQUEST and a retry;</li>
 *   <li>per VM, DHCPDECLINE apart: each one quarantines an address (RFC 2131 §4.3.3), and a client waits ten
 *   seconds after one before it starts again (§3.1.5), so a VM that declines faster is parking the pool;</li>
 *   <li>per port: all the VMs behind it together, so that one port cannot take the service from the others.</li>
 * </ul>
 *
 * What exceeds a limit is dropped, unanswered, and counted by the caller; the VM's own retransmission comes back
 * once its bucket has refilled. Runs on the agent thread.
 */
final class RequestLimits
{
    static final int VM_SLOTS = 1 << 14;
    static final int PORT_SLOTS = 1 << 10;

    /** Which limit a request exceeded. */
    static final int OK = 0;
    static final int VM = 1;
    static final int DECLINE = 2;
    static final int PORT = 3;

    private final RateTable vms;
    private final RateTable declines;
    private final RateTable ports;
    private final NanoClock clock;

    RequestLimits(final HostConfig.Limits limits, final NanoClock clock)
    {
        this.vms = new RateTable(VM_SLOTS, limits.vmPerSecond(), limits.vmBurst());
        this.declines = new RateTable(VM_SLOTS, 1.0 / limits.declineIntervalSeconds(), limits.declineBurst());
        this.ports = new RateTable(PORT_SLOTS, limits.portPerSecond(), limits.portBurst());
        this.clock = clock;
    }

    /**
     * Counts a new exchange of a VM on a port.
     *
     * @return {@link #OK}, or the limit it exceeded: {@link #VM}, {@link #DECLINE} or {@link #PORT}.
     */
    int admit(final int domainId, final long mac, final int port, final int dhcpType)
    {
        final long now = clock.nanoTime();
        final long vm = mac ^ domainId * 0x9E37_79B9_7F4A_7C15L;
        if (dhcpType == DhcpMessageType.DECLINE && !declines.tryAcquire(vm, now))
        {
            return DECLINE;
        }
        if (!vms.tryAcquire(vm, now))
        {
            return VM;
        }
        return ports.tryAcquire(port, now) ? OK : PORT;
    }
}
