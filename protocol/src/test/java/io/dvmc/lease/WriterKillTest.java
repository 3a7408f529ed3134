package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of the writer at random moments of a put loop (inserts, then replacements): every put the child
 * reported as returned is found after the agent-side restart, and every segment takes writes again at once.
 */
class WriterKillTest
{
    private static final int KEYS = 2_000;
    private static final int ROUNDS = 6;
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final StoreTimeouts AGENT = new StoreTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(1),
        Duration.ofNanos(50_000));

    @TempDir
    Path dir;

    @Test
    void everyCommittedLeaseSurvivesAndNoSegmentStaysLocked() throws Exception
    {
        final Path file = dir.resolve("leases");
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final long[] committed = new long[KEYS];
        Arrays.fill(committed, -1);
        final StringBuilder report = new StringBuilder("seed " + seed + "\n");
        try
        {
            killRounds(file, random, committed, report);
        }
        catch (final AssertionError e)
        {
            throw new AssertionError(report + e.getMessage(), e);
        }
        System.out.print(report);
    }

    private void killRounds(final Path file, final Random random, final long[] committed, final StringBuilder report)
        throws Exception
    {
        long next = 0;
        for (int round = 0; round < ROUNDS; round++)
        {
            long last = next - 1;
            final Path counterFile = dir.resolve("progress-" + round);
            try (SharedCounter progress = SharedCounter.create(counterFile);
                ForkedJvm child = ForkedJvm.start(WriterLoopMain.class, dir, file.toString(), Long.toString(next),
                    Integer.toString(KEYS), counterFile.toString()))
            {
                child.awaitLine("ready"::equals, LONG);
                // The first round dies among inserts, later ones mostly among replacements of acknowledged leases.
                progress.awaitAtLeast(1 + random.nextInt(round == 0 ? KEYS / 2 : 4 * KEYS), LONG);
                child.kill();
                last = Samples.takeCommitted(child.drain(), committed, last, KEYS);
            }
            final long inFlight = last + 1;
            final ReaderView view = readWhileWriterIsDead(file);
            try (LeaseStore agent = LeaseStore.openWriter(file, 4 * KEYS, AGENT))
            {
                assertFalse(agent.guard().closedCleanly(), "a killed writer never marks the store clean");
                final boolean landed = Samples.verifyAcknowledged(agent, committed, inFlight, KEYS);
                assertEquals(0, agent.lockedSegments(Duration.ofMillis(100)), "a segment stayed locked");
                // Writes to every key, so to every segment, each within the 1 s write deadline.
                Samples.putAcknowledged(agent, committed, KEYS);
                report.append(String.format(
                    "round %d: killed after n=%d (in-flight put %s); reader before the agent's open: " +
                        "busy=%d/%d maxLookupMicros=%d; %s%n",
                    round, last,
                    landed ? "landed" : "lost", view.busy,
                    view.lookups, view.maxLookupNanos / 1000,
                    agent.map().recovered()
                        ? "recovery repaired " + agent.map().recoveryCorruptions() +
                            " lock(s), purged " + agent.map().purgedOnOpen()
                        : "no lock held: used without recovery"));
            }
            next = inFlight + 1;
        }
    }

    private record ReaderView(long lookups, long busy, long maxLookupNanos)
    {
    }

    /** The dataplane's view before the agent restarts: lookups answer at once, at worst BUSY, never block. */
    private static ReaderView readWhileWriterIsDead(final Path file)
    {
        try (LeaseStore reader = LeaseStore.openReader(file))
        {
            final LeaseRecord record = new LeaseRecord();
            long busy = 0;
            long max = 0;
            for (int k = 0; k < KEYS; k++)
            {
                final long start = System.nanoTime();
                final LookupResult r = reader.lookup(Samples.domainOf(k, KEYS), Samples.macOf(k, KEYS), record);
                max = Math.max(max, System.nanoTime() - start);
                if (r == LookupResult.BUSY)
                {
                    busy++;
                }
            }
            assertTrue(max < Duration.ofSeconds(5).toNanos(), "a lookup blocked for " + max / 1_000_000 + " ms");
            return new ReaderView(KEYS, busy, max);
        }
    }
}
