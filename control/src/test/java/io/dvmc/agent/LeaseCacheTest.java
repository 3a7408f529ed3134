package io.dvmc.agent;

import io.dvmc.dataplane.StoreAccess;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.LeaseChanges;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lab.Await;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dataplane's lease cache against the agent's own writes ({@link HostStores}), over real store files and rings:
 * once the dataplane has read what the agent sent after a write (a NAK goes out through that ring, after the write's
 * LEASE_CHANGED), no lookup answers from the copy the write replaced, and a full ring flushes every cache instead.
 */
class LeaseCacheTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final int DOMAIN = 100;
    private static final long MAC = 0x02DC_0000_0001L;
    private static final long OTHER_MAC = 0x02DC_0000_0002L;
    private static final int IP = 0x0A00_0064;

    @TempDir
    Path dir;

    private RingFiles rings;
    private CountersFile agentCounters;
    private CountersFile dataplaneCounters;
    private AgentCounters counters;
    private HostStores agent;
    private StoreAccess dataplane;
    private final LeaseRecord found = new LeaseRecord();

    @BeforeEach
    void start()
    {
        rings = RingFiles.open(dir, 64 * 1024);
        agentCounters = CountersFile.create(dir.resolve("agent-counters.dat"), AgentCounters.CAPACITY);
        dataplaneCounters = CountersFile.create(dir.resolve("dataplane-counters.dat"), 8);
        counters = new AgentCounters(agentCounters);
        agent = new HostStores(dir, rings.toDataplane(), counters, 1024, 16, DEADLINE);
        agent.open();
        dataplane = new StoreAccess(dir,
            dataplaneCounters.newCounter("store_handovers", "hand-overs", CounterTypes.DATAPLANE));
        Await.until("the dataplane opened the stores", DEADLINE, () -> {
            dataplaneBurst();
            return dataplane.isOpen();
        });
        agent.putDomain(new DomainRecord().clear().domainId(DOMAIN).version(1).serverIp(0x0A00_0001)
            .serverMac(0x0244_0000_0064L).subnetMask(0xFFFF_FF00).vmLeaseSeconds(600).seal());
    }

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(dataplane, agent, rings, dataplaneCounters, agentCounters);
    }

    @Test
    void aLeaseTheAgentRemovesOnAServicesNakOrAVmsReleaseIsNotAnsweredFromTheCacheAfterward()
    {
        agent.putLease(DOMAIN, MAC, bound(IP));
        dataplaneBurst();
        assertTrue(dataplane.lease(DOMAIN, MAC, found), "the renewal before the NAK is answered, and cached");

        // What the agent does on a NAK (RFC 2131 §4.3.2) and on a RELEASE (§4.3.4) alike.
        agent.removeLease(DOMAIN, MAC);
        dataplaneBurst();

        assertFalse(dataplane.lease(DOMAIN, MAC, found), "answered from the copy of a lease the agent removed");
    }

    @Test
    void theLeasesOfVmsThatMigratedAwayAreDroppedAndTheOthersStayCached()
    {
        agent.putLease(DOMAIN, MAC, bound(IP));
        agent.putLease(DOMAIN, OTHER_MAC, bound(IP + 1));
        dataplaneBurst();
        assertTrue(dataplane.lease(DOMAIN, MAC, found));
        assertTrue(dataplane.lease(DOMAIN, OTHER_MAC, found));

        // As the agent's binding publisher does for bindings no longer on this host.
        assertEquals(1, agent.removeLeasesWhere((domainId, mac, lease) -> mac == MAC));
        dataplaneBurst();

        assertFalse(dataplane.lease(DOMAIN, MAC, found), "answered for a VM that migrated away");
        assertTrue(dataplane.lease(DOMAIN, OTHER_MAC, found));
        assertEquals(IP + 1, found.ip());
    }

    @Test
    void aLeaseTheAgentRewritesForAVmThatMigratedHereIsAnsweredWithTheNewRecord()
    {
        agent.putLease(DOMAIN, MAC, bound(IP));
        dataplaneBurst();
        assertTrue(dataplane.lease(DOMAIN, MAC, found));

        agent.putLease(DOMAIN, MAC, bound(IP + 7));
        dataplaneBurst();

        assertTrue(dataplane.lease(DOMAIN, MAC, found));
        assertEquals(IP + 7, found.ip(), "answered with the address the lease had before the agent's write");
    }

    @Test
    void whenTheRingHasNoRoomForALeaseChangedTheAgentFlushesEveryCacheBeforeTheWorkersNextBurst()
    {
        agent.putLease(DOMAIN, MAC, bound(IP));
        agent.putLease(DOMAIN, OTHER_MAC, bound(IP + 1));
        dataplaneBurst();
        assertTrue(dataplane.lease(DOMAIN, MAC, found));
        assertTrue(dataplane.lease(DOMAIN, OTHER_MAC, found));
        assertEquals(1, dataplane.domain(DOMAIN).version());
        fillRingToDataplane();
        final long refused = counters.dataplaneRingFull.get();

        agent.removeLease(DOMAIN, MAC);
        agent.putDomain(new DomainRecord().clear().domainId(DOMAIN).version(2).serverIp(0x0A00_0001)
            .serverMac(0x0244_0000_0064L).subnetMask(0xFFFF_FF00).vmLeaseSeconds(600).seal());

        assertEquals(refused + 2, counters.dataplaneRingFull.get(), "neither change fitted in the ring");
        // The worker has not read the ring (full of older messages): only the flush generation tells it.
        assertTrue(dataplane.flushIfAsked(rings.toDataplane()));
        assertFalse(dataplane.lease(DOMAIN, MAC, found), "answered from the copy of a lease the agent removed");
        assertTrue(dataplane.lease(DOMAIN, OTHER_MAC, found), "read again from the store");
        assertEquals(2, dataplane.domain(DOMAIN).version(), "the domain record cached before the flush");
        assertFalse(dataplane.flushIfAsked(rings.toDataplane()), "one flush per request");
    }

    @Test
    void anAgentsStartFlushesTheCachesForWhatAPredecessorKilledMidWriteNeverAnnounced()
    {
        final long before = LeaseChanges.flushGeneration(rings.toDataplane());
        dataplane.onYield(rings.toAgent());
        agent.close();
        agent = new HostStores(dir, rings.toDataplane(), counters, 1024, 16, DEADLINE);

        agent.open();

        assertTrue(LeaseChanges.flushGeneration(rings.toDataplane()) != before);
    }

    private static LeaseRecord bound(final int ip)
    {
        return new LeaseRecord().clear().ip(ip).state(LeaseState.BOUND).vmLeaseSeconds(600)
            .hostLeaseExpiryMillis(Long.MAX_VALUE).vmLeaseExpiryMillis(Long.MAX_VALUE).seal();
    }

    /** What the dataplane's worker does with the store's side of each duty cycle. */
    private void dataplaneBurst()
    {
        dataplane.flushIfAsked(rings.toDataplane());
        rings.toDataplane().read((type, buffer, index, length) -> {
            switch (type)
            {
                case RingMessages.STORE_YIELD -> dataplane.onYield(rings.toAgent());
                case RingMessages.STORE_READY -> dataplane.onReady();
                case RingMessages.DOMAIN_CHANGED -> dataplane.onDomainChanged(buffer.getInt(index));
                case RingMessages.LEASE_CHANGED -> dataplane.onLeaseChanged(LeaseChanges.domainId(buffer, index),
                    LeaseChanges.mac(buffer, index));
                default ->
                    {
                }
            }
        });
        dataplane.doWork(rings.toAgent());
    }

    private void fillRingToDataplane()
    {
        final UnsafeBuffer filler = new UnsafeBuffer(new byte[1024]);
        for (final int length : new int[]{filler.capacity(), 0})
        {
            while (rings.toDataplane().write(RingMessages.BINDINGS_SYNC_END, filler, 0, length))
            {
                // until not even an empty record fits
            }
        }
    }
}
