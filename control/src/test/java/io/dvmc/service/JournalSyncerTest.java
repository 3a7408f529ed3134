package io.dvmc.service;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class JournalSyncerTest
{
    private static final String SYNC_THREAD = "test-journal-sync";

    private final CachedNanoClock clock = new CachedNanoClock();
    private final List<String> syncedOn = new CopyOnWriteArrayList<>();
    private volatile long syncTakes = 100_000;
    private volatile boolean diskFails;
    private final JournalSyncer syncer = new JournalSyncer(SYNC_THREAD, this::force, 0, clock);

    @AfterEach
    void close()
    {
        syncer.close();
    }

    private long force() throws IOException
    {
        syncedOn.add(Thread.currentThread().getName());
        if (diskFails)
        {
            throw new IOException("EIO");
        }
        return syncTakes;
    }

    /** One sync on the thread, fast: the disk has shown what it takes. */
    private void firstSync()
    {
        clock.advance(JournalSyncer.INLINE_GAP_NANOS);
        syncer.request(1);
        syncer.awaitIdle();
        assertEquals(List.of(SYNC_THREAD), syncedOn, "before any sync, how long one takes is not known");
    }

    @Test
    void aLoneRequestAfterAFastSyncIsSyncedOnTheAskingThreadBeforeTheRequestReturns()
    {
        firstSync();
        clock.advance(JournalSyncer.INLINE_GAP_NANOS);

        syncer.request(2);

        assertEquals(2, syncer.durable());
        assertEquals(Thread.currentThread().getName(), syncedOn.get(1));
    }

    @Test
    void requestsCloserThanTheGapGoToTheSyncThreadToBeGrouped()
    {
        firstSync();
        clock.advance(JournalSyncer.INLINE_GAP_NANOS);
        syncer.request(2);
        clock.advance(JournalSyncer.INLINE_GAP_NANOS / 5);

        syncer.request(3);
        syncer.awaitIdle();

        assertEquals(3, syncer.durable());
        assertEquals(SYNC_THREAD, syncedOn.get(2));
    }

    @Test
    void afterASlowSyncALoneRequestGoesToTheSyncThreadSoAStalledDiskHoldsTheAskingThreadOnceAtMost()
    {
        firstSync();
        syncTakes = 5 * JournalSyncer.INLINE_MAX_SYNC_NANOS;
        clock.advance(JournalSyncer.INLINE_GAP_NANOS);
        syncer.request(2);
        assertEquals(Thread.currentThread().getName(), syncedOn.get(1), "the disk was fast until then");
        clock.advance(JournalSyncer.INLINE_GAP_NANOS);
        syncTakes = 100_000;

        syncer.request(3);
        syncer.awaitIdle();

        assertEquals(SYNC_THREAD, syncedOn.get(2));
        clock.advance(JournalSyncer.INLINE_GAP_NANOS);
        syncer.request(4);
        assertEquals(4, syncer.durable(), "the sync thread's last sync was fast again");
        assertEquals(Thread.currentThread().getName(), syncedOn.get(3));
    }

    @Test
    void aSyncThatFailsOnTheAskingThreadLeavesTheDurablePositionAndStopsLaterSyncs()
    {
        firstSync();
        diskFails = true;
        clock.advance(JournalSyncer.INLINE_GAP_NANOS);

        syncer.request(2);

        assertNotNull(syncer.failure());
        assertEquals(1, syncer.durable());
        clock.advance(JournalSyncer.INLINE_GAP_NANOS);
        syncer.request(3);
        syncer.awaitIdle();
        assertEquals(1, syncer.durable());
        assertEquals(2, syncedOn.size(), "synced again after a failure: " + syncedOn);
    }
}
