package io.dvmc.agent;

import io.dvmc.dataplane.StoreAccess;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lease.DeadWriter;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.LeaseKey;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseStore;
import io.dvmc.lease.SharedMapFile;
import io.dvmc.lease.StoreLockTimeoutException;
import io.dvmc.lease.StoreTimeouts;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's half of the store hand-over, against real store files and rings and the dataplane's own
 * {@link StoreAccess} driven the way its worker drives it: the agent gets the stores back from a dataplane even when
 * its first YIELD cannot be delivered, and a recovery that fails still tells the dataplane to reopen.
 */
class HostStoresTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int RING_CAPACITY = 64 * 1024;

    @TempDir
    Path dir;

    private RingFiles rings;
    private CountersFile countersFile;
    private AgentCounters counters;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start()
    {
        rings = RingFiles.open(dir, RING_CAPACITY);
        countersFile = CountersFile.create(dir.resolve("agent-counters.dat"), AgentCounters.CAPACITY);
        counters = new AgentCounters(countersFile);
    }

    @AfterEach
    void stop()
    {
        for (int i = open.size() - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(open.get(i));
        }
        CloseHelper.quietCloseAll(rings, countersFile);
    }

    @Test
    void aRestartedAgentRepeatsItsYieldUntilTheDataplaneCanReadIt() throws Exception
    {
        final HostStores first = agent();
        first.open();
        final DataplaneStores dataplane = new DataplaneStores();
        dataplane.awaitOpen(true);
        first.close();
        // Killed inside a change: the next agent needs the dataplane to let go.
        DeadWriter.leave(dir.resolve(LeaseStore.FILE), 1024, true);

        // The dataplane stops reading (busy, or starting) while its ring fills up: the next agent's first
        // YIELD finds no room.
        dataplane.pause();
        fillRingToDataplane();
        final long refusedBefore = counters.dataplaneRingFull.get();
        final HostStores second = agent();
        final CompletableFuture<Void> opened = CompletableFuture.runAsync(second::open);
        awaitCounterAbove(counters.dataplaneRingFull, refusedBefore);
        dataplane.resume();

        opened.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        dataplane.awaitOpen(true);
        assertEquals(2, counters.storeHandovers.get());
    }

    /**
     * The agent killed outside a change (here: holding update locks and waiting for a write lock, the waits
     * shutting readers out of every segment) and restarted while the dataplane has the stores open: no YIELD, the
     * dataplane never closes its stores, and its fast path answers a known lease at every turn of its loop, from
     * its cache and then, once the restart flushed the cache, from the store the new agent cleared.
     */
    @Test
    void anAgentRestartedBesideTheDataplaneSendsNoYieldAndTheFastPathAnswersThroughout()
    {
        final long mac = KILLED_AGENTS_MAC;
        final LeaseRecord lease = killedAgentsLease();
        final HostStores first = agentWithTheLease(mac, lease);
        final DataplaneStores dataplane = new DataplaneStores();
        dataplane.awaitOpen(true);
        dataplane.probe(7, mac);
        dataplane.awaitProbeHits(100);
        drainTold(dataplane);
        kill(first, false);

        final long flushesBefore = dataplane.flushes;
        final HostStores second = agent();
        second.open();
        dataplane.awaitTold(RingMessages.STORE_READY);
        dataplane.awaitOpens(2);
        final long hitsAfterRestart = dataplane.probeHits;
        dataplane.awaitProbeHits(hitsAfterRestart + 1_000);
        dataplane.pause();

        assertFalse(drainTold(dataplane).contains(RingMessages.STORE_YIELD), "no YIELD");
        assertFalse(dataplane.closedOnce, "the dataplane never closed its stores");
        assertEquals(0, dataplane.probeMisses, "the fast path missed the lease");
        assertTrue(dataplane.flushes > flushesBefore, "the restart flushed the dataplane's cache");
        // The new agent writes every segment at once: the dead agent's update locks and waits are gone.
        for (int i = 0; i < 512; i++)
        {
            assertTrue(second.putLease(8, mac + i, lease));
        }
        dataplane.resume();
    }

    /** A write lock left by the killed agent (a change cut short): YIELD, recovery and READY, as before. */
    @Test
    void anAgentKilledInsideAChangeStillHasTheDataplaneYieldForTheRecovery()
    {
        final long mac = KILLED_AGENTS_MAC;
        final LeaseRecord lease = killedAgentsLease();
        final HostStores first = agentWithTheLease(mac, lease);
        final DataplaneStores dataplane = new DataplaneStores();
        dataplane.awaitOpen(true);
        drainTold(dataplane);
        kill(first, true);

        final HostStores second = agent();
        second.open();
        dataplane.awaitTold(RingMessages.STORE_READY);
        dataplane.awaitOpen(true);

        assertEquals(List.of(RingMessages.STORE_YIELD, RingMessages.STORE_READY), drainTold(dataplane));
        assertTrue(dataplane.closedOnce, "the dataplane let go for the recovery");
        for (int i = 0; i < 512; i++)
        {
            assertTrue(second.putLease(8, mac + i, lease));
        }
        assertTrue(second.lease(7, mac, new LeaseRecord()));
    }

    private static final long KILLED_AGENTS_MAC = 0x02_00_00_00_00_01L;

    private static LeaseRecord killedAgentsLease()
    {
        return new LeaseRecord().clear().ip(0x0A00_0064).state(LeaseState.BOUND).seal();
    }

    /** An agent that opened the stores and wrote one lease in domain 7. */
    private HostStores agentWithTheLease(final long mac, final LeaseRecord lease)
    {
        final HostStores agent = agent();
        agent.open();
        agent.putLease(7, mac, lease);
        return agent;
    }

    /** Leaves the lease store as a kill -9 of {@code agent} would: inside a change (a write lock held) or not. */
    private void kill(final HostStores agent, final boolean insideChange)
    {
        agent.close();
        DeadWriter.leave(dir.resolve(LeaseStore.FILE), 1024, insideChange);
    }

    private static List<Integer> drainTold(final DataplaneStores dataplane)
    {
        synchronized (dataplane.told)
        {
            final List<Integer> told = new ArrayList<>(dataplane.told);
            dataplane.told.clear();
            return told;
        }
    }

    @Test
    void theAgentReadsEachDomainAsItLastWroteItAndASuccessorReadsTheSameFromTheStore()
    {
        final HostStores agent = agent();
        agent.open();
        final DomainRecord read = new DomainRecord();
        assertFalse(agent.domain(100, read));

        agent.putDomain(new DomainRecord().clear().domainId(100).version(1).serverIp(0x0A00_0001).seal());
        assertTrue(agent.domain(100, read));
        assertEquals(1, read.version());
        agent.putDomain(new DomainRecord().clear().domainId(100).version(2).serverIp(0x0A00_0002).seal());
        assertTrue(agent.domain(100, read));
        assertEquals(2, read.version());
        assertEquals(0x0A00_0002, read.serverIp());
        assertTrue(read.isValid());
        // A recovery drops the agent's copies: what it reads next comes from the store, the same.
        agent.recover();
        assertTrue(agent.domain(100, read));
        assertEquals(2, read.version());
        agent.close();

        final HostStores successor = agent();
        successor.open();
        assertTrue(successor.domain(100, read));
        assertEquals(2, read.version());
        assertEquals(0x0A00_0002, read.serverIp());
    }

    @Test
    void aLeaseStoreOfTheEarlierLayoutIsReplacedByAnEmptyOneAtTheAgentsStart()
    {
        SharedMapFile.openWriter(dir.resolve(LeaseStore.FILE), "dvmc-leases/1", LeaseKey.LENGTH, 64, 16,
            StoreTimeouts.DEFAULTS).close();

        final HostStores agent = agent();
        agent.open();

        final LeaseRecord lease = new LeaseRecord().clear().ip(0x0A00_0064).state(LeaseState.BOUND).seal();
        agent.putLease(7, 0x02_00_00_00_00_01L, lease);
        assertTrue(agent.lease(7, 0x02_00_00_00_00_01L, new LeaseRecord()));
    }

    @Test
    void aLeaseStoreCreatedForAnotherCapacityIsReplacedAtTheAgentsStartAndTheDataplaneMapsTheNewOne()
    {
        final long mac = 0x02_00_00_00_00_01L;
        final LeaseRecord lease = new LeaseRecord().clear().ip(0x0A00_0064).state(LeaseState.BOUND).seal();
        final HostStores first = agent(DEADLINE, 1024);
        first.open();
        first.putLease(7, mac, lease);
        final DataplaneStores dataplane = new DataplaneStores();
        dataplane.awaitOpen(true);
        first.close();

        final HostStores second = agent(DEADLINE, 4096);
        second.open();
        second.putLease(7, mac + 1, lease);

        try (LeaseStore file = LeaseStore.openReader(dir.resolve(LeaseStore.FILE)))
        {
            assertEquals(4096, file.map().capacity(), "the capacity the file was created for");
        }
        dataplane.awaitOpen(true);
        dataplane.pause();
        assertFalse(dataplane.access.lease(7, mac, new LeaseRecord()), "the old store's copy is gone with it");
        assertTrue(dataplane.access.lease(7, mac + 1, new LeaseRecord()), "the dataplane reads the new store");
    }

    @Test
    void aRecoveryThatTimesOutStillTellsTheDataplaneToReopen()
    {
        final HostStores agent = agent(Duration.ofMillis(300));
        agent.open();
        drainRingToDataplane();
        // A reader that never yields, such as a stuck dvmc ctl.
        open.add(LeaseStore.openReader(dir.resolve(LeaseStore.FILE)));

        assertThrows(StoreLockTimeoutException.class, agent::recover);

        final List<Integer> sent = drainRingToDataplane();
        assertTrue(sent.contains(RingMessages.STORE_YIELD), sent.toString());
        assertEquals(RingMessages.STORE_READY, sent.getLast(), sent.toString());
    }

    @Test
    void anAgentYieldsAtStartWithNoReaderInSightSinceADataplaneMayBeOpeningTheStoresThatVeryMoment() throws Exception
    {
        // The first agent's READY stays in the ring: a dataplane starting now opens the stores for it, and may
        // take its shared lock just after the next agent looked for readers.
        final HostStores first = agent();
        first.open();
        first.close();
        final HostStores second = agent();
        second.open();

        assertEquals(List.of(RingMessages.STORE_YIELD, RingMessages.STORE_READY, RingMessages.STORE_YIELD,
            RingMessages.STORE_READY), drainRingToDataplane());
        final DataplaneStores dataplane = new DataplaneStores();
        second.onHello();
        dataplane.awaitOpen(true);
    }

    @Test
    void theHostLeasesOfAnEarlierBootAreRemovedAtTheAgentsFirstStartOfABootAndThoseOfThisBootStay()
    {
        final LeaseRecord lease = new LeaseRecord().clear().ip(0x0A00_0064).state(LeaseState.BOUND)
            .vmLeaseSeconds(600).hostLeaseExpiryMillis(Long.MAX_VALUE).vmLeaseExpiryMillis(Long.MAX_VALUE).seal();
        final HostStores before = agent();
        before.open("boot-a");
        before.putLease(100, 0x02DC_0000_0001L, lease);
        before.close();
        final HostStores sameBoot = agent();
        sameBoot.open("boot-a");
        assertTrue(sameBoot.lease(100, 0x02DC_0000_0001L, new LeaseRecord()), "an agent restart keeps them");
        sameBoot.close();
        drainRingToDataplane();

        // Their times are of boot-a's time base: nothing says how long ago that was.
        final HostStores rebooted = agent();
        rebooted.open("boot-b");

        assertFalse(rebooted.lease(100, 0x02DC_0000_0001L, new LeaseRecord()));
        assertEquals(List.of(RingMessages.STORE_YIELD, RingMessages.STORE_READY), drainRingToDataplane());
    }

    /**
     * A sweep of the whole store on the agent's thread took 0.24 s for a million leases, with every VM's request
     * waiting behind it; it now goes a few segments per step, VMs served between steps.
     */
    @Test
    void aSweepGoesInStepsOfASegmentWhenGivenNoTimeAndHasRemovedEveryExpiredLeaseWhenItsPassEnds()
    {
        final long now = System.currentTimeMillis();
        final HostStores stores = storesWithLeases(2_000, 2, now);

        stores.startSweep(now);
        int steps = 0;
        int removed = 0;
        while (stores.sweeping())
        {
            removed += stores.sweepStep(0);
            steps++;
        }

        try (LeaseStore reader = LeaseStore.openReader(dir.resolve(LeaseStore.FILE)))
        {
            assertEquals(reader.segments(), steps, "one segment per step");
        }
        assertTrue(steps > 1, "the store has more than one segment: " + steps);
        assertEquals(1_000, removed);
        for (int i = 0; i < 2_000; i++)
        {
            assertEquals(i % 2 != 0, stores.lease(100, 0x02DC_0000_0000L + i, new LeaseRecord()), "lease " + i);
        }
        assertEquals(0, stores.sweepStep(0), "no pass under way");
    }

    /**
     * At start the agent removed the leases of VMs no longer bound here in one go, a million leases holding its
     * thread for seconds right after its READY; they now go in the steps of a sweep, with the expired ones.
     */
    @Test
    void leasesChosenAtStartGoInTheStepsOfASweepTogetherWithTheExpiredOnes()
    {
        final long now = System.currentTimeMillis();
        final HostStores stores = storesWithLeases(3_000, 3, now);

        stores.sweepAlso((domainId, mac, record) -> (mac - 0x02DC_0000_0000L) % 3 == 1, now);
        final int first = stores.sweepStep(0);
        assertTrue(first < 2_000 / 4, "the first step removed " + first + " of 2,000");
        int removed = first;
        while (stores.sweeping())
        {
            removed += stores.sweepStep(0);
        }

        assertEquals(2_000, removed);
        for (int i = 0; i < 3_000; i++)
        {
            assertEquals(i % 3 == 2, stores.lease(100, 0x02DC_0000_0000L + i, new LeaseRecord()), "lease " + i);
        }
        stores.startSweep(now);
        while (stores.sweeping())
        {
            assertEquals(0, stores.sweepStep(0), "the next sweep removes only expired leases");
        }
    }

    /** Open stores holding {@code count} leases of MAC 02:dc:00:00:00:00 + i, every {@code expiredEvery}th expired. */
    private HostStores storesWithLeases(final int count, final int expiredEvery, final long now)
    {
        final HostStores stores = agent(DEADLINE, 16_384);
        stores.open();
        final LeaseRecord lease = new LeaseRecord();
        for (int i = 0; i < count; i++)
        {
            lease.clear().ip(0x0A00_0000 + i).state(LeaseState.BOUND).vmLeaseSeconds(600)
                .hostLeaseExpiryMillis(i % expiredEvery == 0 ? now - 1 : now + 600_000)
                .vmLeaseExpiryMillis(now + 600_000)
                .seal();
            assertTrue(stores.putLease(100, 0x02DC_0000_0000L + i, lease));
        }
        return stores;
    }

    private HostStores agent()
    {
        return agent(DEADLINE);
    }

    private HostStores agent(final Duration deadline)
    {
        return agent(deadline, 1024);
    }

    private HostStores agent(final Duration deadline, final long maxLeases)
    {
        final HostStores stores = new HostStores(dir, rings.toDataplane(), counters, maxLeases, 16, deadline);
        open.add(stores);
        return stores;
    }

    private void fillRingToDataplane()
    {
        final UnsafeBuffer filler = new UnsafeBuffer(new byte[1024]);
        for (final int length : new int[]{filler.capacity(), 0})
        {
            while (rings.toDataplane().write(RingMessages.DOMAIN_CHANGED, filler, 0, length))
            {
                // until not even an empty record fits
            }
        }
    }

    private List<Integer> drainRingToDataplane()
    {
        final List<Integer> types = new ArrayList<>();
        rings.toDataplane().read((type, buffer, index, length) -> types.add(type));
        return types;
    }

    private static void awaitCounterAbove(final AtomicCounter counter, final long value)
    {
        final long end = System.nanoTime() + DEADLINE.toNanos();
        while (counter.get() <= value)
        {
            assertTrue(System.nanoTime() - end < 0, "the counter stayed at " + value);
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** The dataplane's store access, fed from the ring on a thread of its own, as its worker does. */
    private final class DataplaneStores implements AutoCloseable
    {
        private final AtomicBoolean paused = new AtomicBoolean();
        private volatile boolean stopped;
        final List<Integer> told = new ArrayList<>();
        private final CountersFile dataplaneCounters = CountersFile.create(dir.resolve("dataplane-counters.dat"), 8);
        private final StoreAccess access = new StoreAccess(dir,
            dataplaneCounters.newCounter("store_handovers", "hand-overs", CounterTypes.DATAPLANE));
        private final AtomicBoolean running = new AtomicBoolean(true);
        private volatile boolean isOpen;
        volatile boolean closedOnce;
        volatile long flushes;
        volatile long opens;
        private volatile int probeDomain;
        private volatile long probeMac;
        private final LeaseRecord probed = new LeaseRecord();
        volatile long probeHits;
        volatile long probeMisses;
        private final Thread thread = new Thread(this::run, "test-dataplane-worker");

        DataplaneStores()
        {
            open.add(this);
            thread.start();
        }

        private void run()
        {
            while (running.get())
            {
                stopped = paused.get();
                if (!stopped)
                {
                    rings.toDataplane().read((type, buffer, index, length) -> {
                        synchronized (told)
                        {
                            told.add(type);
                        }
                        switch (type)
                        {
                            case RingMessages.STORE_YIELD -> access.onYield(rings.toAgent());
                            case RingMessages.STORE_READY -> access.onReady();
                            default ->
                                {
                            }
                        }
                    });
                    if (access.flushIfAsked(rings.toDataplane()))
                    {
                        flushes++;
                    }
                    opens += access.doWork(rings.toAgent());
                    final boolean nowOpen = access.isOpen();
                    if (isOpen && !nowOpen)
                    {
                        closedOnce = true;
                    }
                    isOpen = nowOpen;
                    if (probeMac != 0)
                    {
                        if (access.lease(probeDomain, probeMac, probed))
                        {
                            probeHits++;
                        }
                        else
                        {
                            probeMisses++;
                        }
                    }
                }
                LockSupport.parkNanos(100_000);
            }
        }

        /** Stops reading the ring; returns once the worker thread has stopped. */
        void pause()
        {
            paused.set(true);
            final long end = System.nanoTime() + DEADLINE.toNanos();
            while (!stopped)
            {
                assertTrue(System.nanoTime() - end < 0, "the dataplane did not pause");
                LockSupport.parkNanos(100_000);
            }
        }

        /** Looks (domain, MAC) up at every turn of the loop from now on, counting hits and misses. */
        void probe(final int domainId, final long mac)
        {
            probeDomain = domainId;
            probeMac = mac;
        }

        void awaitProbeHits(final long hits)
        {
            final long end = System.nanoTime() + DEADLINE.toNanos();
            while (probeHits < hits)
            {
                assertTrue(System.nanoTime() - end < 0, "the probe hit " + probeHits + " times");
                LockSupport.parkNanos(1_000_000);
            }
        }

        /** Until the stores were adopted {@code count} times since the start. */
        void awaitOpens(final long count)
        {
            final long end = System.nanoTime() + DEADLINE.toNanos();
            while (opens < count)
            {
                assertTrue(System.nanoTime() - end < 0, "the dataplane adopted stores " + opens + " times");
                LockSupport.parkNanos(1_000_000);
            }
        }

        void awaitTold(final int type)
        {
            final long end = System.nanoTime() + DEADLINE.toNanos();
            while (true)
            {
                synchronized (told)
                {
                    if (told.contains(type))
                    {
                        return;
                    }
                }
                assertTrue(System.nanoTime() - end < 0, "the dataplane was never told " + type);
                LockSupport.parkNanos(1_000_000);
            }
        }

        void resume()
        {
            paused.set(false);
        }

        void awaitOpen(final boolean wanted)
        {
            final long end = System.nanoTime() + DEADLINE.toNanos();
            while (isOpen != wanted)
            {
                assertTrue(System.nanoTime() - end < 0,
                    "the dataplane's stores stayed " + (wanted ? "closed" : "open"));
                LockSupport.parkNanos(1_000_000);
            }
        }

        public void close() throws InterruptedException
        {
            running.set(false);
            thread.join(DEADLINE.toMillis());
            assertFalse(thread.isAlive());
            access.close();
            dataplaneCounters.close();
        }
    }
}
