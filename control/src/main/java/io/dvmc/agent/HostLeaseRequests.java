package io.dvmc.agent;

import io.dvmc.config.Addresses;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.service.AdminFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The operator's requests about the host's leases ({@code dvmc ctl host-lease drop}), taken from the host's state
 * directory ({@link AdminFiles}) on the agent's thread, the only writer of the lease store: {@code drop DOMAIN MAC}
 * removes the host lease, as a VM's RELEASE does, so that the dataplane's fast path stops answering the VM from it
 * and its next request goes to the service. Checked once a second.
 */
final class HostLeaseRequests
{
    private static final long INTERVAL_MS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(HostLeaseRequests.class);

    private final Path stateDir;
    private final HostStores stores;
    private final LeaseRecord lease = new LeaseRecord();
    private long nextMs;

    HostLeaseRequests(final Path stateDir, final HostStores stores)
    {
        this.stateDir = stateDir;
        this.stores = stores;
    }

    /** Applies the pending request when the interval has passed. @return 1 if one was applied. */
    int poll(final long nowMs)
    {
        if (nowMs < nextMs)
        {
            return 0;
        }
        nextMs = nowMs + INTERVAL_MS;
        try
        {
            final AdminFiles.Request request = AdminFiles.take(stateDir);
            if (request == null)
            {
                return 0;
            }
            final String answer = apply(request.command().trim().split("\\s+"));
            final boolean ok = answer.startsWith("dropped");
            LOG.warn("host lease request '{}': {}", request.command(), answer);
            AdminFiles.answer(stateDir, request.id(), ok, List.of(answer));
            return 1;
        }
        catch (final IOException ex)
        {
            LOG.error("host lease request in {} not answered: {}", stateDir, ex.getMessage());
            return 0;
        }
    }

    private String apply(final String[] words)
    {
        if (words.length != 3 || !"drop".equals(words[0]))
        {
            return "unknown host lease request '" + String.join(" ", words) + "'";
        }
        final int domainId;
        final long mac;
        try
        {
            domainId = Integer.parseUnsignedInt(words[1]);
            mac = Addresses.parseMac(words[2]);
        }
        catch (final IllegalArgumentException ex)
        {
            return "malformed host lease request: " + ex.getMessage();
        }
        if (!stores.lease(domainId, mac, lease))
        {
            return "no host lease of " + Addresses.mac(mac) + " in domain " + Integer.toUnsignedString(domainId);
        }
        final int address = lease.ip();
        stores.removeLease(domainId, mac);
        return "dropped the host lease of " + Addresses.mac(mac) + " (" + Addresses.ipv4(address) + ") in domain " +
            Integer.toUnsignedString(domainId) + ": the VM's next request goes to the service";
    }
}
