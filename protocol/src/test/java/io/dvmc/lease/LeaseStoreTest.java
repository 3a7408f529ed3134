package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import net.openhft.chronicle.hash.impl.SizePrefixedBlob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stores within one JVM: API behaviour, slot fallback, failure modes, allocation. */
class LeaseStoreTest
{
    @TempDir
    Path dir;

    @Test
    void writerAndReaderInOneJvmShareEntries()
    {
        final Path file = dir.resolve("leases");
        try (LeaseStore writer = LeaseStore.openWriter(file, 1000);
            LeaseStore reader = LeaseStore.openReader(file))
        {
            final LeaseRecord record = new LeaseRecord();
            for (int n = 0; n < 100; n++)
            {
                writer.put(Samples.domainOf(n, 100), Samples.macOf(n, 100), Samples.lease(n, record));
            }
            assertEquals(100, reader.size());
            for (int n = 0; n < 100; n++)
            {
                assertTrue(reader.get(Samples.domainOf(n, 100), Samples.macOf(n, 100), record));
                assertEquals(n, record.updatedMillis());
                assertTrue(record.isValid());
            }
            assertEquals(LookupResult.ABSENT, reader.lookup(1, 0x02AB00000000L, record));
            assertThrows(IllegalStateException.class, () -> reader.put(1, 2L, new LeaseRecord().clear()));
            assertTrue(writer.remove(Samples.domainOf(5, 100), Samples.macOf(5, 100)));
            assertFalse(writer.remove(Samples.domainOf(5, 100), Samples.macOf(5, 100)));
            assertFalse(reader.get(Samples.domainOf(5, 100), Samples.macOf(5, 100), record));
            assertEquals(99, reader.size());
        }
    }

    @Test
    void aRecoveryThatCannotMapTheFileAgainIsAStoreFailureAndLeavesTheStoreUnmarkedAndIntactForTheNextOpen()
        throws IOException
    {
        final Path file = dir.resolve("leases");
        final LeaseStore store = LeaseStore.openWriter(file, 100);
        store.put(7, 0x020000000007L, Samples.lease(1, new LeaseRecord()));
        // An operator moved the file away and something else took its name.
        Files.move(file, dir.resolve("leases.moved"));
        Files.createDirectory(file);

        final StoreFailedException failure = assertThrows(StoreFailedException.class,
            () -> store.recover(Duration.ofSeconds(1)));
        assertTrue(failure.getMessage().contains("cannot map " + file), failure.getMessage());
        store.close();

        Files.delete(file);
        Files.move(dir.resolve("leases.moved"), file);
        try (LeaseStore reopened = LeaseStore.openWriter(file, 100))
        {
            assertFalse(reopened.guard().closedCleanly(), "a store that failed was marked clean");
            final LeaseRecord record = new LeaseRecord();
            assertTrue(reopened.get(7, 0x020000000007L, record));
            assertEquals(1, record.updatedMillis());
        }
    }

