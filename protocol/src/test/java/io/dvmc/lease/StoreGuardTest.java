package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar lock file, within one JVM and against other processes (including ones killed by SIGKILL). */
class StoreGuardTest
{
    private static final Duration SHORT = Duration.ofMillis(150);
    private static final Duration LONG = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void lockFileSitsNextToTheMap()
    {
        final Path map = dir.resolve("leases.cm");
        try (StoreGuard guard = StoreGuard.open(map))
        {
            assertEquals(dir.resolve("leases.cm.lock"), StoreGuard.lockPathFor(map));
            assertTrue(Files.exists(StoreGuard.lockPathFor(map)));
            assertEquals(map, guard.mapFile());
        }
    }

    @Test
    void readersShareAndTheWriterWaitsForThem()
    {
        final Path map = dir.resolve("m");
        try (StoreGuard writer = StoreGuard.open(map);
            StoreGuard reader1 = StoreGuard.open(map);
            StoreGuard reader2 = StoreGuard.open(map))
        {
            writer.acquireWriter(SHORT);
            assertThrows(IllegalStateException.class, () -> reader1.acquireExclusive(SHORT), "writer role needed");
            reader1.acquireShared(SHORT);
            reader2.acquireShared(SHORT);
            assertTrue(writer.readersPresent());
            assertThrows(StoreLockTimeoutException.class, () -> writer.acquireExclusive(SHORT));
            reader1.release();
            assertTrue(writer.readersPresent());
            reader2.release();
            assertFalse(writer.readersPresent());
            writer.acquireExclusive(SHORT);
            assertTrue(writer.holdsExclusive());
            assertThrows(StoreLockTimeoutException.class, () -> reader1.acquireShared(SHORT));
            writer.releaseExclusive();
            reader1.acquireShared(SHORT);
            assertTrue(reader1.holdsShared());
        }
    }

    @Test
    void oneWriterPerStore()
    {
        final Path map = dir.resolve("m");
        try (StoreGuard second = StoreGuard.open(map))
        {
            try (StoreGuard first = StoreGuard.open(map))
            {
                first.acquireWriter(SHORT);
                assertThrows(WriterActiveException.class, () -> second.acquireWriter(SHORT));
                assertTrue(second.writerPresent());
            }
            assertFalse(second.writerPresent());
            second.acquireWriter(SHORT);
        }
    }

    @Test
    void aReaderProcessBlocksRecoveryUntilItReleases() throws Exception
    {
        final Path map = dir.resolve("m");
        try (StoreGuard writer = StoreGuard.open(map);
            ForkedJvm reader = ForkedJvm.start(LockHolderMain.class, dir, map.toString(), "shared"))
        {
            writer.acquireWriter(SHORT);
            reader.awaitLine("held"::equals, LONG);
            assertTrue(writer.readersPresent());
            assertThrows(StoreLockTimeoutException.class, () -> writer.acquireExclusive(SHORT));
            reader.send("");
            reader.process().getOutputStream().close();
            reader.awaitLine("released"::equals, LONG);
            writer.acquireExclusive(LONG);
        }
    }

    @Test
    void theKernelDropsTheLocksOfAProcessKilledBySigkill() throws Exception
    {
        final Path map = dir.resolve("m");
        try (StoreGuard writer = StoreGuard.open(map);
            ForkedJvm reader = ForkedJvm.start(LockHolderMain.class, dir, map.toString(), "shared"))
        {
            writer.acquireWriter(SHORT);
            reader.awaitLine("held"::equals, LONG);
            assertThrows(StoreLockTimeoutException.class, () -> writer.acquireExclusive(SHORT));
            reader.kill();
            assertFalse(writer.readersPresent());
            writer.acquireExclusive(SHORT);
        }
        try (StoreGuard agent = StoreGuard.open(map);
            ForkedJvm other = ForkedJvm.start(LockHolderMain.class, dir, map.toString(), "writer"))
        {
            other.awaitLine("held"::equals, LONG);
            assertThrows(WriterActiveException.class, () -> agent.acquireWriter(SHORT));
            other.kill();
            agent.acquireWriter(SHORT);
        }
    }

    @Test
    void aReaderWaitsOutTheWritersRecovery() throws Exception
    {
        final Path map = dir.resolve("m");
        try (StoreGuard reader = StoreGuard.open(map);
            ForkedJvm writer = ForkedJvm.start(LockHolderMain.class, dir, map.toString(), "exclusive"))
        {
            writer.awaitLine("held"::equals, LONG);
            assertTrue(reader.writerPresent());
            assertThrows(StoreLockTimeoutException.class, () -> reader.acquireShared(SHORT));
            writer.kill();
            reader.acquireShared(SHORT);
            assertFalse(reader.writerPresent());
        }
    }
}
