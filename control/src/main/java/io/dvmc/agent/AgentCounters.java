package io.dvmc.agent;

import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import org.agrona.concurrent.status.AtomicCounter;

/** The agent's counters, in {@code agent-counters.dat} of the host's state directory. */
public final class AgentCounters
{
    public final AtomicCounter vmRequests;
    public final AtomicCounter badFrames;
    public final AtomicCounter noService;
    public final AtomicCounter policyLookups;
    public final AtomicCounter locationCacheHits;
    public final AtomicCounter exchangesStarted;
    public final AtomicCounter exchangesFull;
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
    public final AtomicCounter deadProducerSkipped;
    public final AtomicCounter staleRequests;
    public final AtomicCounter bindingChanges;
    public final AtomicCounter hostConfigRefused;

    public AgentCounters(final CountersFile file)
    {
        vmRequests = file.newCounter("VM requests from dataplane", CounterTypes.AGENT);
        badFrames = file.newCounter("bad frames dropped", CounterTypes.DROP);
        noService = file.newCounter("no service for domain dropped", CounterTypes.DROP);
        policyLookups = file.newCounter("policy service lookups", CounterTypes.AGENT);
        locationCacheHits = file.newCounter("service location cache hits", CounterTypes.AGENT);
        exchangesStarted = file.newCounter("DVMC exchanges started", CounterTypes.AGENT);
        exchangesFull = file.newCounter("DVMC exchange table full dropped", CounterTypes.DROP);
        offers = file.newCounter("DVMC OFFER received", CounterTypes.AGENT);
        acks = file.newCounter("DVMC ACK received", CounterTypes.AGENT);
        naks = file.newCounter("DVMC NAK received", CounterTypes.AGENT);
        timeouts = file.newCounter("DVMC exchange timeouts", CounterTypes.DROP);
        unmatchedReplies = file.newCounter("DVMC replies without exchange", CounterTypes.DROP);
        transmitted = file.newCounter("DHCP replies to dataplane", CounterTypes.AGENT);
        dataplaneRingFull = file.newCounter("dataplane ring full dropped", CounterTypes.DROP);
        leasesWritten = file.newCounter("leases written", CounterTypes.AGENT);
        leasesRemoved = file.newCounter("leases removed", CounterTypes.AGENT);
        storeHandovers = file.newCounter("store hand-overs", CounterTypes.AGENT);
        unsupported = file.newCounter("unsupported requests dropped", CounterTypes.DROP);
        optionsTooLong = file.newCounter("domain options too long dropped", CounterTypes.DROP);
        deadProducerSkipped = file.newCounter("ring records of a dead dataplane skipped", CounterTypes.DROP);
        staleRequests = file.newCounter("stale VM requests dropped", CounterTypes.DROP);
        bindingChanges = file.newCounter("bindings sent to dataplane", CounterTypes.AGENT);
        hostConfigRefused = file.newCounter("host config edits refused", CounterTypes.DROP);
    }
}
