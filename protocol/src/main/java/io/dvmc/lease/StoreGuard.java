package io.dvmc.lease;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Who may map a store file, and when: the sidecar lock file {@code <map file>.lock}, locked with
 * {@code FileChannel} locks that the kernel drops when their process dies, even by kill -9.
 *
 * <h2>Why</h2>
 * A process killed inside a Chronicle Map operation leaves that segment's lock word set in the shared file. A dead
 * <em>writer</em> mostly leaves the update lock (the writer's next writes to that segment fail) and sometimes the
 * write lock (reads of that segment answer {@link LookupResult#BUSY}); a dead <em>reader</em> leaves a read count
 * that blocks every later write to the segment (both measured here). Only Chronicle's recovery clears them, and
 * recovery needs every other process to have unmapped the file. These locks make "nobody else has it mapped"
 * checkable.
 *
 * <h2>Locks</h2>
 * <ul>
 *   <li><b>writer role</b> (byte 1, exclusive, for the writer's lifetime): at most one agent per store;
 *       {@link #acquireWriter}.</li>
 *   <li><b>access</b> (byte 0): every reader holds it <em>shared</em> for as long as it has the map open
 *       ({@link #acquireShared}, {@link #release}); the writer holds it <em>exclusive</em> only while it creates or
 *       recovers the file ({@link #acquireExclusive}, {@link #releaseExclusive}). The writer does not hold it
 *       between recoveries (its role byte already keeps other writers out), so it can see at any time whether a
 *       reader is attached ({@link #readersPresent}).</li>
 *   <li><b>walk</b> (byte 2): a reader holds it <em>shared</em> while it walks the map ({@link #acquireWalker},
 *       {@link #releaseWalker}), since Chronicle's segment walks take the update lock; the writer holds it
 *       <em>exclusive</em> while it clears the update locks a dead writer left beside live readers
 *       ({@link FixedRecordMap#openWriterBesideReaders}). With no walker the update lock and the write waits of a
 *       segment are the writer's alone: a reader's lookups take read locks only.</li>
 *   <li>byte 8 of the file (not a lock) records whether the last writer closed cleanly ({@link #closedCleanly}).
 *       Either way the writer's next open maps the file and recovers only if it finds a lock held, the footprint
 *       of a process killed in the middle of a change ({@link FixedRecordMap#openWriter}); the byte tells the log
 *       that the last writer was killed.</li>
 * </ul>
 * Never delete the lock file: a process that opened the old inode and one that opens a new one would not exclude
 * each other.
 *
 * <h2>Recovery handshake (the ring messages belong to the ipc package; these are the lock steps)</h2>
 * The same cycle covers the lease store and the domain store: the agent runs it over both, the dataplane closes
 * and reopens both.
 * <pre>
 *  dataplane (reader)                           agent (writer)
 *  ------------------                           --------------
 *                                               start: g = StoreGuard.open(file); g.acquireWriter(d)
 *                                                      send YIELD (again each second while
 *                                                        g.readersPresent(), up to the deadline)
 *                                                      store = LeaseStore.openWriter(g, max, timeouts)
 *                                                        (exclusive lock, waiting for the YIELD to be obeyed;
 *                                                         create / map / recover; lock released)
 *                                                      send READY
 *  start: LeaseStore.warmUp(); send HELLO,  --->  HELLO: store.lockedSegments(1 ms) == 0 ? send READY
 *         maps not open yet                                : recovery cycle
 *  READY: LeaseStore.openReader(file)             recovery cycle:
 *         (shared lock, then map)                        send YIELD
 *  YIELD: store.close() (unmap, release)  --->           store.recover(deadline)  (exclusive lock as soon as
 *         until READY every lookup is a miss:              the reader released; Chronicle recoverPersistedTo;
 *         requests take the slow path                      lock released)
 *                                                        send READY
 * </pre>
 * <h2>Restart beside a live reader (no YIELD)</h2>
 * A writer killed outside a change (no segment write lock, no map-wide lock held: the usual case) left every change
 * complete, and what it left held is its own: update locks and registered write waits, which only the writer and
 * walkers take. The new agent then opens the file beside the attached dataplane, without YIELD and without the
 * exclusive lock ({@link SharedMapFile#openWriterBesideReaders}): it inspects the lock words, clears only the dead
 * writer's part of each with a compare-and-set (readers' read counts are left alone) while it holds the walk lock
 * exclusively, and sends READY, on which the dataplane maps the file again and swaps the new mapping in while the
 * old one keeps answering. A read count the dead writer left makes a later write to its segment fail with
 * {@link SegmentLockedException}, which runs the recovery cycle below. If a write lock or the map-wide lock is held,
 * or a walker is present, the agent falls back to YIELD and the exclusive open.
 *
 * <p>The agent also runs the recovery cycle when a write fails with {@link SegmentLockedException} (a reader such as
 * {@code dvmcctl} died holding a segment lock), and may recover at once, without YIELD, when
 * {@link #readersPresent} is false (the dataplane died). If the YIELD goes unanswered, {@code recover} throws
 * {@link StoreLockTimeoutException} and changes nothing. A reader that finds no writer ({@link #writerPresent})
 * may keep serving what the file holds: leases persist, and the agent's restart brings a YIELD.
 *
 * <p>One guard per map file and role. Not thread-safe: a guard belongs to the thread that drives its store's
 * lifecycle.
 */
public final class StoreGuard implements AutoCloseable
{
    private static final long MIN_BACKOFF_NANOS = 100_000;
    private static final long MAX_BACKOFF_NANOS = 10_000_000;

    private final Path mapFile;
    private final LockFile lockFile;
    private boolean writer;
    private boolean shared;
    private boolean exclusive;
    private boolean closed;

    private StoreGuard(final Path mapFile, final LockFile lockFile)
    {
        this.mapFile = mapFile;
        this.lockFile = lockFile;
    }

    /** The sidecar lock file of {@code mapFile}. */
    public static Path lockPathFor(final Path mapFile)
    {
        return mapFile.resolveSibling(mapFile.getFileName() + ".lock");
    }

    /** Opens (creating if needed) the lock file of {@code mapFile}; its directory must exist. */
    public static StoreGuard open(final Path mapFile)
    {
        final Path dir = mapFile.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir))
        {
            throw new StoreMissingException("directory of " + mapFile + " does not exist");
        }
        return new StoreGuard(mapFile, LockFile.acquire(lockPathFor(mapFile)));
    }

    /**
     * Takes the writer role.
     *
     * @throws WriterActiveException if another writer still holds it at the deadline
     */
    public void acquireWriter(final Duration deadline)
    {
        checkOpen();
        if (writer)
        {
            return;
        }
        if (!await(lockFile::tryWriter, deadline))
        {
            throw new WriterActiveException("another writer holds " + lockFile.path());
        }
        writer = true;
    }

    /**
     * Takes the access lock exclusively, waiting for readers to release it. Writer role required.
     *
     * @throws StoreLockTimeoutException if a reader still holds it at the deadline
     */
    public void acquireExclusive(final Duration deadline)
    {
        checkOpen();
        if (!writer)
        {
            throw new IllegalStateException("only the writer recovers " + mapFile + "; acquireWriter first");
        }
        if (exclusive)
        {
            return;
        }
        if (shared)
        {
            throw new IllegalStateException("this guard holds the shared lock; release it first");
        }
        if (!await(lockFile::tryExclusive, deadline))
        {
            throw new StoreLockTimeoutException("readers still hold " + lockFile.path() + " after " + deadline);
        }
        exclusive = true;
    }

    /** Ends the exclusive phase; readers may open the map again. */
    public void releaseExclusive()
    {
        if (!exclusive)
        {
            throw new IllegalStateException("exclusive lock of " + mapFile + " not held");
        }
        lockFile.releaseExclusive();
        exclusive = false;
    }

    /**
     * Takes the access lock shared, waiting while the writer recovers.
     *
     * @throws StoreLockTimeoutException if the writer still holds it exclusively at the deadline
     */
    public void acquireShared(final Duration deadline)
    {
        checkOpen();
        if (shared)
        {
            return;
        }
        if (exclusive)
        {
            throw new IllegalStateException("this guard holds the exclusive lock");
        }
        if (!await(lockFile::tryShared, deadline))
        {
            throw new StoreLockTimeoutException(
                "the writer still holds " + lockFile.path() + " exclusively after " + deadline);
        }
        shared = true;
    }

    /**
     * Takes the walk lock shared for a walk of the map by a reader, waiting while the writer clears a dead writer's
     * update locks. Release it with {@link #releaseWalker}.
     *
     * @throws StoreLockTimeoutException if the writer still holds it exclusively at the deadline
     */
    public void acquireWalker(final Duration deadline)
    {
        checkOpen();
        if (!await(lockFile::tryWalkerShared, deadline))
        {
            throw new StoreLockTimeoutException(
                "the writer still holds the walk lock of " + lockFile.path() + " after " + deadline);
        }
    }

    public void releaseWalker()
    {
        lockFile.releaseWalkerShared();
    }

    /**
     * Takes the walk lock exclusively if no reader walks the map right now; writer role required. While it is held
     * no live process other than this writer takes a segment update lock.
     */
    boolean tryExclusiveWalk()
    {
        checkWriter();
        return lockFile.tryWalkerExclusive();
    }

    void releaseExclusiveWalk()
    {
        lockFile.releaseWalkerExclusive();
    }

    /** Lets go of the access lock (shared or exclusive) if held; close the map first. */
    public void release()
    {
        if (shared)
        {
            lockFile.releaseShared();
            shared = false;
        }
        if (exclusive)
        {
            releaseExclusive();
        }
    }

    /**
     * Whether the previous writer closed the store cleanly. Writer role required. If not, the next open recovers
     * even when no segment lock is found held.
     */
    public boolean closedCleanly()
    {
        checkWriter();
        return lockFile.readState() == LockFile.CLEAN;
    }

    /** Marks the store as being written: a crash from here on makes the next open recover. */
    /** Whether the last writer opened the store and never closed it (killed, or its host lost power). */
    public boolean lastWriterKilled()
    {
        checkWriter();
        return lockFile.readState() == LockFile.DIRTY;
    }

    void markDirty()
    {
        checkWriter();
        lockFile.writeState(LockFile.DIRTY);
    }

    /** Marks the store as closed cleanly; call after the map is unmapped and forced to the device. */
    void markClean()
    {
        checkWriter();
        lockFile.writeState(LockFile.CLEAN);
    }

    /** Whether any reader (another process, or another guard in this JVM) has the map open. */
    public boolean readersPresent()
    {
        checkOpen();
        return lockFile.sharedHeldElsewhere();
    }

    /** Whether a live writer holds the writer role (this guard included). */
    public boolean writerPresent()
    {
        checkOpen();
        return lockFile.writerHeldAnywhere();
    }

    public boolean isWriter()
    {
        return writer;
    }

    public boolean holdsShared()
    {
        return shared;
    }

    public boolean holdsExclusive()
    {
        return exclusive;
    }

    public Path mapFile()
    {
        return mapFile;
    }

    /** Releases every lock of this guard, the writer role included. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        try
        {
            release();
            if (writer)
            {
                lockFile.releaseWriter();
                writer = false;
            }
        }
        finally
        {
            closed = true;
            lockFile.unreference();
        }
    }

    private void checkWriter()
    {
        checkOpen();
        if (!writer)
        {
            throw new IllegalStateException("writer role not held on " + mapFile);
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("guard of " + mapFile + " is closed");
        }
    }

    /**
     * Polls {@code attempt} with growing pauses; the JDK offers no timed wait for file locks. An interrupt ends the
     * wait as a timeout would (the flag stays set): parkNanos would otherwise return at once and spin.
     */
    private static boolean await(final BooleanSupplier attempt, final Duration deadline)
    {
        final long end = System.nanoTime() + deadline.toNanos();
        long backoff = MIN_BACKOFF_NANOS;
        while (true)
        {
            if (attempt.getAsBoolean())
            {
                return true;
            }
            final long left = end - System.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted())
            {
                return false;
            }
            LockSupport.parkNanos(Math.min(backoff, left));
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }
}
