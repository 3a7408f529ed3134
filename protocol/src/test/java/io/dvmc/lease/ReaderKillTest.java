package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of a reader in the middle of its lookups: the read count it may leave in a segment lock blocks the
 * writer's puts to that segment (measured below), which then fail fast with {@link SegmentLockedException}
 * instead of blocking for a minute; one recovery cycle clears it, with or without a live reader attached.
 */
class ReaderKillTest
{
    private static final int KEYS = 2_000;
    private static final int ROUNDS = 5;
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final StoreTimeouts AGENT = new StoreTimeouts(Duration.ofSeconds(30), Duration.ofMillis(300),
        Duration.ofNanos(50_000));

    @TempDir
    Path dir;

    @Test
    void aReaderKilledMidLookupDoesNotBlockTheWriterAfterRecovery() throws Exception
    {
        final Path file = dir.resolve("leases");
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final StringBuilder report = new StringBuilder("seed " + seed + "\n");
        int roundsWithStuckLocks = 0;
        try (LeaseStore agent = LeaseStore.openWriter(file, 4 * KEYS, AGENT))
        {
            fill(agent, 0);
            for (int round = 0; round < ROUNDS; round++)
            {
                final Path counterFile = dir.resolve("progress-" + round);
                try (SharedCounter progress = SharedCounter.create(counterFile);
                    ForkedJvm reader = ForkedJvm.start(ReaderLoopMain.class, dir, file.toString(),
                        Integer.toString(KEYS), counterFile.toString()))
                {
                    reader.awaitLine(l -> l.startsWith("reading"), LONG);
                    // A random moment of a warm lookup loop.
                    progress.awaitAtLeast(100_000 + random.nextInt(2_000_000), LONG);
                    reader.kill();
                }
                assertFalse(agent.guard().readersPresent(), "the kernel released the dead reader's shared lock");
                final int stuck = agent.lockedSegments(Duration.ofMillis(50));
                final long failedPutMillis = stuck > 0 ? firstFailingPutMillis(agent, round) : -1;
                if (stuck > 0)
                {
                    roundsWithStuckLocks++;
                }
                // No reader attached: the agent may recover at once, without a YIELD.
                agent.recover(Duration.ofSeconds(30));
                assertEquals(0, agent.lockedSegments(Duration.ofMillis(100)), "recovery left a segment locked");
                assertFalse(agent.map().recovered(), "a dead reader's read lock is released, nothing re-hashed");
                fill(agent, round + 1);
                verify(agent, round + 1);
                report.append(String.format(
                    "round %d: %d segment(s) of %d left locked by the dead reader; a put" +
                        " there failed after %d ms (deadline %d ms); the recovery cycle released it%n",
                    round, stuck,
                    agent.map().segments(), failedPutMillis, AGENT.writeLock().toMillis()));
            }
        }
        report.append("rounds with a stuck read lock: ").append(roundsWithStuckLocks).append('/').append(ROUNDS);
        System.out.println(report);
    }

    @Test
    void recoveryCycleWithALiveReaderYieldAndReady() throws Exception
    {
        final Path file = dir.resolve("leases");
        try (LeaseStore agent = LeaseStore.openWriter(file, 4 * KEYS, AGENT))
        {
            fill(agent, 0);
            final Path counterFile = dir.resolve("progress");
            try (SharedCounter progress = SharedCounter.create(counterFile);
                ForkedJvm dead = ForkedJvm.start(ReaderLoopMain.class, dir, file.toString(),
                    Integer.toString(KEYS), counterFile.toString()))
            {
                dead.awaitLine(l -> l.startsWith("reading"), LONG);
                progress.awaitAtLeast(500_000, LONG);
                dead.kill();
            }
            try (ForkedJvm dataplane = ForkedJvm.start(ReaderLoopMain.class, dir, file.toString(),
                Integer.toString(KEYS), counterFile.toString()))
            {
                dataplane.awaitLine(l -> l.startsWith("reading"), LONG);
                assertTrue(agent.guard().readersPresent());
                // Without YIELD the live reader keeps its shared lock and recovery is refused, harmlessly.
                try
                {
                    agent.recover(Duration.ofMillis(200));
                    fail("recovered while a reader had the map open");
                }
                catch (final StoreLockTimeoutException expected)
                {
                    assertTrue(agent.guard().isWriter());
                }
                dataplane.send("YIELD");
                agent.recover(Duration.ofSeconds(30));
                dataplane.awaitLine("yielded"::equals, LONG);
                assertEquals(0, agent.lockedSegments(Duration.ofMillis(100)));
                fill(agent, 1);
                dataplane.send("READY");
                dataplane.awaitLine("reopened"::equals, LONG);
                final long n = KEYS + 17;
                dataplane.send("CHECK " + n);
                assertEquals("check " + n + " FOUND " + n, dataplane.awaitLine(l -> l.startsWith("check "), LONG));
                dataplane.send("EXIT");
                dataplane.awaitLine("bye"::equals, LONG);
                assertEquals(0, dataplane.await(LONG));
            }
            assertFalse(agent.guard().readersPresent());
        }
    }

    /**
     * Puts to every key until one lands in a stuck segment: that put must fail within the short write deadline
     * instead of blocking for Chronicle's minute. Returns how long it took.
     */
    private static long firstFailingPutMillis(final LeaseStore agent, final int round)
    {
        final LeaseRecord record = new LeaseRecord();
        for (int k = 0; k < KEYS; k++)
        {
            final long n = (long)round * KEYS + k;
            final long start = System.nanoTime();
            try
            {
                agent.put(Samples.domainOf(n, KEYS), Samples.macOf(n, KEYS), Samples.lease(n, record));
            }
            catch (final SegmentLockedException e)
            {
                final long took = System.nanoTime() - start;
                assertTrue(took < Duration.ofSeconds(10).toNanos(), "a put blocked " + took / 1_000_000 + " ms");
                return took / 1_000_000;
            }
        }
        return fail("locked segments reported but every put went through");
    }

    private static void fill(final LeaseStore agent, final int generation)
    {
        final LeaseRecord record = new LeaseRecord();
        for (int k = 0; k < KEYS; k++)
        {
            final long n = (long)generation * KEYS + k;
            agent.put(Samples.domainOf(n, KEYS), Samples.macOf(n, KEYS), Samples.lease(n, record));
        }
    }

    private static void verify(final LeaseStore agent, final int generation)
    {
        final LeaseRecord record = new LeaseRecord();
        for (int k = 0; k < KEYS; k++)
        {
            final long n = (long)generation * KEYS + k;
            assertEquals(LookupResult.FOUND, agent.lookup(Samples.domainOf(n, KEYS), Samples.macOf(n, KEYS), record));
            assertEquals(n, record.updatedMillis());
        }
    }
}
