package io.dvmc.lease;

import java.nio.file.Path;

/**
 * The per-host domain store: domain id to {@link DomainRecord} (server address, mask, lease time and the encoded
 * option TLVs), written by the agent and read by the dataplane when it answers from the lease store. Same
 * mechanism and crash story as {@link LeaseStore}: {@link FixedRecordMap}, {@link StoreGuard}.
 */
public final class DomainStore extends SharedStore
{
    /** Layout tag persisted in the file header (with the marshallers); a file of another layout is refused. */
    public static final String MAP_NAME = "dvmc-domains/1";

    private final ThreadLocal<DomainKey> keys = ThreadLocal.withInitial(DomainKey::new);

    private DomainStore(final SharedMapFile file)
    {
        super(file);
    }

    public static DomainStore openWriter(final Path file, final long maxEntries)
    {
        return openWriter(file, maxEntries, StoreTimeouts.DEFAULTS);
    }

    public static DomainStore openWriter(final Path file, final long maxEntries, final StoreTimeouts timeouts)
    {
        return new DomainStore(SharedMapFile.openWriter(file, MAP_NAME, DomainKey.LENGTH, DomainRecord.LENGTH,
            maxEntries, timeouts));
    }

    /** See {@link LeaseStore#openWriter(StoreGuard, long, StoreTimeouts)}. */
    public static DomainStore openWriter(final StoreGuard guard, final long maxEntries,
        final StoreTimeouts timeouts)
    {
        return new DomainStore(SharedMapFile.openWriter(guard, MAP_NAME, DomainKey.LENGTH, DomainRecord.LENGTH,
            maxEntries, timeouts));
    }

    /** See {@link LeaseStore#openWriterBesideReaders}: null if the store must be opened after a YIELD. */
    public static DomainStore openWriterBesideReaders(final StoreGuard guard, final long maxEntries,
        final StoreTimeouts timeouts)
    {
        final SharedMapFile file = SharedMapFile.openWriterBesideReaders(guard, MAP_NAME, DomainKey.LENGTH,
            DomainRecord.LENGTH, maxEntries, timeouts);
        return file == null ? null : new DomainStore(file);
    }

    /** @throws StoreMissingException if the agent has not created the file yet */
    public static DomainStore openReader(final Path file)
    {
        return openReader(file, StoreTimeouts.DEFAULTS);
    }

    public static DomainStore openReader(final Path file, final StoreTimeouts timeouts)
    {
        return new DomainStore(SharedMapFile.openReader(file, MAP_NAME, DomainKey.LENGTH, DomainRecord.LENGTH,
            timeouts));
    }

    /** See {@link FixedRecordMap#warmUp(boolean)}: call at process start to make the first open fast. */
    public static void warmUp()
    {
        FixedRecordMap.warmUp(false);
    }

    public boolean get(final int domainId, final DomainRecord into)
    {
        return lookup(domainId, into) == LookupResult.FOUND;
    }

    public LookupResult lookup(final int domainId, final DomainRecord into)
    {
        final LookupResult result = file.map().get(keys.get().set(domainId).slice(), into.slice());
        if (result == LookupResult.FOUND && (!into.isValid() || into.domainId() != domainId))
        {
            return LookupResult.CORRUPT;
        }
        return result;
    }

    /** Seals and stores {@code record} under {@link DomainRecord#domainId()}. Writer only. */
    public void put(final DomainRecord record)
    {
        record.seal();
        file.map().put(keys.get().set(record.domainId()).slice(), record.slice());
    }

    /** Sets the record's domain id to {@code domainId}, then {@link #put(DomainRecord)}. Writer only. */
    public void put(final int domainId, final DomainRecord record)
    {
        put(record.domainId(domainId));
    }

    /** Writer only. */
    public boolean remove(final int domainId)
    {
        return file.map().remove(keys.get().set(domainId).slice());
    }

    /** Visits every domain, invalid records included; returns entries skipped as never completed. */
    public long forEach(final DomainVisitor visitor)
    {
        final DomainRecord record = new DomainRecord();
        return file.forEach(0, file.map().segments(), (keySlice, recordSlice) -> {
            record.wrap(recordSlice.buffer(), recordSlice.offset());
            visitor.visit(record);
        });
    }
}
