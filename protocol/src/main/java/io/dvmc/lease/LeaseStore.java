package io.dvmc.lease;

import java.nio.file.Path;

/**
 * The per-host lease store: (domain, MAC) to {@link LeaseRecord}, in a Chronicle Map file written by the agent and
 * read by the dataplane on its hot path. Layout, crash story and handshake: {@link FixedRecordMap},
 * {@link StoreGuard}.
 *
 * <p>Thread-safe for lookups and writes (each thread uses a key of its own); lifecycle calls ({@link #recover},
 * {@link #close}) belong to one thread. {@link #get} allocates nothing after the calling thread's first calls.
 */
public final class LeaseStore extends SharedStore
{
    /**
     * Layout tag persisted in the file header (with the marshallers); a file of another layout is refused. The number
     * is {@link LeaseRecord#LAYOUT}.
     */
    public static final String MAP_NAME = "dvmc-leases/2";
    /** The host lease store's file in a host's state directory, shared by the agent and the dataplane. */
    public static final String FILE = "leases.dat";

    private final ThreadLocal<LeaseKey> keys = ThreadLocal.withInitial(LeaseKey::new);

    private LeaseStore(final SharedMapFile file)
    {
        super(file);
    }

    /** The agent's start: create or recover {@code file}; see {@link SharedMapFile#openWriter}. */
    public static LeaseStore openWriter(final Path file, final long maxEntries)
    {
        return openWriter(file, maxEntries, StoreTimeouts.DEFAULTS);
    }

    public static LeaseStore openWriter(final Path file, final long maxEntries, final StoreTimeouts timeouts)
    {
        return new LeaseStore(SharedMapFile.openWriter(file, MAP_NAME, LeaseKey.LENGTH, LeaseRecord.LENGTH,
            maxEntries, timeouts));
    }

    /**
     * The agent's start when it has taken the writer role on {@code guard} itself (to ask readers to YIELD first,
     * when {@link StoreGuard#readersPresent}); the store owns the guard from here on.
     */
    public static LeaseStore openWriter(final StoreGuard guard, final long maxEntries, final StoreTimeouts timeouts)
    {
        return new LeaseStore(SharedMapFile.openWriter(guard, MAP_NAME, LeaseKey.LENGTH, LeaseRecord.LENGTH,
            maxEntries, timeouts));
    }

    /**
     * The agent's start beside a dataplane that has the store open, without YIELD; see
     * {@link SharedMapFile#openWriterBesideReaders}.
     *
     * @return null if the store must be opened by {@link #openWriter(StoreGuard, long, StoreTimeouts)} after a YIELD
     */
    public static LeaseStore openWriterBesideReaders(final StoreGuard guard, final long maxEntries,
        final StoreTimeouts timeouts)
    {
        final SharedMapFile file = SharedMapFile.openWriterBesideReaders(guard, MAP_NAME, LeaseKey.LENGTH,
            LeaseRecord.LENGTH, maxEntries, timeouts);
        return file == null ? null : new LeaseStore(file);
    }

    /**
     * The dataplane's open.
     *
     * @throws StoreMissingException if the agent has not created the file yet
     */
    public static LeaseStore openReader(final Path file)
    {
        return openReader(file, StoreTimeouts.DEFAULTS);
    }

    public static LeaseStore openReader(final Path file, final StoreTimeouts timeouts)
    {
        return new LeaseStore(SharedMapFile.openReader(file, MAP_NAME, LeaseKey.LENGTH, LeaseRecord.LENGTH,
            timeouts));
    }

    /** See {@link FixedRecordMap#warmUp(boolean)}: call at process start to make the first open fast. */
    public static void warmUp()
    {
        FixedRecordMap.warmUp(false);
    }

    /** {@link #warmUp()} for the writer, whose start after a crash recovers the stores. */
    public static void warmUpWriter()
    {
        FixedRecordMap.warmUp(true);
    }

    /** Whether a valid lease was copied into {@code into}; every other outcome means "take the slow path". */
    public boolean get(final int domainId, final long mac, final LeaseRecord into)
    {
        return lookup(domainId, mac, into) == LookupResult.FOUND;
    }

    /** {@link #get} with the reason of a miss (a corrupt record or none). Never blocks past the read deadline. */
    LookupResult lookup(final int domainId, final long mac, final LeaseRecord into)
    {
        final LeaseKey key = keys.get().set(domainId, mac);
        final LookupResult result = file.map().get(key.slice(), into.slice());
        if (result == LookupResult.FOUND && !into.isValid())
        {
            return LookupResult.CORRUPT;
        }
        return result;
    }

    /**
     * Seals {@code record} (layout and checksum) and stores it; once this returns it survives a kill -9 of either
     * process. Writer only.
     *
     * @throws SegmentLockedException if the key's segment stayed locked (a dead process): run the recovery cycle
     */
    public void put(final int domainId, final long mac, final LeaseRecord record)
    {
        record.seal();
        file.map().put(keys.get().set(domainId, mac).slice(), record.slice());
    }

    /** @return whether a lease was removed. Writer only. */
    public boolean remove(final int domainId, final long mac)
    {
        return file.map().remove(keys.get().set(domainId, mac).slice());
    }

    /**
     * Visits every lease, invalid records included (check {@link LeaseRecord#isValid}), for the CLI.
     *
     * @return entries skipped because an interrupted insert left them without a record
     */
    public long forEach(final LeaseVisitor visitor)
    {
        return forEach(0, segments(), visitor);
    }

    /** The store's segments, for walks in steps ({@link #forEach(int, int, LeaseVisitor)}). */
    public int segments()
    {
        return file.map().segments();
    }

    /** {@link #forEach(LeaseVisitor)} over segments {@code [fromSegment, toSegment)}. */
    public long forEach(final int fromSegment, final int toSegment, final LeaseVisitor visitor)
    {
        final LeaseKey key = new LeaseKey();
        final LeaseRecord record = new LeaseRecord();
        return file.forEach(fromSegment, toSegment, (keySlice, recordSlice) -> {
            key.wrap(keySlice.buffer(), keySlice.offset());
            record.wrap(recordSlice.buffer(), recordSlice.offset());
            visitor.visit(key.domainId(), key.mac(), record);
        });
    }
}