    @Test
    void replacementsAlternateSlotsAndTheLatestWins()
    {
        final Path file = dir.resolve("leases");
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            final LeaseRecord record = new LeaseRecord();
            for (long n = 0; n < 1000; n++)
            {
                store.put(7, 0x020000000007L, Samples.lease(n, record));
                assertTrue(store.get(7, 0x020000000007L, record));
                assertEquals(n, record.updatedMillis());
            }
            assertEquals(1, store.size());
        }
    }

    @Test
    void aFullStoreIsWalkedInSegmentsOfAtMostAThousandLeasesAndAFileKeepsTheSegmentsItWasMadeWith()
    {
        final Path file = dir.resolve("leases");
        final long capacity = 262_144;
        try (LeaseStore store = LeaseStore.openWriter(file, capacity))
        {
            assertTrue(capacity / store.segments() <= FixedRecordMap.ENTRIES_PER_SEGMENT,
                "one step of a walk holds a segment of " + capacity / store.segments() + " leases");
            final LeaseRecord lease = new LeaseRecord().clear();
            for (long mac = 1; mac <= capacity; mac++)
            {
                store.put(1, mac, lease);
            }
            final long[] visited = {0};
            store.forEach(0, store.segments(), (domainId, mac, record) -> visited[0]++);
            assertEquals(capacity, visited[0], "a store made for its capacity holds it, however many segments");
        }
    }

    @Test
    void forEachVisitsEveryLease()
    {
        final Path file = dir.resolve("leases");
        try (LeaseStore store = LeaseStore.openWriter(file, 1000))
        {
            final LeaseRecord record = new LeaseRecord();
            for (int n = 0; n < 300; n++)
            {
                store.put(Samples.domainOf(n, 300), Samples.macOf(n, 300), Samples.lease(n, record));
            }
            final Map<Long, Long> seen = new HashMap<>();
            final long skipped = store.forEach((domainId, mac, lease) -> {
                assertEquals(Samples.domainOf(lease.updatedMillis(), 300), domainId);
                assertTrue(lease.isValid());
                seen.put(mac, lease.updatedMillis());
            });
            assertEquals(0, skipped);
            assertEquals(300, seen.size());
            for (long n = 0; n < 300; n++)
            {
                assertEquals(n, seen.get(Samples.macOf(n, 300)));
            }
        }
    }

    @Test
    void aTornNewestSlotFallsBackToThePreviousRecord() throws IOException
    {
        final Path file = dir.resolve("leases");
        final LeaseRecord record = new LeaseRecord();
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            store.put(1, 0x020000000001L, Samples.lease(1, record));
            store.put(1, 0x020000000001L, Samples.lease(0x5A5A5A5A5A5AL, record));
        }
        // Damage the newest record where it lies in the file, as a writer killed mid-copy would.
        corruptFirstOccurrence(file, record.buffer().getLong(LeaseRecord.VM_ID_MSB_OFFSET, ByteOrder.LITTLE_ENDIAN));
        try (LeaseStore store = LeaseStore.openReader(file))
        {
            assertEquals(LookupResult.FOUND, store.lookup(1, 0x020000000001L, record));
            assertEquals(1, record.updatedMillis(), "the previous acknowledged record");
        }
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            assertEquals(0, store.map().purgedOnOpen(), "an entry with one valid slot is kept");
            store.put(1, 0x020000000001L, Samples.lease(3, record));
            assertTrue(store.get(1, 0x020000000001L, record));
            assertEquals(3, record.updatedMillis());
        }
    }

    @Test
    void anEntryWithNoValidSlotIsCorruptForReadersAndRewrittenByTheWritersNextPut() throws IOException
    {
        final Path file = dir.resolve("leases");
        final LeaseRecord record = new LeaseRecord();
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            store.put(1, 0x020000000001L, Samples.lease(0x6B6B6B6B6B6BL, record));
            store.put(1, 0x020000000002L, Samples.lease(4, record));
        }
        corruptFirstOccurrence(file, Samples.lease(0x6B6B6B6B6B6BL, record).vmIdMsb());
        try (LeaseStore store = LeaseStore.openReader(file))
        {
            assertEquals(LookupResult.CORRUPT, store.lookup(1, 0x020000000001L, record));
            assertEquals(1, store.forEach((d, m, r) -> assertEquals(0x020000000002L, m)));
        }
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            assertFalse(store.map().recovered(), "closed cleanly, no lock held: mapped without recovery");
            assertEquals(LookupResult.CORRUPT, store.lookup(1, 0x020000000001L, record));
            store.recover(Duration.ofSeconds(10));
            assertFalse(store.map().recovered(), "no lock held: nothing to re-hash");
            assertEquals(LookupResult.CORRUPT, store.lookup(1, 0x020000000001L, record), "never served");
            store.put(1, 0x020000000001L, Samples.lease(7, record));
            assertEquals(LookupResult.FOUND, store.lookup(1, 0x020000000001L, record));
            assertEquals(2, store.size());
        }
    }

    @Test
    void aWriterKilledWithNoLockHeldLeavesAStoreThatIsUsedAsItIsWithoutRecovery()
    {
        final Path file = dir.resolve("leases");
        final LeaseRecord record = Samples.lease(1, new LeaseRecord());
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            assertFalse(store.map().recovered(), "created");
            store.put(1, 2L, record);
        }
        final LeaseStore unclean = LeaseStore.openWriter(file, 100);
        assertFalse(unclean.map().recovered(), "the previous writer closed cleanly");
        assertFalse(unclean.guard().closedCleanly(), "marked dirty while open");
        unclean.put(1, 3L, record);
        abandon(unclean);
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            assertFalse(store.guard().closedCleanly(), "the previous writer did not close cleanly");
            assertFalse(store.map().recovered(), "but it held no lock: every change it made was complete");
            assertTrue(store.get(1, 2L, record));
            assertTrue(store.get(1, 3L, record), "the killed writer's last put");
            assertEquals(2, store.size());
        }
        try (StoreGuard guard = StoreGuard.open(file))
        {
            guard.acquireWriter(Duration.ofSeconds(1));
            assertTrue(guard.closedCleanly());
        }
    }

    @Test
    void aWriterKilledWhileAddingASegmentTierLeavesTheMapWideLockWhichTheNextWriterRecovers()
    {
        final LeaseRecord record = new LeaseRecord();
        final Path file = killedWithALease(map -> {
            map.holdMapWideLock();
            assertTrue(map.mapWideLockHeld());
        });
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            assertTrue(store.map().recovered(), "the map-wide lock was held");
            assertFalse(store.map().mapWideLockHeld(), "recovery released it");
            assertTrue(store.get(1, 2L, record));
            store.put(1, 3L, record);
        }
    }

    @Test
    void anUpdateLockLeftByAKilledProcessIsReleasedAtOpenWithoutRecovery()
    {
        final LeaseRecord record = new LeaseRecord();
        final Path file = killedWithALease(map -> map.holdSegmentLock(0, false));
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            assertFalse(store.map().recovered(), "nothing is changed under an update lock");
            assertEquals(0, store.lockedSegments(Duration.ZERO), "the dead process's lock was released");
            assertTrue(store.get(1, 2L, record));
            for (int n = 0; n < 50; n++)
            {
                store.put(1, n, Samples.lease(n, record));
            }
        }
    }

    @Test
    void aWaitForAWriteLockLeftByAKilledWriterIsClearedAtOpenSoReadersAreNotShutOut()
    {
        final LeaseRecord record = new LeaseRecord();
        final Path file = killedWithALease(FixedRecordMap::holdWriteWaits);
        try (LeaseStore store = LeaseStore.openWriter(file, 100);
            LeaseStore reader = LeaseStore.openReader(file))
        {
            assertFalse(store.map().recovered(), "a writer that only waited changed nothing");
            assertEquals(LookupResult.FOUND, reader.lookup(1, 2L, record), "a reader gives way to a waiting writer");
        }
    }

    @Test
    void aWriteLockLeftByAKilledProcessIsRecoveredAtOpen()
    {
        final LeaseRecord record = new LeaseRecord();
        final Path file = killedWithALease(map -> map.holdSegmentLock(map.segments() - 1, true));
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            assertTrue(store.map().recovered(), "a change may have been cut short under the write lock");
            assertEquals(0, store.lockedSegments(Duration.ZERO));
            assertTrue(store.get(1, 2L, record));
        }
    }

    /** A store whose writer put lease (1, 2) and then was killed right after {@code lastAct}. */
    private Path killedWithALease(final java.util.function.Consumer<FixedRecordMap> lastAct)
    {
        final Path file = dir.resolve("leases");
        final LeaseStore killed = LeaseStore.openWriter(file, 100);
        killed.put(1, 2L, Samples.lease(1, new LeaseRecord()));
        lastAct.accept(killed.map());
        abandon(killed);
        return file;
    }

    /** Drops the writer role without close(), as a killed writer would. */
    private static void abandon(final LeaseStore store)
    {
        store.map().close();
        store.guard().release();
        closeGuardOnly(store.guard());
    }

    @Test
    void aFullStoreFailsWithATypedException()
    {
        final Path file = dir.resolve("leases");
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            final LeaseRecord record = new LeaseRecord();
            final StoreFullException e = assertThrows(StoreFullException.class, () -> {
                for (int n = 0; n < 1_000_000; n++)
                {
                    store.put(1, n, Samples.lease(n, record));
                }
            });
            assertTrue(store.size() >= 100, e.getMessage());
            assertTrue(store.get(1, 0, record), "what fitted is still there");
        }
    }

    @Test
    void aWriterConfiguredForAnotherCapacityRefusesTheFileClearlyAndLeavesItAsItWasForAReader()
    {
        final Path file = dir.resolve("leases");
        final LeaseRecord record = new LeaseRecord();
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            store.put(1, 2L, Samples.lease(2, record));
        }

        final OtherLayoutException e = assertThrows(OtherLayoutException.class,
            () -> LeaseStore.openWriter(file, 200));
        assertTrue(e.getMessage().contains("created for 100 entries, 200 are configured"), e.getMessage());

        try (LeaseStore reader = LeaseStore.openReader(file))
        {
            assertEquals(100, reader.map().capacity());
            assertTrue(reader.get(1, 2L, record), "the refused writer changed nothing");
        }
        try (LeaseStore store = LeaseStore.openWriter(file, 100))
        {
            assertTrue(store.get(1, 2L, record));
        }
    }

    @Test
    void openReaderOnAMissingFileFailsClearly()
    {
        final Path file = dir.resolve("absent");
        final StoreMissingException e = assertThrows(StoreMissingException.class, () -> LeaseStore.openReader(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertFalse(Files.exists(file), "a reader never creates the store");
        assertThrows(StoreMissingException.class, () -> LeaseStore.openReader(dir.resolve("no-dir").resolve("x")));
    }

    @Test
    void aFileOfAnotherLayoutIsRefused()
    {
        final Path file = dir.resolve("domains");
        DomainStore.openWriter(file, 10).close();
        assertThrows(ForeignStoreException.class, () -> LeaseStore.openReader(file));
        assertThrows(ForeignStoreException.class, () -> LeaseStore.openWriter(file, 10));
        try (DomainStore store = DomainStore.openReader(file))
        {
            assertEquals(0, store.size(), "the refused opens left the file usable");
        }
    }

    @Test
    void aNeverCompletedFileIsRefusedToReadersAndRecreatedByTheWriter() throws IOException
    {
        final Path file = dir.resolve("leases");
        Files.write(file, new byte[0]);
        assertThrows(StoreNotReadyException.class, () -> LeaseStore.openReader(file));
        try (LeaseStore store = LeaseStore.openWriter(file, 10))
        {
            assertEquals(0, store.size());
        }
    }

    @Test
    void anInterruptedRecoveryIsResumedWithoutChronicleWaitingAMinute() throws IOException
    {
        final Path file = dir.resolve("leases");
        final LeaseRecord record = new LeaseRecord();
        try (LeaseStore store = LeaseStore.openWriter(file, 10))
        {
            store.put(1, 2L, Samples.lease(11, record));
        }
        // What a writer killed inside recoverPersistedTo leaves: the header marked not complete.
        final int sizeWord = readInt(file, SizePrefixedBlob.SIZE_WORD_OFFSET);
        writeInt(file, SizePrefixedBlob.SIZE_WORD_OFFSET, sizeWord | SizePrefixedBlob.NOT_COMPLETE);
        assertThrows(StoreNotReadyException.class, () -> LeaseStore.openReader(file));
        final long start = System.nanoTime();
        try (LeaseStore store = LeaseStore.openWriter(file, 10))
        {
            assertTrue(store.get(1, 2L, record));
            assertEquals(11, record.updatedMillis());
        }
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(50).toNanos(), "no one-minute wait");
        try (LeaseStore store = LeaseStore.openReader(file))
        {
            assertTrue(store.get(1, 2L, record));
        }
    }

    @Test
    void aSecondWriterIsRefused()
    {
        final Path file = dir.resolve("leases");
        final StoreTimeouts quick = new StoreTimeouts(Duration.ofMillis(200), Duration.ofSeconds(1),
            Duration.ofNanos(50_000));
        try (LeaseStore first = LeaseStore.openWriter(file, 10))
        {
            assertThrows(WriterActiveException.class, () -> LeaseStore.openWriter(file, 10, quick));
            assertTrue(first.guard().writerPresent());
        }
        LeaseStore.openWriter(file, 10, quick).close();
    }

    @Test
    void recoveryWaitsForInJvmReadersAndLetsThemReopen()
    {
        final Path file = dir.resolve("leases");
        final LeaseRecord record = new LeaseRecord();
        try (LeaseStore writer = LeaseStore.openWriter(file, 10))
        {
            writer.put(1, 2L, Samples.lease(1, record));
            final LeaseStore reader = LeaseStore.openReader(file);
            assertTrue(writer.guard().readersPresent());
            assertThrows(StoreLockTimeoutException.class, () -> writer.recover(Duration.ofMillis(100)));
            assertTrue(writer.get(1, 2L, record), "a refused recovery leaves the writer working");
            reader.close();
            assertFalse(writer.guard().readersPresent());
            writer.recover(Duration.ofSeconds(5));
            writer.put(1, 2L, Samples.lease(2, record));
            try (LeaseStore again = LeaseStore.openReader(file))
            {
                assertTrue(again.get(1, 2L, record));
                assertEquals(2, record.updatedMillis());
            }
        }
    }

    @Test
    void domainStoreRoundTrip()
    {
        final Path file = dir.resolve("domains");
        try (DomainStore writer = DomainStore.openWriter(file, 64);
            DomainStore reader = DomainStore.openReader(file))
        {
            final DomainRecord record = new DomainRecord();
            for (int n = 1; n <= 20; n++)
            {
                writer.put(Samples.domain(n, record));
            }
            writer.put(21, Samples.domain(3, record));
            for (int n = 1; n <= 20; n++)
            {
                assertTrue(reader.get(n, record));
                assertEquals(n * 3 + 1, record.version());
                assertTrue(record.isValid());
            }
            assertTrue(reader.get(21, record));
            assertEquals(21, record.domainId());
            assertEquals(LookupResult.ABSENT, reader.lookup(99, record));
            final int[] count = {0};
            reader.forEach(domain -> count[0]++);
            assertEquals(21, count[0]);
        }
    }

    @Test
    void lookupsAllocateNothing()
    {
        final Path file = dir.resolve("leases");
        final int keys = 10_000;
        try (LeaseStore writer = LeaseStore.openWriter(file, 2 * keys);
            LeaseStore reader = LeaseStore.openReader(file);
            DomainStore domains = DomainStore.openWriter(dir.resolve("domains"), 16))
        {
            final LeaseRecord record = new LeaseRecord();
            for (int n = 0; n < keys; n++)
            {
                writer.put(Samples.domainOf(n, keys), Samples.macOf(n, keys), Samples.lease(n, record));
            }
            final DomainRecord domain = Samples.domain(1, new DomainRecord());
            domains.put(domain);
            final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
            final long thread = Thread.currentThread().threadId();
            long allocated = 0;
            long found = 0;
            for (int round = 0; round < 5; round++)
            {
                final long before = threads.getThreadAllocatedBytes(thread);
                for (int i = 0; i < 100_000; i++)
                {
                    final int n = i % keys;
                    if (reader.get(Samples.domainOf(n, keys), Samples.macOf(n, keys), record))
                    {
                        found++;
                    }
                    if (domains.get(1, domain))
                    {
                        found++;
                    }
                }
                allocated = threads.getThreadAllocatedBytes(thread) - before;
            }
            assertEquals(5 * 200_000, found);
            // The last round is warm: whatever the JIT and Chronicle set up per thread is done by then.
            assertTrue(allocated < 1024, "100k lease + 100k domain lookups allocated " + allocated + " bytes");
        }
    }

    /** Releases the guard's locks without the clean mark that LeaseStore.close() writes. */
    private static void closeGuardOnly(final StoreGuard guard)
    {
        guard.close();
    }

    private static void corruptFirstOccurrence(final Path file, final long marker) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(file);
        final ByteBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + Long.BYTES <= bytes.length; i++)
        {
            if (view.getLong(i) == marker)
            {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE))
                {
                    ch.write(ByteBuffer.wrap(new byte[]{(byte)(bytes[i] ^ 0xFF)}), i);
                }
                return;
            }
        }
        throw new AssertionError("marker not found in " + file);
    }

    private static int readInt(final Path file, final long position) throws IOException
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, position);
            return b.getInt(0);
        }
    }

    private static void writeInt(final Path file, final long position, final int value) throws IOException
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value), position);
        }
    }
}
