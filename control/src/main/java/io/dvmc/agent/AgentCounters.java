package io.dvmc.agent;

import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcError;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import org.agrona.concurrent.status.AtomicCounter;

/** The agent's counters, in {@code agent-counters.dat} of the host's state directory. */
public final class AgentCounters
{
    /** Room for every agent counter and those to come. */
    public static final int CAPACITY = 256;
    public final AtomicCounter vmRequests;
    public final AtomicCounter badFrames;
    public final AtomicCounter noService;
    public final AtomicCounter policyLookups;
    public final AtomicCounter locationCacheHits;
    public final AtomicCounter locationsInvalidated;
    public final AtomicCounter exchangesStarted;
    public final AtomicCounter exchangesFull;
    public final AtomicCounter leaseStoreFull;
    public final AtomicCounter offers;
    public final AtomicCounter acks;
    public final AtomicCounter naks;
    public final AtomicCounter timeouts;
    public final AtomicCounter unmatchedReplies;
    public final AtomicCounter transmitted;
    public final AtomicCounter dataplaneRingFull;
    public final AtomicCounter leasesWritten;
    public final AtomicCounter leasesRemoved;
    public final AtomicCounter storeHandovers;
    public final AtomicCounter unsupported;
    public final AtomicCounter optionsTooLong;
    /** A relay domain's VM whose tenant options do not fit its lease record: its renewals stay relayed. */
    public final AtomicCounter tenantOptionsTooLong;
    public final AtomicCounter deadProducerSkipped;
    public final AtomicCounter staleRequests;
    public final AtomicCounter refreshesSent;
    public final AtomicCounter refreshesAcked;
    public final AtomicCounter refreshesFailed;
    public final AtomicCounter refreshesWithdrawn;
    public final AtomicCounter bindingChanges;
    public final AtomicCounter optionsRefreshes;
    public final AtomicCounter unboundReplies;
    public final AtomicCounter hostConfigRefused;
    public final AtomicCounter bootpReplies;
    public final AtomicCounter policyWatchFailures;
    /** Faults caught by the agent's runner (each logged). */
    public final AtomicCounter errors;
    public final AtomicCounter retransmits;
    /** Host leases a service revoked (REVOKE), removed. */
    public final AtomicCounter revokes;
    /** REVOKEs for a lease this host does not hold (any more, or with another address): nothing to remove. */
    public final AtomicCounter revokesUnmatched;
    /** The exchange client's drops ({@link DvmcClient#drops}) by {@link DvmcError} code, negated. */
    private final AtomicCounter[] clientDrops = new AtomicCounter[DvmcError.COUNT];
    /** By {@link RequestLimits} result; slot 0 (admitted) is not counted. */
    private final AtomicCounter[] rateLimited = new AtomicCounter[4];
    /** By {@link DvmcStatus} reason; the last one counts reasons of a newer service. */
    private final AtomicCounter[] naksByReason = new AtomicCounter[DvmcStatus.REASON_COUNT + 1];

