package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's restart beside a live reader ({@link LeaseStore#openWriterBesideReaders}): the reader (the
 * dataplane) keeps its mapping and keeps answering through a kill -9 of the writer and the next writer's open, which
 * clears only what can be the dead writer's (update locks, write waits) and leaves the reader's read locks; a
 * change cut short (a write lock or the map-wide lock held) still takes the YIELD and recovery path.
 */
class BesideReaderTest
{
    private static final int KEYS = 2_000;
    private static final int ROUNDS = 6;
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final StoreTimeouts AGENT = new StoreTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(1),
        Duration.ofNanos(50_000));
    private static final StoreTimeouts SHORT_WRITES = new StoreTimeouts(Duration.ofSeconds(5),
        Duration.ofMillis(100), Duration.ofNanos(50_000));

    @TempDir
    Path dir;

    /**
     * A real writer process killed at random moments of its put loop while a reader in this JVM looks leases up
     * without pause: the reader never closes its store, the next writer opens beside it (no YIELD: the reader holds
     * its shared lock throughout), and every acknowledged put is found, by the reader as by the writer.
     */
    @Test
    void aReaderKeepsItsStoreAndAnswersAcrossAWriterKillAndTheNextWriterOpensBesideIt() throws Exception
    {
        final Path file = dir.resolve("leases");
        LeaseStore.openWriter(file, 4 * KEYS, AGENT).close();
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final long[] committed = new long[KEYS];
        Arrays.fill(committed, -1);
        final StringBuilder report = new StringBuilder("seed " + seed + "\n");
        LeaseStore reader = LeaseStore.openReader(file, AGENT);
        ReaderLoop loop = ReaderLoop.start(reader);
        int besideRounds = 0;
        long next = 0;
        try
        {
            for (int round = 0; round < ROUNDS; round++)
            {
                long last = next - 1;
                final Path counterFile = dir.resolve("progress-" + round);
                try (SharedCounter progress = SharedCounter.create(counterFile);
                    ForkedJvm child = ForkedJvm.start(WriterLoopMain.class, dir, file.toString(),
                        Long.toString(next), Integer.toString(KEYS), counterFile.toString(), "beside"))
                {
                    child.awaitLine("ready"::equals, LONG);
                    progress.awaitAtLeast(1 + random.nextInt(round == 0 ? KEYS / 2 : 4 * KEYS), LONG);
                    child.kill();
                    last = Samples.takeCommitted(child.drain(), committed, last, KEYS);
                }
                final long inFlight = last + 1;
                final long lookupsBefore = loop.lookups.get();
                final StoreGuard guard = StoreGuard.open(file);
                LeaseStore agent = LeaseStore.openWriterBesideReaders(guard, 4 * KEYS, AGENT);
                final LeaseStore agentBeside = agent;
                final String how;
                if (agent != null)
                {
                    besideRounds++;
                    assertTrue(reader.guard().holdsShared() && reader.map().isOpen(),
                        "the reader kept its store: the exclusive lock was never granted");
                    how = "opened beside the reader";
                }
                else
                {
                    // A kill inside a write lock: the reader must let go for a recovery, as the agent's YIELD asks.
                    assertTrue(reader.map().writeLockedSegments() > 0 || reader.map().mapWideLockHeld(),
                        "the open beside the reader was refused with no change cut short");
                    loop.stop();
                    reader.close();
                    agent = LeaseStore.openWriter(guard, 4 * KEYS, AGENT);
                    assertTrue(agent.map().recovered());
                    reader = LeaseStore.openReader(file, AGENT);
                    loop = ReaderLoop.start(reader);
                    how = "YIELD and recovery (a write lock was held)";
                }
                try
                {
                    final boolean landed = Samples.verifyAcknowledged(reader, committed, inFlight, KEYS);
                    Samples.verifyAcknowledged(agent, committed, inFlight, KEYS);
                    assertEquals(0, agent.lockedSegments(Duration.ofMillis(100)), "a segment stayed locked");
                    Samples.putAcknowledged(agent, committed, KEYS);
                    Samples.verifyAcknowledged(reader, committed, inFlight, KEYS);
                    assertNull(loop.failure.get(), "the reader's loop failed");
                    // Only beside the reader: a YIELD round started a new loop, whose count began again at 0.
                    assertTrue(agentBeside == null || loop.lookups.get() > lookupsBefore, "the reader kept looking up");
                    report.append(String.format("round %d: killed after n=%d (in-flight put %s); %s%n", round, last,
                        landed ? "landed" : "lost", how));
                }
                finally
                {
                    agent.close();
                }
                next = inFlight + 1;
            }
            loop.stop();
            assertNull(loop.failure.get(), "the reader's loop failed");
            report.append(String.format("reader: %d lookups, %d busy%n", loop.lookups.get(), loop.busy.get()));
            assertTrue(besideRounds > 0, "no round opened beside the reader");
        }
        catch (final AssertionError e)
        {
            throw new AssertionError(report + e.getMessage(), e);
        }
        finally
        {
            loop.stop();
            reader.close();
        }
        System.out.print(report);
    }

    /**
     * The dead writer left update locks and registered write waits (which shut the reader out) while a live reader
     * holds a read lock on every segment: the open clears the writer's part only, the reader's read counts survive
     * and it releases them normally, and then writes go through.
     */
    @Test
    void theOpenClearsTheDeadWritersUpdateLocksAndWaitsAndLeavesTheReadersReadLocks()
    {
        final Path file = dir.resolve("leases");
        final LeaseRecord record = new LeaseRecord();
        final LeaseStore dead = Samples.filled(file, KEYS, SHORT_WRITES);
        try (LeaseStore reader = LeaseStore.openReader(file, SHORT_WRITES))
        {
            final int segments = reader.segments();
            reader.map().holdReadLocks();
            for (int s = 0; s < segments; s++)
            {
                dead.map().holdSegmentLock(s, false);
            }
            dead.map().holdWriteWaits();
            dead.map().close(); // the writer dies: its locks stay in the file
            dead.guard().close();
            assertEquals(LookupResult.BUSY, reader.lookup(Samples.domainOf(0, KEYS), Samples.macOf(0, KEYS), record),
                "a registered write wait shuts readers out");

            try (LeaseStore writer = LeaseStore.openWriterBesideReaders(StoreGuard.open(file), 4 * KEYS,
                SHORT_WRITES))
            {
                assertNotNull(writer, "no change was cut short: the open goes beside the reader");
                for (int s = 0; s < segments; s++)
                {
                    assertFalse(reader.map().updateLocked(s), "segment " + s + " update lock");
                    assertEquals(0, reader.map().writeWaits(s), "segment " + s + " write waits");
                    assertEquals(1, reader.map().readLockCount(s), "segment " + s + ": the reader's read lock");
                }
                for (int k = 0; k < KEYS; k++)
                {
                    assertEquals(LookupResult.FOUND,
                        reader.lookup(Samples.domainOf(k, KEYS), Samples.macOf(k, KEYS), record), "key " + k);
                }
                // The reader's read lock still keeps the writer out of its segment, as it must.
                assertThrows(SegmentLockedException.class,
                    () -> writer.put(Samples.domainOf(0, KEYS), Samples.macOf(0, KEYS), Samples.lease(0, record)));

                reader.map().releaseReadLocks();
                for (int s = 0; s < segments; s++)
                {
                    assertEquals(0, reader.map().readLockCount(s), "segment " + s);
                }
                for (int k = 0; k < KEYS; k++)
                {
                    writer.put(Samples.domainOf(k, KEYS), Samples.macOf(k, KEYS), Samples.lease(KEYS + k, record));
                }
                for (int k = 0; k < KEYS; k++)
                {
                    assertEquals(LookupResult.FOUND,
                        reader.lookup(Samples.domainOf(k, KEYS), Samples.macOf(k, KEYS), record), "key " + k);
                    assertEquals(KEYS + k, record.updatedMillis(), "key " + k);
                }
                assertEquals(0, writer.lockedSegments(Duration.ofMillis(20)));
            }
        }
    }

    /** A write lock left by the dead writer (a change cut short): the open beside the reader is refused. */
    @Test
    void aWriteLockLeftByTheDeadWriterRefusesTheOpenBesideReadersAndTheRecoveryStillRuns()
    {
        final Path file = dir.resolve("leases");
        final LeaseRecord record = new LeaseRecord();
        final LeaseStore dead = Samples.filled(file, KEYS, SHORT_WRITES);
        LeaseStore reader = LeaseStore.openReader(file, SHORT_WRITES);
        dead.map().holdSegmentLock(1, true);
        dead.map().close();
        dead.guard().close();

        final StoreGuard guard = StoreGuard.open(file);
        try
        {
            assertNull(LeaseStore.openWriterBesideReaders(guard, 4 * KEYS, SHORT_WRITES));
            assertTrue(guard.isWriter(), "the guard keeps the writer role for the exclusive open");
            assertTrue(reader.map().isOpen(), "the refused open left the reader alone");
            // The agent's YIELD: the reader lets go, the writer recovers under the exclusive lock.
            reader.close();
            try (LeaseStore writer = LeaseStore.openWriter(guard, 4 * KEYS, SHORT_WRITES))
            {
                assertTrue(writer.map().recovered());
                reader = LeaseStore.openReader(file, SHORT_WRITES);
                for (int k = 0; k < KEYS; k++)
                {
                    writer.put(Samples.domainOf(k, KEYS), Samples.macOf(k, KEYS), Samples.lease(KEYS + k, record));
                    assertEquals(LookupResult.FOUND,
                        reader.lookup(Samples.domainOf(k, KEYS), Samples.macOf(k, KEYS), record), "key " + k);
                }
            }
        }
        finally
        {
            reader.close();
            guard.close();
        }
    }

    /** The map-wide lock held (a tier allocation cut short), or a reader walking the map: refused too. */
    @Test
    void theMapWideLockOrAWalkingReaderRefusesTheOpenBesideReaders()
    {
        final Path file = dir.resolve("leases");
        try (LeaseStore reader = openedThenReader(file))
        {
            reader.guard().acquireWalker(Duration.ofSeconds(1));
            try (StoreGuard guard = StoreGuard.open(file))
            {
                assertNull(LeaseStore.openWriterBesideReaders(guard, 4 * KEYS, SHORT_WRITES), "a walker is present");
            }
            reader.guard().releaseWalker();
            final LeaseStore dead = LeaseStore.openWriterBesideReaders(StoreGuard.open(file), 4 * KEYS,
                SHORT_WRITES);
            assertNotNull(dead);
            dead.map().holdMapWideLock();
            dead.map().close();
            dead.guard().close();
            try (StoreGuard guard = StoreGuard.open(file))
            {
                assertNull(LeaseStore.openWriterBesideReaders(guard, 4 * KEYS, SHORT_WRITES),
                    "the map-wide lock is held");
            }
            assertNotEquals(LookupResult.BUSY, reader.lookup(1, 1, new LeaseRecord()));
        }
    }

    private static LeaseStore openedThenReader(final Path file)
    {
        LeaseStore.openWriter(file, 4 * KEYS, SHORT_WRITES).close();
        return LeaseStore.openReader(file, SHORT_WRITES);
    }

    /** The dataplane's side: lookups without pause on a thread of its own, on a store it never closes. */
    private static final class ReaderLoop
    {
        final AtomicLong lookups = new AtomicLong();
        final AtomicLong busy = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean running = true;
        private final Thread thread;

        private ReaderLoop(final LeaseStore store)
        {
            thread = Thread.ofPlatform().daemon().name("test-reader").start(() -> {
                final LeaseRecord record = new LeaseRecord();
                try
                {
                    for (long n = 0; running; n++)
                    {
                        final LookupResult r = store.lookup(Samples.domainOf(n, KEYS), Samples.macOf(n, KEYS),
                            record);
                        if (r == LookupResult.BUSY)
                        {
                            busy.incrementAndGet();
                        }
                        else if (r == LookupResult.CORRUPT)
                        {
                            throw new AssertionError("corrupt record for n=" + n);
                        }
                        lookups.incrementAndGet();
                    }
                }
                catch (final Throwable t)
                {
                    failure.set(t);
                }
            });
        }

        static ReaderLoop start(final LeaseStore store)
        {
            return new ReaderLoop(store);
        }

        void stop() throws InterruptedException
        {
            running = false;
            thread.join();
        }
    }
}
