package io.dvmc.service;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * Runs the lease journal's fdatasync on a thread of its own (group commit, DESIGN §5): the service thread appends
 * records, asks for a sync up to what it appended, and goes on deciding (and sending OFFERs) while the sync runs.
 * Whatever is appended during one sync is covered by the next, so one fsync serves every request that arrived
 * meanwhile, however slow the disk. A position counts the journal's bytes appended since open.
 *
 * <p>The thread that asks is unparked when a sync ends, and the {@link #wakeOnChange wake} it gave runs, so that its
 * ACKs leave without waiting for its idle strategy. After a failed sync nothing more is synced until {@link #reset}
 * (a rewrite of the journal from memory).
 *
 * <p>A request that comes alone, at least {@link #INLINE_GAP_NANOS} after the one before, while the disk's last sync
 * took at most {@link #INLINE_MAX_SYNC_NANOS}, is synced on the asking thread instead: at a low rate there is nothing
 * to group, and handing the sync to another thread and its reply back costs a wake-up each, which on busy cores
 * waits for a core (on the 2-vCPU bench VM, docs/benchmarks.md: the service's leg about 0.02 ms shorter at the
 * median at 1,000 new leases a second, and 8,000 a second held with 99 % done where 97-98 % were before). Under
 * load requests come closer than the gap and go to the thread; after a slow sync they do too, so a disk that stalls
 * holds the asking thread for one sync at most.
 */
final class JournalSyncer implements AutoCloseable
{
    /** The sync itself: fdatasync of the journal file in use. */
    @FunctionalInterface
    interface Force
    {
        /** @return how long the sync took, in nanoseconds. */
        long force() throws IOException;
    }

    /** A request at least this long after the one before comes alone. */
    static final long INLINE_GAP_NANOS = 500_000;
    /** A sync that took longer than this sends the next ones to the thread, until one is fast again. */
    static final long INLINE_MAX_SYNC_NANOS = 1_000_000;
    private static final long UNKNOWN = Long.MAX_VALUE;

    private final Force force;
    private final NanoClock clock;
    private final Thread thread;
    private volatile long requested;
    private volatile long durable;
    private volatile IOException failure;
    /** Held by whichever thread runs the sync: this syncer's, or the asking one's ({@link #request}). */
    private final AtomicBoolean busy = new AtomicBoolean();
    private long lastRequestNanos;
    /** How long the last sync took, on either thread; {@link #UNKNOWN} before the first. */
    private volatile long lastSyncNanos = UNKNOWN;
    private volatile boolean closed;
    private volatile Thread waiter;
    private volatile Runnable wake = () -> {
    };

    JournalSyncer(final String name, final Force force, final long start)
    {
        this(name, force, start, SystemNanoClock.INSTANCE);
    }

    JournalSyncer(final String name, final Force force, final long start, final NanoClock clock)
    {
        this.force = force;
        this.clock = clock;
        this.lastRequestNanos = clock.nanoTime() - INLINE_GAP_NANOS;
        this.requested = start;
        this.durable = start;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
        thread.start();
    }

    /**
     * Asks for everything up to {@code position} to be made durable; the calling thread is told when it is. A request
     * that comes alone is synced before this returns ({@link JournalSyncer}). One thread asks.
     */
    void request(final long position)
    {
        waiter = Thread.currentThread();
        if (position > requested)
        {
            final long now = clock.nanoTime();
            final boolean alone = now - lastRequestNanos >= INLINE_GAP_NANOS;
            lastRequestNanos = now;
            requested = position;
            if (alone && lastSyncNanos <= INLINE_MAX_SYNC_NANOS && busy.compareAndSet(false, true))
            {
                runSync(position);
                return;
            }
            LockSupport.unpark(thread);
        }
    }

    /** Runs {@code wake} after each sync, besides unparking the asking thread: for a thread asleep in the kernel. */
    void wakeOnChange(final Runnable wake)
    {
        this.wake = wake;
    }

    /** The position up to which the journal is durable. */
    long durable()
    {
        return durable;
    }

    /** The error of the sync that failed, or null. */
    IOException failure()
    {
        return failure;
    }

    /** Waits until every position asked for is durable or a sync failed: the journal file is then not in use. */
    void awaitIdle()
    {
        while (!closed && failure == null && (busy.get() || durable < requested))
        {
            waiter = Thread.currentThread();
            LockSupport.parkNanos(this, 1_000_000);
        }
    }

    /** The journal was rewritten whole and synced up to {@code position}; call only when {@link #awaitIdle idle}. */
    void reset(final long position)
    {
        requested = position;
        durable = position;
        failure = null;
    }

    public void close()
    {
        closed = true;
        LockSupport.unpark(thread);
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        while (!closed)
        {
            final long target = requested;
            if (target <= durable || failure != null || !busy.compareAndSet(false, true))
            {
                LockSupport.park(this);
                continue;
            }
            runSync(target);
            final Thread t = waiter;
            if (t != null)
            {
                LockSupport.unpark(t);
            }
            wake.run();
        }
    }

    /** With {@link #busy} taken: syncs up to {@code target}. */
    private void runSync(final long target)
    {
        try
        {
            if (failure == null)
            {
                lastSyncNanos = force.force();
                durable = Math.max(durable, target);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            failure = ex instanceof IOException io ? io : new IOException(ex);
        }
        finally
        {
            busy.set(false);
        }
    }
}
