package io.dvmc.lease;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of one shared map file: a {@link FixedRecordMap} opened under its {@link StoreGuard} in the
 * writer's or a reader's role, and the writer's recovery cycle. {@link LeaseStore} and {@link DomainStore} are
 * typed faces over this one implementation.
 *
 * <p>Lifecycle calls ({@code open*}, {@link #recover}, {@link #close}) belong to one thread; map operations through
 * {@link #map()} may come from any thread.
 */
public final class SharedMapFile implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(SharedMapFile.class);

    private final StoreGuard guard;
    private final String name;
    private final int keyLength;
    private final int recordLength;
    private final long maxEntries;
    private final StoreTimeouts timeouts;
    private volatile FixedRecordMap map;
    private boolean failed;

    private SharedMapFile(final StoreGuard guard, final FixedRecordMap map, final String name, final int keyLength,
        final int recordLength, final long maxEntries, final StoreTimeouts timeouts)
    {
        this.guard = guard;
        this.map = map;
        this.name = name;
        this.keyLength = keyLength;
        this.recordLength = recordLength;
        this.maxEntries = maxEntries;
        this.timeouts = timeouts;
    }

    /**
     * The writer's start: takes the writer role (if {@code guard} does not hold it yet), then the exclusive lock
     * (waiting up to {@link StoreTimeouts#lockFile()} for readers told to YIELD), creates, opens or recovers the
     * file (recovering if the last writer did not close cleanly or a dead process left a segment lock), marks the
     * store dirty until {@link #close} and releases the exclusive lock. On success the returned file owns
     * {@code guard}; on failure the guard keeps whatever role it had, for a retry.
     */
    public static SharedMapFile openWriter(final StoreGuard guard, final String name, final int keyLength,
        final int recordLength, final long maxEntries,
        final StoreTimeouts timeouts)
    {
        guard.acquireWriter(timeouts.lockFile());
        guard.acquireExclusive(timeouts.lockFile());
        try
        {
            final boolean killed = guard.lastWriterKilled();
            final FixedRecordMap map = FixedRecordMap.openWriter(guard.mapFile(), name, keyLength, recordLength,
                maxEntries, timeouts);
            if (killed && !map.recovered())
            {
                LOG.info(
                    "{}: the last writer did not close it, but held no write lock: its every change was complete, " +
                        "the file is used as it is",
                    guard.mapFile());
            }
            guard.markDirty();
            return new SharedMapFile(guard, map, name, keyLength, recordLength, maxEntries, timeouts);
        }
        finally
        {
            guard.releaseExclusive();
        }
    }

    /** {@link #openWriter(StoreGuard, String, int, int, long, StoreTimeouts)} with a guard of its own. */
    public static SharedMapFile openWriter(final Path file, final String name, final int keyLength,
        final int recordLength, final long maxEntries,
        final StoreTimeouts timeouts)
    {
        final StoreGuard guard = StoreGuard.open(file);
        try
        {
            return openWriter(guard, name, keyLength, recordLength, maxEntries, timeouts);
        }
        catch (final RuntimeException e)
        {
            guard.close();
            throw e;
        }
    }

    /**
     * The writer's start beside attached readers, with no YIELD: takes the writer role (if {@code guard} does not
     * hold it yet) and, if the file needs no recovery, opens it without the exclusive lock, clearing the dead
     * writer's update locks and write waits ({@link FixedRecordMap#openWriterBesideReaders}) while it holds the walk
     * lock exclusively; then marks the store dirty until {@link #close}. On success the returned file owns
     * {@code guard}.
     *
     * @return the file, or null if it must be opened by {@link #openWriter(StoreGuard, String, int, int, long,
     *     StoreTimeouts)} after the readers let go: absent, never completed, of another layout or capacity, a write
     *     lock or the map-wide lock held, or a reader walking the map right now. The guard keeps the writer role.
     */
    public static SharedMapFile openWriterBesideReaders(final StoreGuard guard, final String name,
        final int keyLength, final int recordLength, final long maxEntries, final StoreTimeouts timeouts)
    {
        guard.acquireWriter(timeouts.lockFile());
        if (!guard.tryExclusiveWalk())
        {
            LOG.info("{}: a reader walks the map; its readers must let go for the writer's open", guard.mapFile());
            return null;
        }
        final FixedRecordMap map;
        try
        {
            map = FixedRecordMap.openWriterBesideReaders(guard.mapFile(), name, keyLength, recordLength, maxEntries,
                timeouts);
        }
        catch (final OtherLayoutException e)
        {
            LOG.info("{}; its readers must let go for the writer to replace it", e.getMessage());
            return null;
        }
        finally
        {
            guard.releaseExclusiveWalk();
        }
        if (map == null)
        {
            return null;
        }
        try
        {
            if (guard.lastWriterKilled())
            {
                LOG.info("{}: the last writer did not close it, but held no write lock: its every change was " +
                    "complete, the file is used as it is, beside its readers", guard.mapFile());
            }
            guard.markDirty();
        }
        catch (final RuntimeException e)
        {
            map.close();
            throw e;
        }
        return new SharedMapFile(guard, map, name, keyLength, recordLength, maxEntries, timeouts);
    }

    /**
     * A reader's open: takes the shared lock (waiting while the writer recovers) and maps the file.
     *
     * @throws StoreMissingException     if the file does not exist
     * @throws StoreNotReadyException    if its creation or recovery never completed
     * @throws StoreLockTimeoutException if the writer kept the exclusive lock past the deadline
     */
    public static SharedMapFile openReader(final Path file, final String name, final int keyLength,
        final int recordLength, final StoreTimeouts timeouts)
    {
        if (!Files.exists(file))
        {
            throw new StoreMissingException(file + " does not exist; the agent creates it");
        }
        final StoreGuard guard = StoreGuard.open(file);
        try
        {
            guard.acquireShared(timeouts.lockFile());
            final FixedRecordMap map = FixedRecordMap.openReader(file, name, keyLength, recordLength, timeouts);
            return new SharedMapFile(guard, map, name, keyLength, recordLength, 0, timeouts);
        }
        catch (final RuntimeException e)
        {
            guard.close();
            throw e;
        }
    }

    /**
     * The writer's recovery cycle after readers were told to YIELD: waits for the exclusive lock, unmaps, maps again
     * and releases the lock. Mapping again clears the locks dead processes left: a dead reader's read lock is
     * released, and only a write lock or the map-wide one runs Chronicle's recovery ({@link FixedRecordMap#openWriter}),
     * which for a million leases would hold the dataplane's fast path for 2.5 s. If the lock is not granted by the
     * deadline nothing changes and {@link StoreLockTimeoutException} is thrown.
     *
     * @throws StoreFailedException if the file cannot be mapped again; the store stays closed
     */
    public void recover(final Duration deadline)
    {
        if (!guard.isWriter())
        {
            throw new IllegalStateException(guard.mapFile() + " is open for reading; only the writer recovers");
        }
        guard.acquireExclusive(deadline);
        try
        {
            map.close();
            try
            {
                map = FixedRecordMap.openWriter(guard.mapFile(), name, keyLength, recordLength, maxEntries,
                    timeouts);
            }
            catch (final RuntimeException e)
            {
                failed = true;
                throw new StoreFailedException(
                    "cannot map " + guard.mapFile() + " again after recovery: " + e.getMessage(), e);
            }
        }
        finally
        {
            guard.releaseExclusive();
        }
    }

    /** Segments whose write lock is not granted within {@code waitPerSegment}: non-zero calls for recovery. */
    public int lockedSegments(final Duration waitPerSegment)
    {
        return map.lockedSegments(waitPerSegment.toNanos());
    }

    /**
     * {@link FixedRecordMap#forEach(int, int, FixedRecordMap.EntryVisitor)}; a reader holds the walk lock of
     * {@link StoreGuard} meanwhile, since the walk takes segment update locks, which a writer's open beside readers
     * would otherwise take for a dead writer's.
     */
    public long forEach(final int fromSegment, final int toSegment, final FixedRecordMap.EntryVisitor visitor)
    {
        if (guard.isWriter())
        {
            return map.forEach(fromSegment, toSegment, visitor);
        }
        guard.acquireWalker(timeouts.lockFile());
        try
        {
            return map.forEach(fromSegment, toSegment, visitor);
        }
        finally
        {
            guard.releaseWalker();
        }
    }

    public FixedRecordMap map()
    {
        return map;
    }

    public StoreGuard guard()
    {
        return guard;
    }

    public Path file()
    {
        return guard.mapFile();
    }

    /**
     * Unmaps the file, then releases every lock (a reader's shared lock, a writer's role). A writer first forces
     * the file to the device and marks the store clean, which lets its next open skip recovery.
     */
    @Override
    public void close()
    {
        if (failed)
        {
            // Unmapped already, and not to be marked clean: the next open must recover.
            guard.close();
            return;
        }
        try
        {
            map.close();
            if (guard.isWriter())
            {
                force(guard.mapFile());
                guard.markClean();
            }
        }
        finally
        {
            guard.close();
        }
    }

    private static void force(final Path file)
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            ch.force(false);
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot flush " + file + ": " + e.getMessage(), e);
        }
    }
}
