package io.dvmc.lease;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.bytes.RandomDataOutput;
import net.openhft.chronicle.hash.ChronicleHashCorruption;
import net.openhft.chronicle.hash.ChronicleHashRecoveryFailedException;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.algo.bytes.Access;
import net.openhft.chronicle.algo.locks.LockingStrategy;
import net.openhft.chronicle.algo.locks.ReadWriteUpdateWithWaitsLockingStrategy;
import net.openhft.chronicle.algo.locks.VanillaReadWriteUpdateWithWaitsLockingStrategy;
import net.openhft.chronicle.hash.SegmentLock;
import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import net.openhft.chronicle.hash.impl.BigSegmentHeader;
import net.openhft.chronicle.hash.impl.SizePrefixedBlob;
import net.openhft.chronicle.hash.locks.InterProcessLock;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import net.openhft.chronicle.map.VanillaChronicleMap;
import org.agrona.MutableDirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persisted Chronicle Map of fixed-size byte keys to fixed-size records: the one mechanism under both the lease
 * store and the domain store.
 *
 * <h2>Why the value holds two slots</h2>
 * Chronicle replaces a same-size value in place and updates its entry checksum afterwards; a writer killed in
 * between leaves a mismatch, and {@code recoverPersistedTo} then drops the whole entry, losing the previous,
 * acknowledged value (measured: 2 of 3 kills during replacements). So each stored value holds two slots and a
 * replacement writes the slot that does not hold the newest valid record; a torn slot fails its check word and
 * the other slot still holds the last acknowledged record. Chronicle's own entry checksums are off, since a slot
 * written in place would never match them.
 * <pre>
 * stored value = slot 0 | slot 1, each SLOT_HEADER_BYTES + recordLength bytes, little-endian:
 *   +0  int sequence   0 = never written; the newer of two valid slots has the larger sequence (wrapping)
 *   +4  int check      CheckWords over (sequence, record) with SLOT_SEED
 *   +8  record bytes   recordLength, a multiple of 8
 * </pre>
 * A {@link #put} returns once the record is in the shared mapping, so a reader sees it and a kill -9 of the writer
 * does not lose it (a power loss may: the authoritative copy of a lease is the service's).
 *
 * <h2>Locks</h2>
 * Every segment lock is taken with a deadline ({@link StoreTimeouts}), never Chronicle's blocking wait of a
 * minute: a lock left behind by a process killed mid-operation surfaces as {@link LookupResult#BUSY} to a reader
 * and as {@link SegmentLockedException} to the writer, and the cure is the recovery cycle of {@link StoreGuard}.
 * The writer holds the segment's update lock (readers still proceed) while it looks the key up and takes the
 * write lock only for the few stores of one slot, so a writer killed at a random moment rarely blocks readers.
 *
 * <h2>Opening</h2>
 * {@link #openWriter} creates, opens or recovers the file and must only be called while holding the exclusive lock of
 * the store's {@link StoreGuard}; {@link #openWriterBesideReaders} opens an existing file that needs no recovery
 * beside readers that have it mapped, with the writer role and the walk lock held; {@link #openReader} maps an
 * existing, completed file and must only be called while holding a shared lock.
 *
 * <p>Thread-safe; {@link #get} allocates nothing once the calling thread has warmed up its Chronicle context.
 */
public final class FixedRecordMap implements AutoCloseable
{
    /** Entries a segment is made for, at most: the longest step of a walk ({@link #segmentsFor}). */
    static final long ENTRIES_PER_SEGMENT = 1024;
    private static final int MAX_SEGMENTS = 1 << 16;

    /** Bytes before the record in each slot: sequence and check word. */
    public static final int SLOT_HEADER_BYTES = 8;
    private static final int SEQUENCE_OFFSET = 0;
    private static final int CHECK_OFFSET = 4;
    private static final long SLOT_SEED = 0x64766D63_534C4F54L;
    private static final Logger LOG = LoggerFactory.getLogger(FixedRecordMap.class);
    private static final String WARM_UP_NAME = "dvmc-warm-up";
    private static final int HEADER_PROBE_BYTES = SizePrefixedBlob.SELF_BOOTSTRAPPING_HEADER_OFFSET;
    /**
     * Chronicle's segment lock word ({@code VanillaReadWriteUpdateWithWaitsLockingStrategy}, whose constants are
     * package-private): the count int first, the wait int after it.
     */
    private static final long COUNT_WORD_OFFSET = 0;
    private static final long WAIT_WORD_OFFSET = 4;
    private static final int UPDATE_LOCKED_BIT = 1 << 30;
    private static final int WRITE_LOCKED_COUNT = Integer.MIN_VALUE;
    /** The capacity a reader passes: it takes the file's. */
    private static final long READER = -1;

    /** Receives each entry of {@link #forEach}; the slices are reused between calls. */
    @FunctionalInterface
    public interface EntryVisitor
    {
        void visit(FixedSlice key, FixedSlice record);
    }

    private final ChronicleMap<FixedSlice, FixedSlice> map;
    private final Path file;
    private final int keyLength;
    private final int recordLength;
    private final int slotLength;
    private final boolean writable;
    private final long readWaitNanos;
    private final long writeWaitNanos;
    private final FixedSlice emptyValue;
    private boolean recovered;
    private long recoveryCorruptions;
    private long purgedOnOpen;

    private FixedRecordMap(final ChronicleMap<FixedSlice, FixedSlice> map, final Path file, final int keyLength,
        final int recordLength, final boolean writable, final StoreTimeouts timeouts)
    {
        this.map = map;
        this.file = file;
        this.keyLength = keyLength;
        this.recordLength = recordLength;
        this.slotLength = slotLength(recordLength);
        this.writable = writable;
        this.readWaitNanos = timeouts.readLock().toNanos();
        this.writeWaitNanos = timeouts.writeLock().toNanos();
        this.emptyValue = writable ? new FixedSlice(2 * slotLength) : null;
    }

    /**
     * Opens the file for the single writer: creates it when absent (or never completed), otherwise maps it and
     * runs Chronicle's {@code recoverPersistedTo} when needed: after an interrupted recovery, or when a lock that
     * guards changes is found held, a segment's write lock or the map-wide one Chronicle takes to add segment tiers.
     * With the exclusive lock held no live process can hold one, so a held lock is the footprint of a process killed
     * mid-operation; it is also the only one, since Chronicle changes a segment only under its write lock, and
     * {@link #put} inserts an entry and writes its first slot under one write lock. So a process killed holding no
     * write lock left every change complete, and the file is used as it is, with the read and update locks and the
     * waits it left cleared: recovery re-hashes every entry (2.5 s for a million leases here) while the dataplane's
     * fast path waits, and the agent's walks hold an update lock often enough that most kills of a busy agent land
     * inside one. Recovery resets the locks and rebuilds the segment indexes; then entries whose slots were never
     * completed (an insert interrupted by a kill, never acknowledged) are removed. Call only under the exclusive
     * lock.
     *
     * @param maxEntries capacity of a newly created file; an existing file keeps the capacity it was created with
     */
    public static FixedRecordMap openWriter(final Path file, final String name, final int keyLength,
        final int recordLength, final long maxEntries, final StoreTimeouts timeouts)
    {
        return openWriter(file, name, keyLength, recordLength, maxEntries, timeouts, false);
    }

    /** @param forceRecovery recover whatever the locks say: the warm-up's, to load the recovery's classes too */
    private static FixedRecordMap openWriter(final Path file, final String name, final int keyLength,
        final int recordLength, final long maxEntries,
        final StoreTimeouts timeouts, final boolean forceRecovery)
    {
        if (maxEntries <= 0)
        {
            throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
        }
        final ChronicleMapBuilder<FixedSlice, FixedSlice> builder = builder(name, keyLength, recordLength, maxEntries);
        try
        {
            final FileState state = prepare(file);
            if (state == FileState.ABSENT)
            {
                return checked(builder.createPersistedTo(file.toFile()), file, name, keyLength, recordLength,
                    maxEntries, timeouts);
            }
            if (state == FileState.READY && !forceRecovery)
            {
                final FixedRecordMap opened = checked(builder.createPersistedTo(file.toFile()), file, name, keyLength,
                    recordLength, maxEntries, timeouts);
                final boolean mapWide = opened.mapWideLockHeld();
                final int writeLocked = opened.writeLockedSegments();
                if (!mapWide && writeLocked == 0)
                {
                    final int released = opened.releaseDeadLocks();
                    if (released > 0)
                    {
                        LOG.warn("{}: released the read or update locks or waits of {} segment(s), left by a dead " +
                            "process (nothing is changed under those)", file, released);
                    }
                    return opened;
                }
                LOG.warn("{}: {} segment write lock(s){} left by a dead process; recovering", file, writeLocked,
                    mapWide ? " and the map-wide lock" : "");
                opened.close();
            }
            final AtomicLong corruptions = new AtomicLong();
            final FixedRecordMap recovered = checked(builder.recoverPersistedTo(file.toFile(), true,
                corruption -> onCorruption(file, corruptions, corruption)), file, name, keyLength, recordLength,
                maxEntries, timeouts);
            recovered.recovered = true;
            recovered.recoveryCorruptions = corruptions.get();
            recovered.purgedOnOpen = recovered.purgeIncomplete();
            return recovered;
        }
        catch (final ChronicleHashRecoveryFailedException e)
        {
            throw new ForeignStoreException("cannot recover " + file + ": " + e.getMessage(), e);
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot open " + file + " for writing: " + e.getMessage(), e);
        }
    }

    /**
     * Opens an existing, completed file for the single writer beside readers that have it mapped (the dataplane,
     * which keeps answering from it), without the exclusive lock: possible when the last writer, killed or not,
     * left no change cut short, that is no segment write lock and not the map-wide lock held (see
     * {@link #openWriter}). A read-only look at the lock words decides; no live process can take either lock
     * meanwhile, since readers never do and the caller holds the writer role.
     *
     * <p>What else a dead writer left is cleared with a compare-and-set on each segment's lock word, so that a
     * reader's concurrent read-lock or unlock is never lost: the update lock (taken only by the writer and by
     * walkers, which the caller shuts out with {@link StoreGuard#tryExclusiveWalk}) and the registered write waits
     * (only the writer registers them; a wait left behind would shut readers out of its segment). Read counts are
     * left alone: they may be the live readers'. A read count the dead writer left makes a later write to its
     * segment fail with {@link SegmentLockedException}, and the recovery cycle under the exclusive lock clears it.
     *
     * <p>Chronicle's lock word ({@code VanillaReadWriteUpdateWithWaitsLockingStrategy}): the int at the segment
     * header's first byte counts parties, bit 31 alone = write-locked, bit 30 = update-locked, bits 0-29 = read
     * count; the int after it counts write waits. Readers change the first int only, by compare-and-set.
     *
     * <p>Call only with the writer role and the exclusive walk lock held.
     *
     * @return the map, or null if the file must be opened by {@link #openWriter} under the exclusive lock: absent,
     *     never completed, or a write lock or the map-wide lock held
     * @throws OtherLayoutException if the file holds another layout or capacity
     */
    public static FixedRecordMap openWriterBesideReaders(final Path file, final String name, final int keyLength,
        final int recordLength, final long maxEntries, final StoreTimeouts timeouts)
    {
        if (maxEntries <= 0)
        {
            throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
        }
        if (!Files.exists(file))
        {
            return null;
        }
        final int sizeWord = readSizeWord(file);
        if (SizePrefixedBlob.extractSize(sizeWord) == 0 || !SizePrefixedBlob.isReady(sizeWord))
        {
            return null;
        }
        final FixedRecordMap opened;
        try
        {
            opened = checked(builder(name, keyLength, recordLength, maxEntries).createPersistedTo(file.toFile()), file,
                name, keyLength, recordLength, maxEntries, timeouts);
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot open " + file + " for writing: " + e.getMessage(), e);
        }
        final boolean mapWide = opened.mapWideLockHeld();
        final int writeLocked = opened.writeLockedSegments();
        if (mapWide || writeLocked > 0)
        {
            LOG.warn("{}: {} segment write lock(s){} left by a dead writer; the readers must let go for a recovery",
                file, writeLocked, mapWide ? " and the map-wide lock" : "");
            opened.close();
            return null;
        }
        final int released = opened.releaseDeadWriterLocks();
        if (released > 0)
        {
            LOG.warn("{}: released the update locks or write waits of {} segment(s), left by the dead writer " +
                "(nothing is changed under those); the readers keep the map", file, released);
        }
        return opened;
    }

    /** Maps an existing, completed file for lookups. Call only under a shared lock. */
    public static FixedRecordMap openReader(final Path file, final String name, final int keyLength,
        final int recordLength, final StoreTimeouts timeouts)
    {
        final int sizeWord = readSizeWord(file);
        if (!SizePrefixedBlob.isReady(sizeWord))
        {
            throw new StoreNotReadyException(file + " was never completed by its writer (header word 0x" +
                Integer.toHexString(sizeWord) + "); the writer's recovery must run first");
        }
        try
        {
            // The builder only supplies the types: an existing file keeps the configuration in its header.
            final ChronicleMap<FixedSlice, FixedSlice> map = builder(name, keyLength, recordLength, 1)
                .createPersistedTo(file.toFile());
            return checked(map, file, name, keyLength, recordLength, READER, timeouts);
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot open " + file + " for reading: " + e.getMessage(), e);
        }
    }

    /**
     * Pays Chronicle's one-time start-up cost (class loading and static initialisation: about 0.8 s of the first
     * open in a JVM, against 2-15 ms for later ones) on a throw-away map in the temp directory, so that a process
     * does it at start rather than while its fast path waits for READY. The JVM keeps the benefit.
     *
     * @param recovery also run a recovery, as the writer's start after a crash does (its own classes, about as many
     *                 again): the agent pays that before it tells the dataplane to let go of the stores
     * @throws StoreIoException if the temp directory is unusable
     */
    public static void warmUp(final boolean recovery)
    {
        final FixedSlice key = new FixedSlice(Long.BYTES);
        final FixedSlice record = new FixedSlice(Long.BYTES);
        try
        {
            final Path dir = Files.createTempDirectory("dvmc-warm-up");
            final Path file = dir.resolve("map");
            try
            {
                try (FixedRecordMap map = openWriter(file, WARM_UP_NAME, Long.BYTES, Long.BYTES, 16,
                    StoreTimeouts.DEFAULTS))
                {
                    map.put(key, record);
                }
                if (recovery)
                {
                    openWriter(file, WARM_UP_NAME, Long.BYTES, Long.BYTES, 16, StoreTimeouts.DEFAULTS, true).close();
                }
                try (FixedRecordMap map = openReader(file, WARM_UP_NAME, Long.BYTES, Long.BYTES,
                    StoreTimeouts.DEFAULTS))
                {
                    map.get(key, record);
                }
            }
            finally
            {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        }
        catch (final IOException e)
        {
            throw new StoreIoException("warm-up in the temp directory failed: " + e.getMessage(), e);
        }
    }

    /**
     * Copies the newest valid record of {@code key} into {@code into}, waiting at most the read deadline for the
     * segment lock. On {@link LookupResult#CORRUPT} the content of {@code into} is unspecified.
     */
    public LookupResult get(final FixedSlice key, final FixedSlice into)
    {
        checkRecord(into);
        try (ExternalMapQueryContext<FixedSlice, FixedSlice, ?> q = map.queryContext(key))
        {
            if (!tryLock(q.readLock(), readWaitNanos))
            {
                return LookupResult.BUSY;
            }
            final MapEntry<FixedSlice, FixedSlice> entry = q.entry();
            if (entry == null)
            {
                return LookupResult.ABSENT;
            }
            final Data<FixedSlice> value = entry.value();
            return copyNewest(value.bytes(), value.offset(), into) >= 0 ? LookupResult.FOUND : LookupResult.CORRUPT;
        }
    }

    /** Inserts or replaces; the record is in the shared mapping (visible to readers) when this returns. */
    public void put(final FixedSlice key, final FixedSlice record)
    {
        checkWritable();
        checkRecord(record);
        try (ExternalMapQueryContext<FixedSlice, FixedSlice, ?> q = map.queryContext(key))
        {
            lock(q.updateLock(), q);
            MapEntry<FixedSlice, FixedSlice> entry = q.entry();
            if (entry == null)
            {
                lock(q.writeLock(), q);
                // Both slots empty until the record is written below: a kill in between leaves no valid slot.
                q.insert(q.absentEntry(), q.wrapValueAsData(emptyValue));
                entry = q.entry();
                writeSlot(entry.value(), 0, 1, record);
                q.writeLock().unlock();
                return;
            }
            // Choosing the slot only reads, so it runs under the update lock, which readers share.
            final Data<FixedSlice> value = entry.value();
            final long current = newestValidSlot(value.bytes(), value.offset());
            final int target = current >= 0 && (int)(current >>> 32) == 0 ? 1 : 0;
            int sequence = current < 0 ? 1 : (int)current + 1;
            if (sequence == 0)
            {
                sequence = 1; // 0 marks an empty slot
            }
            lock(q.writeLock(), q);
            writeSlot(value, target, sequence, record);
            // Back to the update lock at once: Chronicle's context close takes a while, and a writer killed
            // holding only the update lock does not block readers (measured: kills then leave update locks).
            q.writeLock().unlock();
        }
        catch (final IllegalStateException e)
        {
            if (isCapacityFailure(e))
            {
                throw new StoreFullException(file + " is full (" + map.longSize() + " entries)", e);
            }
            throw e;
        }
    }

    /** @return whether an entry was removed */
    public boolean remove(final FixedSlice key)
    {
        checkWritable();
        try (ExternalMapQueryContext<FixedSlice, FixedSlice, ?> q = map.queryContext(key))
        {
            lock(q.updateLock(), q);
            final MapEntry<FixedSlice, FixedSlice> entry = q.entry();
            if (entry == null)
            {
                return false;
            }
            lock(q.writeLock(), q);
            q.remove(entry);
            return true;
        }
    }

    /**
     * Visits the newest valid record of every entry, one segment at a time under that segment's update lock
     * (readers still proceed, the writer waits).
     *
     * @return the number of entries skipped because no slot was valid (inserts interrupted by a kill)
     * @throws SegmentLockedException if a segment stays locked past the write deadline
     */
    public long forEach(final EntryVisitor visitor)
    {
        return forEach(0, map.segments(), visitor);
    }

    /** The map's segments: {@link #forEach(int, int, EntryVisitor)} walks a range of them. */
    public int segments()
    {
        return map.segments();
    }

    /**
     * {@link #forEach(EntryVisitor)} over segments {@code [fromSegment, toSegment)}, so that a walk of a large map
     * can go in steps that each hold the calling thread briefly.
     */
    public long forEach(final int fromSegment, final int toSegment, final EntryVisitor visitor)
    {
        final FixedSlice key = new FixedSlice(keyLength);
        final FixedSlice record = new FixedSlice(recordLength);
        final long[] skipped = {0};
        for (int segment = fromSegment; segment < Math.min(toSegment, map.segments()); segment++)
        {
            try (MapSegmentContext<FixedSlice, FixedSlice, ?> c = map.segmentContext(segment))
            {
                if (!tryLock(((SegmentLock)c).updateLock(), writeWaitNanos))
                {
                    throw new SegmentLockedException("segment " + segment + " of " + file + " stayed locked");
                }
                c.forEachSegmentEntry(entry -> {
                    final Data<FixedSlice> value = entry.value();
                    if (copyNewest(value.bytes(), value.offset(), record) < 0)
                    {
                        skipped[0]++;
                        return;
                    }
                    entry.key().getUsing(key);
                    visitor.visit(key, record);
                });
            }
        }
        return skipped[0];
    }

    /** Number of entries. */
    public long size()
    {
        return map.longSize();
    }

    /**
     * Counts the segments whose write lock cannot be taken within {@code waitNanos} each: non-zero after a peer
     * died holding a segment lock, the signal to run the recovery cycle.
     */
    public int lockedSegments(final long waitNanos)
    {
        int locked = 0;
        for (int segment = 0; segment < map.segments(); segment++)
        {
            try (MapSegmentContext<FixedSlice, FixedSlice, ?> c = map.segmentContext(segment))
            {
                if (!tryLock(((SegmentLock)c).writeLock(), waitNanos))
                {
                    locked++;
                }
            }
        }
        return locked;
    }

    /** Segments whose write lock is held: by a dead process, when the caller holds the exclusive lock. */
    int writeLockedSegments()
    {
        final VanillaChronicleHash<?, ?, ?, ?> hash = hash();
        final ReadWriteUpdateWithWaitsLockingStrategy strategy = VanillaReadWriteUpdateWithWaitsLockingStrategy
            .instance();
        int locked = 0;
        for (int segment = 0; segment < map.segments(); segment++)
        {
            if (strategy.isWriteLocked(BigSegmentHeader.INSTANCE.getLockState(hash.segmentHeaderAddress(segment))))
            {
                locked++;
            }
        }
        return locked;
    }

    /**
     * Clears every segment's lock word, when none holds a write lock and the caller holds the exclusive lock: the
     * read and update locks of dead processes, under which nothing was changed, and the waits they registered for a
     * write lock (a writer killed while it waited). A wait left behind would shut every reader out of its segment for
     * good: Chronicle's readers give way to any waiting writer.
     *
     * @return how many segments held a lock or a wait
     */
    private int releaseDeadLocks()
    {
        final VanillaChronicleHash<?, ?, ?, ?> hash = hash();
        final long free = BigSegmentHeader.INSTANCE.resetLockState();
        int released = 0;
        for (int segment = 0; segment < map.segments(); segment++)
        {
            final long header = hash.segmentHeaderAddress(segment);
            if (BigSegmentHeader.INSTANCE.getLockState(header) != free)
            {
                BigSegmentHeader.INSTANCE.resetLock(header);
                released++;
            }
        }
        return released;
    }

    /**
     * Clears, in every segment's lock word, the update lock and the registered write waits, leaving the read count
     * as it is, each with a compare-and-set that a reader's concurrent read-lock or unlock makes retry. Only for
     * {@link #openWriterBesideReaders}: with the writer role and the walk lock held, neither belongs to a live
     * process.
     *
     * @return how many segments held an update lock or a wait
     */
    private int releaseDeadWriterLocks()
    {
        final VanillaChronicleHash<?, ?, ?, ?> hash = hash();
        final Access<Object> access = Access.nativeAccess();
        int released = 0;
        for (int segment = 0; segment < map.segments(); segment++)
        {
            final long countWord = hash.segmentHeaderAddress(segment) + COUNT_WORD_OFFSET;
            final long waitWord = hash.segmentHeaderAddress(segment) + WAIT_WORD_OFFSET;
            boolean any = false;
            while (true)
            {
                final int count = access.readVolatileInt(null, countWord);
                if (count == WRITE_LOCKED_COUNT || (count & UPDATE_LOCKED_BIT) == 0)
                {
                    break;
                }
                if (access.compareAndSwapInt(null, countWord, count, count & ~UPDATE_LOCKED_BIT))
                {
                    any = true;
                    break;
                }
            }
            while (true)
            {
                final int waits = access.readVolatileInt(null, waitWord);
                if (waits == 0)
                {
                    break;
                }
                if (access.compareAndSwapInt(null, waitWord, waits, 0))
                {
                    any = true;
                    break;
                }
            }
            if (any)
            {
                released++;
            }
        }
        return released;
    }

    /** Read locks held on {@code segment}: by live readers, or left by dead ones. For tests. */
    int readLockCount(final int segment)
    {
        return VanillaReadWriteUpdateWithWaitsLockingStrategy.instance()
            .readLockCount(BigSegmentHeader.INSTANCE.getLockState(hash().segmentHeaderAddress(segment)));
    }

    /** Whether {@code segment} is update-locked. For tests. */
    boolean updateLocked(final int segment)
    {
        return VanillaReadWriteUpdateWithWaitsLockingStrategy.instance()
            .isUpdateLocked(BigSegmentHeader.INSTANCE.getLockState(hash().segmentHeaderAddress(segment)));
    }

    /** Write waits registered on {@code segment}. For tests. */
    int writeWaits(final int segment)
    {
        return VanillaReadWriteUpdateWithWaitsLockingStrategy.instance()
            .waitCount(BigSegmentHeader.INSTANCE.getLockState(hash().segmentHeaderAddress(segment)));
    }

    /** Takes a read lock on every segment and keeps it, as a live reader amid its lookups holds one. For tests. */
    void holdReadLocks()
    {
        for (int segment = 0; segment < map.segments(); segment++)
        {
            BigSegmentHeader.INSTANCE.readLock(hash().segmentHeaderAddress(segment));
        }
    }

    /** Releases one read lock of every segment, as {@link #holdReadLocks} took them. For tests. */
    void releaseReadLocks()
    {
        for (int segment = 0; segment < map.segments(); segment++)
        {
            BigSegmentHeader.INSTANCE.readUnlock(hash().segmentHeaderAddress(segment));
        }
    }

    /** Whether the lock Chronicle takes to add segment tiers is held: by a dead process, if the caller is the writer. */
    boolean mapWideLockHeld()
    {
        final LockingStrategy strategy = VanillaReadWriteUpdateWithWaitsLockingStrategy.instance();
        return strategy.isLocked(strategy.getState(Access.nativeAccess(), null, mapWideLockAddress()));
    }

    /** Takes the map-wide lock and keeps it, as a writer killed while adding a segment tier leaves it. For tests. */
    void holdMapWideLock()
    {
        hash().globalMutableStateLock();
    }

    /** Takes a segment's update or write lock and keeps it, as a process killed holding it leaves it. For tests. */
    void holdSegmentLock(final int segment, final boolean write)
    {
        final long header = hash().segmentHeaderAddress(segment);
        if (write)
        {
            BigSegmentHeader.INSTANCE.writeLock(header);
        }
        else
        {
            BigSegmentHeader.INSTANCE.updateLock(header);
        }
    }

    /** Registers a wait for the write lock of every segment, as a writer killed while it waited leaves it. For tests. */
    void holdWriteWaits()
    {
        final VanillaChronicleHash<?, ?, ?, ?> hash = hash();
        final ReadWriteUpdateWithWaitsLockingStrategy strategy = VanillaReadWriteUpdateWithWaitsLockingStrategy
            .instance();
        for (int segment = 0; segment < map.segments(); segment++)
        {
            // The lock word is the first of a segment's header.
            strategy.registerWait(Access.nativeAccess(), null, hash.segmentHeaderAddress(segment));
        }
    }

    /** The map as Chronicle implements it, whose lock words the open of a writer reads. */
    private VanillaChronicleHash<?, ?, ?, ?> hash()
    {
        return (VanillaChronicleHash<?, ?, ?, ?>)map;
    }

    /** Chronicle keeps the lock in the first word of its global mutable state, right after the header. */
    private long mapWideLockAddress()
    {
        final VanillaChronicleHash<?, ?, ?, ?> hash = hash();
        return hash.bsAddress() + hash.headerSize;
    }

    /** Whether Chronicle's recovery ran when this writer opened the file. */
    public boolean recovered()
    {
        return recovered;
    }

    /** Corrupt structures Chronicle reported while recovering this file at open (writer only). */
    public long recoveryCorruptions()
    {
        return recoveryCorruptions;
    }

    /** Never-completed inserts removed at open (writer only). */
    public long purgedOnOpen()
    {
        return purgedOnOpen;
    }

    public boolean writable()
    {
        return writable;
    }

    public Path file()
    {
        return file;
    }

    public int keyLength()
    {
        return keyLength;
    }

    public int recordLength()
    {
        return recordLength;
    }

    public boolean isOpen()
    {
        return map.isOpen();
    }

    @Override
    public void close()
    {
        map.close();
    }

    /** Bytes of one slot for a record of {@code recordLength} bytes. */
    public static int slotLength(final int recordLength)
    {
        if (recordLength <= 0 || recordLength % Long.BYTES != 0)
        {
            throw new IllegalArgumentException("record length must be a positive multiple of 8: " + recordLength);
        }
        return SLOT_HEADER_BYTES + recordLength;
    }

    /**
     * Copies the record of the newest valid slot.
     *
     * @return the slot index, or -1 if neither slot is valid
     */
    private int copyNewest(final RandomDataInput bytes, final long base, final FixedSlice into)
    {
        final int sequence0 = bytes.readInt(base + SEQUENCE_OFFSET);
        final int sequence1 = bytes.readInt(base + slotLength + SEQUENCE_OFFSET);
        final int first = newer(sequence1, sequence0) ? 1 : 0;
        if (copySlot(bytes, base + (long)first * slotLength, into))
        {
            return first;
        }
        final int second = 1 - first;
        return copySlot(bytes, base + (long)second * slotLength, into) ? second : -1;
    }

    /** Copies one slot's record while recomputing its check word; false if empty or torn. */
    private boolean copySlot(final RandomDataInput bytes, final long slot, final FixedSlice into)
    {
        final int sequence = bytes.readInt(slot + SEQUENCE_OFFSET);
        if (sequence == 0)
        {
            return false;
        }
        final MutableDirectBuffer target = into.buffer();
        final int at = into.offset();
        long h = CheckWords.step(CheckWords.step(SLOT_SEED, recordLength), sequence);
        for (int i = 0; i < recordLength; i += Long.BYTES)
        {
            final long word = bytes.readLong(slot + SLOT_HEADER_BYTES + i);
            target.putLong(at + i, word, ByteOrder.LITTLE_ENDIAN);
            h = CheckWords.step(h, word);
        }
        return CheckWords.finish(h) == bytes.readInt(slot + CHECK_OFFSET);
    }

    /**
     * Finds the slot holding the newest valid record.
     *
     * @return slot index in the high 32 bits and its sequence in the low 32 bits, or -1 if neither is valid
     */
    private long newestValidSlot(final RandomDataInput bytes, final long base)
    {
        final int sequence0 = bytes.readInt(base + SEQUENCE_OFFSET);
        final int sequence1 = bytes.readInt(base + slotLength + SEQUENCE_OFFSET);
        final int first = newer(sequence1, sequence0) ? 1 : 0;
        if (slotValid(bytes, base + (long)first * slotLength))
        {
            return ((long)first << 32) | ((first == 0 ? sequence0 : sequence1) & 0xFFFF_FFFFL);
        }
        final int second = 1 - first;
        if (slotValid(bytes, base + (long)second * slotLength))
        {
            return ((long)second << 32) | ((second == 0 ? sequence0 : sequence1) & 0xFFFF_FFFFL);
        }
        return -1;
    }

    /** Stores {@code record} with {@code sequence} into slot {@code target}. Caller holds the write lock. */
    private void writeSlot(final Data<FixedSlice> value, final int target, final int sequence,
        final FixedSlice record)
    {
        if (!(value.bytes() instanceof RandomDataOutput<?> out))
        {
            throw new IllegalStateException("Chronicle entry bytes are not writable: " + value.bytes().getClass());
        }
        final long slot = value.offset() + (long)target * slotLength;
        final MutableDirectBuffer source = record.buffer();
        final int from = record.offset();
        long h = CheckWords.step(CheckWords.step(SLOT_SEED, recordLength), sequence);
        for (int i = 0; i < recordLength; i += Long.BYTES)
        {
            final long word = source.getLong(from + i, ByteOrder.LITTLE_ENDIAN);
            out.writeLong(slot + SLOT_HEADER_BYTES + i, word);
            h = CheckWords.step(h, word);
        }
        out.writeInt(slot + CHECK_OFFSET, CheckWords.finish(h));
        out.writeInt(slot + SEQUENCE_OFFSET, sequence);
    }

    private boolean slotValid(final RandomDataInput bytes, final long slot)
    {
        final int sequence = bytes.readInt(slot + SEQUENCE_OFFSET);
        if (sequence == 0)
        {
            return false;
        }
        long h = CheckWords.step(CheckWords.step(SLOT_SEED, recordLength), sequence);
        for (int i = 0; i < recordLength; i += Long.BYTES)
        {
            h = CheckWords.step(h, bytes.readLong(slot + SLOT_HEADER_BYTES + i));
        }
        return CheckWords.finish(h) == bytes.readInt(slot + CHECK_OFFSET);
    }

    /** Removes entries with no valid slot: inserts whose writer died before the record was stored. */
    private long purgeIncomplete()
    {
        long purged = 0;
        for (int segment = 0; segment < map.segments(); segment++)
        {
            try (MapSegmentContext<FixedSlice, FixedSlice, ?> c = map.segmentContext(segment))
            {
                final long[] removed = {0};
                c.forEachSegmentEntry(entry -> {
                    final Data<FixedSlice> value = entry.value();
                    if (!slotValid(value.bytes(), value.offset()) &&
                        !slotValid(value.bytes(), value.offset() + slotLength))
                    {
                        entry.doRemove();
                        removed[0]++;
                    }
                });
                purged += removed[0];
            }
        }
        if (purged > 0)
        {
            LOG.warn("{}: removed {} never-completed entries", file, purged);
        }
        return purged;
    }

    private static boolean newer(final int a, final int b)
    {
        return a - b > 0;
    }

    /**
     * Segments for a new file of {@code entries}: one per {@link #ENTRIES_PER_SEGMENT} at least. A walk steps a
     * segment at a time under its lock, and Chronicle's own choice (32 segments for 262,144 entries) made one step of
     * a full store hold the agent's thread 2.4 ms, where 256 hold it 0.4 ms, for 8 % more file. A file keeps the
     * segments it was created with.
     */
    static int segmentsFor(final long entries)
    {
        return (int)Math.max(1, Math.min(MAX_SEGMENTS, entries / ENTRIES_PER_SEGMENT));
    }

    private static ChronicleMapBuilder<FixedSlice, FixedSlice> builder(final String name, final int keyLength,
        final int recordLength, final long entries)
    {
        final int valueLength = 2 * slotLength(recordLength);
        final FixedSliceMarshaller keys = new FixedSliceMarshaller(keyLength, name + "#key");
        final FixedSliceMarshaller values = new FixedSliceMarshaller(valueLength, name, entries);
        return ChronicleMapBuilder.of(FixedSlice.class, FixedSlice.class)
            .name(name)
            .keyMarshallers(keys, keys)
            .valueMarshallers(values, values)
            .constantKeySizeBySample(new FixedSlice(keyLength))
            .constantValueSizeBySample(new FixedSlice(valueLength))
            .checksumEntries(false)
            .entries(entries)
            .minSegments(segmentsFor(entries));
    }

    /**
     * @param entries the writer's capacity, which an existing file must have been created for; {@link #READER} for a
     *                reader, which takes the file's capacity as it is (Chronicle sizes everything from the header)
     */
    private static FixedRecordMap checked(final ChronicleMap<FixedSlice, FixedSlice> map, final Path file,
        final String name, final int keyLength, final int recordLength,
        final long entries, final StoreTimeouts timeouts)
    {
        // An existing file brings its own marshallers from its header: refuse one of another layout.
        final String found = layoutOf(map);
        final String expected = name + " " + keyLength + "/" + 2 * slotLength(recordLength);
        if (!expected.equals(found))
        {
            map.close();
            throw new OtherLayoutException(
                file + " holds a map of layout '" + found + "', expected '" + expected + "'");
        }
        final long createdFor = capacityOf(map);
        if (entries != READER && createdFor != entries)
        {
            map.close();
            throw new OtherLayoutException(file + " was created for " +
                (createdFor == 0 ? "an unrecorded number of" : String.valueOf(createdFor)) + " entries, " +
                entries + " are configured");
        }
        return new FixedRecordMap(map, file, keyLength, recordLength, entries != READER, timeouts);
    }

    /** The capacity recorded in the file's value marshaller, 0 if none was. */
    private static long capacityOf(final ChronicleMap<FixedSlice, FixedSlice> map)
    {
        return map instanceof VanillaChronicleMap<?, ?, ?> vanilla &&
            vanilla.valueReader instanceof FixedSliceMarshaller values ? values.entries() : 0;
    }

    /** The entries the file was created for (0 if its writer did not record them). */
    public long capacity()
    {
        return capacityOf(map);
    }

    /** "name keyLength/valueLength" from the file's persisted marshallers (public fields of the map class). */
    private static String layoutOf(final ChronicleMap<FixedSlice, FixedSlice> map)
    {
        if (map instanceof VanillaChronicleMap<?, ?, ?> vanilla &&
            vanilla.keyReader instanceof FixedSliceMarshaller keys &&
            vanilla.valueReader instanceof FixedSliceMarshaller values &&
            keys.layout().equals(values.layout() + "#key"))
        {
            return values.layout() + " " + keys.length() + "/" + values.length();
        }
        return map.getClass().getSimpleName() + " of unknown marshallers";
    }

    /** What the writer found at open. */
    private enum FileState
    {
        /** No file, or one whose creation never completed: create it. */
        ABSENT,
        /** A recovery was interrupted: recover again. */
        INTERRUPTED_RECOVERY,
        /** Completed: map it, recover only if needed. */
        READY
    }

    /**
     * A file whose header never became ready holds nothing committed (the ready bit is set before the first put)
     * unless a recovery was interrupted. The first kind is deleted, to be created again; for the second, the ready
     * bit is set again so that Chronicle's recovery does not wait a minute for a creator that is gone. Only the
     * exclusive-lock holder calls this, so no live process is creating the file.
     */
    private static FileState prepare(final Path file) throws IOException
    {
        if (!Files.exists(file))
        {
            return FileState.ABSENT;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            if (ch.size() < HEADER_PROBE_BYTES)
            {
                LOG.warn("{}: {} bytes, never initialised; recreating", file, ch.size());
                Files.delete(file);
                return FileState.ABSENT;
            }
            final int sizeWord = readSizeWord(ch);
            if (SizePrefixedBlob.extractSize(sizeWord) == 0)
            {
                LOG.warn("{}: header never written; recreating", file);
                Files.delete(file);
                return FileState.ABSENT;
            }
            if (SizePrefixedBlob.isReady(sizeWord))
            {
                return FileState.READY;
            }
            LOG.warn("{}: header marked incomplete (interrupted recovery); recovering again", file);
            final ByteBuffer word = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            word.putInt(0, sizeWord & ~SizePrefixedBlob.NOT_COMPLETE);
            ch.write(word, SizePrefixedBlob.SIZE_WORD_OFFSET);
            return FileState.INTERRUPTED_RECOVERY;
        }
    }

    private static int readSizeWord(final Path file)
    {
        if (!Files.exists(file))
        {
            throw new StoreMissingException(file + " does not exist; the writer creates it");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ))
        {
            if (ch.size() < HEADER_PROBE_BYTES)
            {
                return 0;
            }
            return readSizeWord(ch);
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot read the header of " + file + ": " + e.getMessage(), e);
        }
    }

    private static int readSizeWord(final FileChannel ch) throws IOException
    {
        final ByteBuffer word = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (word.hasRemaining())
        {
            if (ch.read(word, SizePrefixedBlob.SIZE_WORD_OFFSET + word.position()) < 0)
            {
                return 0;
            }
        }
        return word.getInt(0);
    }

    private static void onCorruption(final Path file, final AtomicLong count, final ChronicleHashCorruption c)
    {
        count.incrementAndGet();
        LOG.warn("{}: recovery repaired segment {}: {}", file, c.segmentIndex(), c.message(), c.exception());
    }

    private void lock(final InterProcessLock lock, final ExternalMapQueryContext<FixedSlice, FixedSlice, ?> q)
    {
        if (!tryLock(lock, writeWaitNanos))
        {
            throw new SegmentLockedException("segment " + q.segmentIndex() + " of " + file + " stayed locked past " +
                writeWaitNanos / 1_000_000 + " ms; a process died holding it");
        }
    }

    private void checkWritable()
    {
        if (!writable)
        {
            throw new IllegalStateException(file + " is open read-only; only the writer mutates it");
        }
    }

    private void checkRecord(final FixedSlice record)
    {
        if (record.length() != recordLength)
        {
            throw new IllegalArgumentException(
                "record of " + record.length() + " bytes for a " + recordLength + "-byte layout");
        }
    }

    private static boolean tryLock(final InterProcessLock lock, final long waitNanos)
    {
        try
        {
            return waitNanos <= 0 ? lock.tryLock() : lock.tryLock(waitNanos, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean isCapacityFailure(final IllegalStateException e)
    {
        final String message = String.valueOf(e.getMessage());
        return message.contains("tier") || message.contains("full");
    }
}