    public AgentCounters(final CountersFile file)
    {
        vmRequests = file.newCounter("vm_requests", "VM requests from dataplane", CounterTypes.AGENT);
        badFrames = file.newCounter("bad_frames_dropped", "bad frames dropped", CounterTypes.DROP);
        noService = file.newCounter("no_service_dropped", "no service for domain dropped", CounterTypes.DROP);
        policyLookups = file.newCounter("policy_service_lookups", "policy service lookups", CounterTypes.AGENT);
        locationCacheHits = file.newCounter("location_cache_hits", "service location cache hits", CounterTypes.AGENT);
        locationsInvalidated = file.newCounter("locations_invalidated", "service locations dropped by policy change",
            CounterTypes.AGENT);
        exchangesStarted = file.newCounter("exchanges_started", "DVMC exchanges started", CounterTypes.AGENT);
        exchangesFull = file.newCounter("exchange_table_full_dropped", "DVMC exchange table full dropped",
            CounterTypes.DROP);
        leaseStoreFull = file.newCounter("lease_store_full_dropped", "host lease store full dropped",
            CounterTypes.DROP);
        offers = file.newCounter("dvmc_offers", "DVMC OFFER received", CounterTypes.AGENT);
        acks = file.newCounter("dvmc_acks", "DVMC ACK received", CounterTypes.AGENT);
        naks = file.newCounter("dvmc_naks", "DVMC NAK received", CounterTypes.AGENT);
        timeouts = file.newCounter("exchange_timeouts", "DVMC exchange timeouts", CounterTypes.DROP);
        unmatchedReplies = file.newCounter("unmatched_replies_dropped", "DVMC replies without exchange",
            CounterTypes.DROP);
        transmitted = file.newCounter("dhcp_replies", "DHCP replies to dataplane", CounterTypes.AGENT);
        dataplaneRingFull = file.newCounter("dataplane_ring_full_dropped", "dataplane ring full dropped",
            CounterTypes.DROP);
        leasesWritten = file.newCounter("leases_written", "leases written", CounterTypes.AGENT);
        leasesRemoved = file.newCounter("leases_removed", "leases removed", CounterTypes.AGENT);
        storeHandovers = file.newCounter("store_handovers", "store hand-overs", CounterTypes.AGENT);
        unsupported = file.newCounter("unsupported_dropped", "unsupported requests dropped", CounterTypes.DROP);
        optionsTooLong = file.newCounter("options_too_long_dropped", "domain options too long dropped",
            CounterTypes.DROP);
        tenantOptionsTooLong = file.newCounter("tenant_options_too_long", "tenant options too long for the fast path",
            CounterTypes.AGENT);
        deadProducerSkipped = file.newCounter("dead_dataplane_records_skipped",
            "ring records of a dead dataplane skipped", CounterTypes.DROP);
        staleRequests = file.newCounter("stale_requests_dropped", "stale VM requests dropped", CounterTypes.DROP);
        refreshesSent = file.newCounter("refreshes_sent", "host lease refreshes sent", CounterTypes.AGENT);
        refreshesAcked = file.newCounter("refreshes_acked", "host lease refreshes acknowledged", CounterTypes.AGENT);
        refreshesFailed = file.newCounter("refreshes_failed", "host lease refreshes failed", CounterTypes.DROP);
        refreshesWithdrawn = file.newCounter("refreshes_withdrawn", "host leases withdrawn by the service",
            CounterTypes.AGENT);
        for (int reason = 1; reason < naksByReason.length; reason++)
        {
            // RFC 2131 §4.3.2: only an address fault reaches the VM, as a DHCPNAK; every other cause is dropped.
            final String name = "dvmc_nak_" +
                (reason < DvmcStatus.REASON_COUNT ? DvmcStatus.reasonKey(reason) : "other");
            naksByReason[reason] = DvmcStatus.isAddressFault(reason)
                ? file.newCounter(name, "DVMC NAK " + DvmcStatus.reasonName(reason) + ", DHCPNAK", CounterTypes.AGENT)
                : file.newCounter(name + "_dropped",
                    "DVMC NAK " +
                        (reason < DvmcStatus.REASON_COUNT ? DvmcStatus.reasonName(reason) : "of another reason") +
                        ", VM not answered",
                    CounterTypes.DROP);
        }
        bindingChanges = file.newCounter("bindings_sent", "bindings sent to dataplane", CounterTypes.AGENT);
        optionsRefreshes = file.newCounter("options_refreshes", "domain options asked for after a policy change",
            CounterTypes.AGENT);
        unboundReplies = file.newCounter("unbound_replies_dropped", "replies for VMs unbound meanwhile dropped",
            CounterTypes.DROP);
        hostConfigRefused = file.newCounter("host_config_refused", "host config edits refused", CounterTypes.DROP);
        rateLimited[RequestLimits.VM] = file.newCounter("vm_rate_exceeded_dropped", "VM request rate exceeded dropped",
            CounterTypes.DROP);
        rateLimited[RequestLimits.DECLINE] = file.newCounter("decline_rate_exceeded_dropped",
            "VM decline rate exceeded dropped", CounterTypes.DROP);
        rateLimited[RequestLimits.PORT] = file.newCounter("port_rate_exceeded_dropped",
            "port request rate exceeded dropped", CounterTypes.DROP);
        bootpReplies = file.newCounter("bootp_replies", "BOOTP replies to dataplane", CounterTypes.AGENT);
        policyWatchFailures = file.newCounter("policy_watch_failures", "policy watch failures", CounterTypes.AGENT);
        errors = file.newCounter("errors", "agent errors", CounterTypes.DROP);
        retransmits = file.newCounter("dvmc_retransmissions", "DVMC retransmissions", CounterTypes.AGENT);
        revokes = file.newCounter("lease_revokes", "host leases revoked by a service", CounterTypes.AGENT);
        revokesUnmatched = file.newCounter("lease_revokes_unmatched", "revokes of no lease held here",
            CounterTypes.AGENT);
        for (int code = 1; code < DvmcError.COUNT; code++)
        {
            if (isClientDrop(-code))
            {
                // A late, forged or garbled reply: whatever the service answered, the VM was not.
                final boolean send = code == -DvmcError.SEND_FAILED;
                clientDrops[code] = file.newCounter(
                    send ? "dvmc_sends_failed" : "dvmc_reply_" + DvmcError.name(-code).replace('-', '_') + "_dropped",
                    "DVMC " + (send ? "sends failed" : "replies dropped, " + DvmcError.name(-code)), CounterTypes.DROP);
            }
        }
    }

    /** Publishes what the exchange client counted itself: its retransmissions and the datagrams it dropped. */
    void publish(final DvmcClient client)
    {
        retransmits.setRelease(client.retransmits());
        for (int code = 1; code < clientDrops.length; code++)
        {
            if (clientDrops[code] != null)
            {
                clientDrops[code].setRelease(client.drops(-code));
            }
        }
    }

    /** What a {@link DvmcClient} may drop; the exchange table's refusals are {@link #exchangesFull}. */
    private static boolean isClientDrop(final int code)
    {
        return switch (code)
        {
            // A service's REVOKE goes through the replay cache and the key's host check, as a request does.
            case DvmcError.TABLE_FULL, DvmcError.HOST_NOT_AUTHORIZED -> false;
            default -> true;
        };
    }

    /** The counter of the exchange client's drops with {@link DvmcError} {@code code}. */
    AtomicCounter clientDrops(final int code)
    {
        return clientDrops[-code];
    }

    /** The drop counter of a limit {@link RequestLimits#admit} reported. */
    AtomicCounter rateLimited(final int limit)
    {
        return rateLimited[limit];
    }

    /** The counter of DVMC NAKs with {@code reason}; reasons this agent does not know share one. */
    public AtomicCounter nak(final int reason)
    {
        return naksByReason[DvmcStatus.reasonIndex(reason)];
    }
}
