package io.dvmc.service;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the lease journal's fdatasync on a thread of its own (group commit, DESIGN §5): the service thread appends
 * records, asks for a sync up to what it appended, and goes on deciding (and sending OFFERs) while the sync runs.
 * Whatever is appended during one sync is covered by the next, so one fsync serves every request that arrived
 * meanwhile, however slow the disk. A position counts the journal's bytes appended since open.
 *
 * <p>The thread that asks is unparked when a sync ends, and the {@link #wakeOnChange wake} it gave runs, so that its
 * ACKs leave without waiting for its idle strategy. After a failed sync nothing more is synced until {@link #reset}
 * (a rewrite of the journal from memory).
 */
final class JournalSyncer implements AutoCloseable
{
    /** The sync itself: fdatasync of the journal file in use. */
    @FunctionalInterface
    interface Force
    {
        void force() throws IOException;
    }

    private final Force force;
    private final Thread thread;
    private volatile long requested;
    private volatile long durable;
    private volatile IOException failure;
    private volatile boolean busy;
    private volatile boolean closed;
    private volatile Thread waiter;
    private volatile Runnable wake = () -> {
    };

    JournalSyncer(final String name, final Force force, final long start)
    {
        this.force = force;
        this.requested = start;
        this.durable = start;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
        thread.start();
    }

    /** Asks for everything up to {@code position} to be made durable; the calling thread is told when it is. */
    void request(final long position)
    {
        waiter = Thread.currentThread();
        if (position > requested)
        {
            requested = position;
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
        while (!closed && failure == null && (busy || durable < requested))
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
            if (target <= durable || failure != null)
            {
                LockSupport.park(this);
                continue;
            }
            busy = true;
            try
            {
                force.force();
                durable = target;
            }
            catch (final IOException | RuntimeException ex)
            {
                failure = ex instanceof IOException io ? io : new IOException(ex);
            }
            finally
            {
                busy = false;
            }
            final Thread t = waiter;
            if (t != null)
            {
                LockSupport.unpark(t);
            }
            wake.run();
        }
    }
}
