package io.dvmc.dataplane;

import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseStore;
import io.dvmc.lease.StoreLockTimeoutException;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dataplane's half of the store hand-over, against real store files and rings: after a YIELD the dataplane
 * holds no lock on either store, however the READYs before it interleaved with the opens they caused, so the
 * agent's recovery goes through.
 */
class StoreAccessTest
{
    private static final Duration OPENS = Duration.ofSeconds(30);
    private static final Duration RECOVERY = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private LeaseStore leases;
    private DomainStore domains;
    private RingFiles rings;
    private CountersFile countersFile;
    private AtomicCounter handovers;
    private StoreAccess stores;

    @BeforeEach
    void start()
    {
        leases = LeaseStore.openWriter(dir.resolve(LeaseStore.FILE), 1024);
        domains = DomainStore.openWriter(dir.resolve(StoreAccess.DOMAINS_FILE), 16);
        rings = RingFiles.open(dir, 64 * 1024);
        countersFile = CountersFile.create(dir.resolve("counters.dat"), 16);
        handovers = countersFile.newCounter("store_handovers", "hand-overs", CounterTypes.DATAPLANE);
        stores = new StoreAccess(dir, handovers);
    }

    @AfterEach
    void stop()
    {
        CloseHelper.closeAll(stores, domains, leases, rings, countersFile);
    }

    @Test
    void aYieldAfterTwoReadiesInARowLeavesNoLockBehind() throws Exception
    {
        // A dataplane that starts after the agent finds the agent's start-up READY in the ring, then gets the
        // READY that answers its HELLO: both arrive before the first open has run.
        stores.onReady();
        stores.onReady();
        assertTrue(stores.awaitOpens(OPENS));

        adoptAndYield();
        assertRecoveryGoesThrough();
    }

    @Test
    void aYieldAfterAReadyWhoseStoresWereNeverAdoptedLeavesNoLockBehind() throws Exception
    {
        // The first open completes, but the worker has not looked before the second one completes too.
        stores.onReady();
        assertTrue(stores.awaitOpens(OPENS));
        stores.onReady();
        assertTrue(stores.awaitOpens(OPENS));

        adoptAndYield();
        assertRecoveryGoesThrough();
    }

    @Test
    void storesOpenedForAReadyThatAYieldOvertookAreClosedNotAdopted() throws Exception
    {
        stores.onReady();
        stores.onYield(rings.toAgent());
        assertTrue(stores.awaitOpens(OPENS));

        stores.doWork(rings.toAgent());
        assertFalse(stores.isOpen());
        assertEquals(0, handovers.get());
        assertRecoveryGoesThrough();
        assertEquals(List.of(RingMessages.STORE_RELEASED, RingMessages.HELLO), messagesToAgent());
    }

    /**
     * An agent restarted beside the open stores sends READY without YIELD: the stores answer until the worker adopts
     * their new mapping, which then replaces them (the old one's shared lock goes with it).
     */
    @Test
    void aReadyWhileTheStoresAreOpenKeepsThemAnsweringUntilTheNewOnesAreAdopted() throws Exception
    {
        final long mac = 0x02_00_00_00_00_01L;
        leases.put(7, mac, new LeaseRecord().clear().ip(0x0A00_0064).state(LeaseState.BOUND));
        stores.onReady();
        assertTrue(stores.awaitOpens(OPENS));
        stores.doWork(rings.toAgent());
        assertTrue(stores.lease(7, mac, new LeaseRecord()));

        stores.onReady();
        assertTrue(stores.isOpen(), "READY closed the stores");
        assertTrue(stores.lease(7, mac, new LeaseRecord()));
        assertTrue(stores.awaitOpens(OPENS));
        assertTrue(stores.isOpen());
        stores.doWork(rings.toAgent());
        assertEquals(2, handovers.get());
        assertTrue(stores.lease(7, mac, new LeaseRecord()), "the new mapping answers");

        stores.onYield(rings.toAgent());
        assertFalse(stores.isOpen());
        assertRecoveryGoesThrough();
    }

    @Test
    void closingTheDataplaneReleasesAnOpenStillUnderWay() throws Exception
    {
        stores.onReady();
        stores.close();

        assertRecoveryGoesThrough();
    }

    private void adoptAndYield()
    {
        stores.doWork(rings.toAgent());
        assertTrue(stores.isOpen());
        assertEquals(1, handovers.get());
        assertTrue(leases.guard().readersPresent());

        stores.onYield(rings.toAgent());
        assertFalse(stores.isOpen());
        assertEquals(List.of(RingMessages.HELLO, RingMessages.STORE_RELEASED), messagesToAgent());
    }

    private void assertRecoveryGoesThrough()
    {
        assertFalse(leases.guard().readersPresent(), "the dataplane still holds the lease store's shared lock");
        assertFalse(domains.guard().readersPresent(), "the dataplane still holds the domain store's shared lock");
        try
        {
            leases.recover(RECOVERY);
            domains.recover(RECOVERY);
        }
        catch (final StoreLockTimeoutException ex)
        {
            fail("the agent's recovery waited for a reader that had yielded", ex);
        }
    }

    private List<Integer> messagesToAgent()
    {
        final List<Integer> types = new ArrayList<>();
        rings.toAgent().read((type, buffer, index, length) -> types.add(type));
        return types;
    }
}
