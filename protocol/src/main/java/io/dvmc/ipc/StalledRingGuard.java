package io.dvmc.ipc;

import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * Frees a ring left blocked by a producer killed between claiming a record and committing it: the consumer cannot
 * read past such a record, so without this a kill -9 of the dataplane or the agent at the wrong instant would stop
 * the other side's reads for good. A live producer commits within microseconds; a record that stays uncommitted
 * for {@code timeoutNs} while the consumer makes no progress is skipped with {@link RingBuffer#unblock()}, as
 * Aeron's driver does for its IPC.
 *
 * <p>For the consumer's thread. Call {@link #check()} when a read found nothing.
 */
public final class StalledRingGuard
{
    /**
     * How long a record may stay claimed before it counts as a dead producer's. A live producer stopped that long
     * (a GC pause, a starved CPU) would lose its record and fail its commit, so this is far above any such stall;
     * a producer killed inside the few nanoseconds between claim and commit is rare enough that the ring may wait.
     * Aeron's driver waits 15 s before it unblocks a publication, for the same reason.
     */
    public static final long DEFAULT_TIMEOUT_NS = 10_000_000_000L;

    private final RingBuffer ring;
    private final long timeoutNs;
    private long lastConsumerPosition = -1;
    private long stalledSinceNs;
    private long unblocked;

    public StalledRingGuard(final RingBuffer ring)
    {
        this(ring, DEFAULT_TIMEOUT_NS);
    }

    public StalledRingGuard(final RingBuffer ring, final long timeoutNs)
    {
        this.ring = ring;
        this.timeoutNs = timeoutNs;
    }

    /** {@link #check(long)} with the time read only when the ring is behind: nearly free on an idle ring. */
    public int check()
    {
        if (ring.producerPosition() == ring.consumerPosition())
        {
            lastConsumerPosition = -1;
            return 0;
        }
        return check(System.nanoTime());
    }

    /** @return 1 if a dead producer's record was skipped just now, else 0. */
    public int check(final long nowNs)
    {
        final long consumer = ring.consumerPosition();
        if (ring.producerPosition() == consumer)
        {
            lastConsumerPosition = -1;
            return 0;
        }
        if (consumer != lastConsumerPosition)
        {
            lastConsumerPosition = consumer;
            stalledSinceNs = nowNs;
            return 0;
        }
        if (nowNs - stalledSinceNs < timeoutNs || !ring.unblock())
        {
            return 0;
        }
        lastConsumerPosition = -1;
        unblocked++;
        return 1;
    }

    /** How many records of dead producers were skipped. */
    public long unblocked()
    {
        return unblocked;
    }
}
