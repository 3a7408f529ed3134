package io.dvmc.agent;

import io.dvmc.config.Addresses;
import io.dvmc.exchange.DvmcStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator why the services refuse the agent's requests: one line per NAK reason at most every
 * {@code intervalMs}, with how many of that reason went unlogged meanwhile, so that a service failing every request
 * does not flood the log. The counters ({@link AgentCounters#nak}) have the full count.
 */
final class NakLog
{
    private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

    private final long intervalMs;
    private final long[] nextLogMs = new long[DvmcStatus.REASON_COUNT + 1];
    private final long[] unlogged = new long[DvmcStatus.REASON_COUNT + 1];

    NakLog(final long intervalMs)
    {
        this.intervalMs = intervalMs;
    }

    /**
     * @param refresh whether the NAK answered the agent's own refresh of a host lease rather than a VM's request.
     */
    void nak(final int reason, final int domainId, final long mac, final boolean refresh, final long nowMs)
    {
        final int cause = DvmcStatus.reasonIndex(reason);
        if (nowMs < nextLogMs[cause])
        {
            unlogged[cause]++;
            return;
        }
        nextLogMs[cause] = nowMs + intervalMs;
        final String outcome = DvmcStatus.isAddressFault(reason)
            ? (refresh ? "host lease removed" : "DHCPNAK sent, host lease removed")
            : DvmcStatus.isServiceFault(reason)
                ? "VM not answered, domain moved to its next service"
                : "VM not answered";
        LOG.warn("DVMC NAK ({}) for {} {} of domain {}: {} ({} more of this reason not logged)",
            DvmcStatus.reasonName(reason), refresh ? "the host lease refresh of" : "the request of", Addresses.mac(mac),
            Integer.toUnsignedString(domainId), outcome, unlogged[cause]);
        unlogged[cause] = 0;
    }
}
