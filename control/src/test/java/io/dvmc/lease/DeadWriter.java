package io.dvmc.lease;

import java.nio.file.Path;

/** Leaves in a lease store what a writer killed mid-operation leaves, beside a reader that has it open. For tests. */
public final class DeadWriter
{
    private DeadWriter()
    {
    }

    /**
     * Opens {@code file} as the writer beside its readers, takes locks as a writer killed at that moment leaves them,
     * and lets go of the map and the writer role without releasing them.
     *
     * @param writeLock a write lock on segment 0 (a change cut short); else an update lock on every segment and a
     *                  registered write wait on every segment (a writer killed while it waited for a write lock)
     */
    public static void leave(final Path file, final long maxEntries, final boolean writeLock)
    {
        final LeaseStore store = LeaseStore.openWriterBesideReaders(StoreGuard.open(file), maxEntries,
            StoreTimeouts.DEFAULTS);
        if (store == null)
        {
            throw new IllegalStateException(file + " cannot be opened beside its readers");
        }
        if (writeLock)
        {
            store.map().holdSegmentLock(0, true);
        }
        else
        {
            for (int s = 0; s < store.segments(); s++)
            {
                store.map().holdSegmentLock(s, false);
            }
            store.map().holdWriteWaits();
        }
        store.map().close();
        store.guard().close();
    }
}
