package io.dvmc.agent;

import io.dvmc.lab.FreePorts;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.service.DvmcService;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The refresher's turn-taking, against a real service that refuses every refresh at once (a relay domain it cannot
 * serve), real stores and a real DVMC client: more leases are due than may be in flight, and the ones that keep
 * failing do not keep the others from their turn.
 */
class LeaseRefresherTest
{
    private static final int DOMAIN = 100;
    private static final int LEASES = 10;
    private static final int IN_FLIGHT = 4;

    @TempDir
    Path dir;

    private RingFiles rings;
    private CountersFile countersFile;
    private AgentCounters counters;
    private HostStores stores;
    private DvmcService service;
    private DvmcClient client;
    private Exchanges exchanges;
    private LeaseRefresher refresher;

    @BeforeEach
    void start() throws Exception
    {
        final int port = FreePorts.udp();
        final Path policyFile = dir.resolve("policy.json");
        Files.writeString(policyFile,
            """
                { "domains": [ { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
                  "mode": "relay", "relayServers": [ "10.0.0.2" ], "relayAddress": "10.0.0.3", "services": [ "127.0.0.1:%d" ] } ] }
                """
                .formatted(port));
        final byte[] key = new byte[32];
        final FilePolicyStore policy = new FilePolicyStore(policyFile);
        service = new DvmcService(policy, new InetSocketAddress("127.0.0.1", port), key, dir.resolve("service"),
            Clock.systemUTC(), new BackoffIdleStrategy()).start();

        final Path state = dir.resolve("host");
        rings = RingFiles.open(state);
        countersFile = CountersFile.create(state.resolve("agent-counters.dat"), AgentCounters.CAPACITY);
        counters = new AgentCounters(countersFile);
        stores = new HostStores(state, rings.toDataplane(), counters, 1024, 16, Duration.ofSeconds(30));
        stores.open();
        exchanges = new Exchanges(16);
        refresher = new LeaseRefresher(stores, exchanges,
            new ServiceLocator(policy, SystemEpochClock.INSTANCE, 30_000, counters), counters, IN_FLIGHT);
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 1, new Authenticator(key),
            SystemEpochClock.INSTANCE, new DvmcClient.Listener()
            {
                // What the host agent does with the end of a refresh.
                public void onReply(final long transactionId, final DvmcMessage reply)
                {
                    final int slot = exchanges.byXid(transactionId);
                    refresher.onReply(slot, reply, System.currentTimeMillis());
                    exchanges.release(slot);
                }

                public void onTimeout(final long transactionId)
                {
                    final int slot = exchanges.byXid(transactionId);
                    refresher.onTimeout(slot, System.currentTimeMillis());
                    exchanges.release(slot);
                }
            });
    }

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(client, stores, service, rings, countersFile);
    }

    @Test
    void theWalkThatSchedulesTheLeasesAStoreHoldsAtStartGoesInStepsAMillisecondApart() throws Exception
    {
        try (RingFiles bigRings = RingFiles.open(dir.resolve("big"));
            HostStores big = storeOfManySegments(bigRings))
        {
            final int segments = big.leaseSegments();
            final int due = 4 * segments;
            final long now = putDueLeases(big, due);
            final LeaseRefresher stepped = refresherOf(big, due, SystemNanoClock.INSTANCE);

            // No time to spare in a step: each poll walks one segment, and the steps are a millisecond apart.
            long clock = now;
            int sent = stepped.poll(clock, client, 0);
            assertTrue(sent < due, "one step sent the refreshes of every segment: " + sent);
            assertTrue(stepped.walking());
            assertEquals(0, stepped.poll(clock, client, 0), "a second step in the same millisecond");
            int polls = 1;
            while (stepped.walking())
            {
                clock += LeaseRefresher.STEP_PAUSE_MS;
                sent += stepped.poll(clock, client, 0);
                polls++;
            }
            assertEquals(segments, polls);
            assertEquals(due, sent, "every due lease is refreshed once the walk is done");
        }
    }

    @Test
    void manyLeasesDueAtOnceGoAFewDozenAPollSoThatNoPollHoldsTheAgentLong() throws Exception
    {
        try (RingFiles bigRings = RingFiles.open(dir.resolve("big"));
            HostStores big = storeOfManySegments(bigRings))
        {
            final int due = 3 * LeaseRefresher.MAX_TAKEN_PER_POLL + 5;
            final long now = putDueLeases(big, due);
            final LeaseRefresher paced = refresherOf(big, due, SystemNanoClock.INSTANCE);

            assertEquals(LeaseRefresher.MAX_TAKEN_PER_POLL, paced.poll(now, client, Long.MAX_VALUE));
            assertFalse(paced.walking(), "the whole store in one step");
            assertTrue(paced.busy(), "leases due are left for the next duty cycle");
            int sent = LeaseRefresher.MAX_TAKEN_PER_POLL;
            while (paced.busy())
            {
                final int polled = paced.poll(now, client);
                assertTrue(polled <= LeaseRefresher.MAX_TAKEN_PER_POLL, "one poll sent " + polled);
                sent += polled;
            }
            assertEquals(due, sent);
        }
    }

    @Test
    void aLeaseWrittenLaterIsRefreshedAtHalfOfItsHostLeaseWithoutAnotherWalkOfTheStore() throws Exception
    {
        try (RingFiles bigRings = RingFiles.open(dir.resolve("big"));
            HostStores big = storeOfManySegments(bigRings))
        {
            final long[] clockReads = {0};
            final LeaseRefresher scheduled = refresherOf(big, 16, () -> {
                clockReads[0]++;
                return System.nanoTime();
            });
            long clock = System.currentTimeMillis();
            while (scheduled.walking())
            {
                clock += LeaseRefresher.STEP_PAUSE_MS;
                scheduled.poll(clock, client);
            }
            final long readsAfterTheWalk = clockReads[0];
            final long bound = clock;
            big.putLease(DOMAIN, 0x0200_0000_9999L, new LeaseRecord().clear().ip(0x0A00_00FE)
                .state(LeaseState.BOUND).vmLeaseSeconds(600).serverId(0x0A00_0001).updatedMillis(bound)
                .hostLeaseExpiryMillis(bound + 600_000).vmLeaseExpiryMillis(bound + 600_000).vmId(1, 9999));

            int sent = 0;
            for (clock = bound; clock < bound + 300_000; clock += 10_000)
            {
                sent += scheduled.poll(clock, client);
            }
            assertEquals(0, sent, "refreshed before half of its host lease");
            assertEquals(1, scheduled.poll(bound + 300_000, client), "not refreshed at half of its host lease");
            assertFalse(scheduled.walking());
            assertEquals(readsAfterTheWalk, clockReads[0], "the store was walked again");
        }
    }

    private HostStores storeOfManySegments(final RingFiles bigRings)
    {
        final HostStores big = new HostStores(dir.resolve("big"), bigRings.toDataplane(), counters, 1 << 16, 16,
            Duration.ofSeconds(30));
        big.open();
        assertTrue(big.leaseSegments() >= 8, "segments: " + big.leaseSegments());
        return big;
    }

    /** Puts {@code count} BOUND leases past half of their host lease; @return the time they were put at. */
    private static long putDueLeases(final HostStores into, final int count)
    {
        final long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++)
        {
            into.putLease(DOMAIN, 0x0200_0000_0000L + i, new LeaseRecord().clear().ip(0x0A00_0064 + i)
                .state(LeaseState.BOUND).vmLeaseSeconds(600).serverId(0x0A00_0001)
                .updatedMillis(now - 3_600_000).hostLeaseExpiryMillis(now + 1_200_000).vmLeaseExpiryMillis(now)
                .vmId(1, i));
        }
        return now;
    }

    private LeaseRefresher refresherOf(final HostStores of, final int inFlight, final NanoClock nanoClock)
        throws Exception
    {
        return new LeaseRefresher(of, new Exchanges(inFlight * 2), new ServiceLocator(
            new FilePolicyStore(dir.resolve("policy.json")), SystemEpochClock.INSTANCE, 30_000, counters),
            counters, inFlight, nanoClock);
    }

    @Test
    void leasesWhoseRefreshKeepsFailingTakeTurnsWithTheOthersWhenMoreAreDueThanMayBeInFlight() throws Exception
    {
        final long now = System.currentTimeMillis();
        for (int i = 0; i < LEASES; i++)
        {
            // Bound an hour ago with a host lease of 80 minutes: past half of it.
            stores.putLease(DOMAIN, 0x0200_0000_0000L + i, new LeaseRecord().clear().ip(0x0A00_0064 + i)
                .state(LeaseState.BOUND).vmLeaseSeconds(600).serverId(0x0A00_0001).updatedMillis(now - 3_600_000)
                .hostLeaseExpiryMillis(now + 1_200_000).vmLeaseExpiryMillis(now).vmId(1, i));
        }
        // As an agent that starts finds them: scheduled by its first walk of the store.
        refresher = new LeaseRefresher(stores, exchanges, new ServiceLocator(
            new FilePolicyStore(dir.resolve("policy.json")), SystemEpochClock.INSTANCE, 30_000, counters), counters,
            IN_FLIGHT);

        final Set<Long> tried = new HashSet<>();
        long clock = now;
        long sent = 0;
        for (int walk = 1; walk <= 3; walk++)
        {
            // Far enough apart for any store: a walk waits at least 49 times its own time after the one before.
            clock += 60_000;
            final int sentNow = refresher.poll(clock, client, Long.MAX_VALUE);
            assertTrue(sentNow > 0 && sentNow <= IN_FLIGHT, "walk " + walk + " sent " + sentNow);
            sent += sentNow;
            for (int i = 0; i < LEASES; i++)
            {
                if (exchanges.byVm(DOMAIN, 0x0200_0000_0000L + i) != Exchanges.NONE)
                {
                    tried.add((long)i);
                }
            }
            final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (counters.refreshesFailed.get() < sent)
            {
                client.poll();
                assertTrue(System.nanoTime() - deadline < 0, "the service did not refuse walk " + walk);
            }
        }
        assertEquals(LEASES, tried.size(), "leases tried in three walks: " + tried);
        assertEquals(sent, counters.refreshesSent.get());
        assertEquals(0, counters.refreshesAcked.get());
    }
}
