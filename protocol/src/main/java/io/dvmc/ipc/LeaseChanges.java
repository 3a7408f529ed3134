package io.dvmc.ipc;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * How the agent tells the dataplane's lease caches that it wrote the lease store: one {@link RingMessages#LEASE_CHANGED}
 * per written or removed lease, and, when the ring has no room for one, a full flush.
 * <pre>
 *  offset size field
 *   0     4    domain id   (native order, as the ring's other messages)
 *   4     4    reserved
 *   8     8    MAC         (48 bits)
 * </pre>
 * The flush is a generation: Agrona's correlation counter in the trailer of the {@code to-dataplane} ring, which
 * nothing else on that ring uses. The agent advances it ({@link #flushAll}); a worker compares it with the value it
 * last saw once per burst and drops its whole cache when it moved. A full ring thus costs the cache its contents,
 * never its correctness; a new ring file starts the count again, and a worker compares for equality only.
 */
public final class LeaseChanges
{
    public static final int DOMAIN_OFFSET = 0;
    public static final int MAC_OFFSET = 8;
    public static final int LENGTH = 16;

    private final RingBuffer toDataplane;
    private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(LENGTH));

    public LeaseChanges(final RingBuffer toDataplane)
    {
        this.toDataplane = toDataplane;
    }

    /**
     * Agent side, after each write of (domain, MAC) has returned.
     *
     * @return false if the ring was full and every cache was flushed instead.
     */
    public boolean announce(final int domainId, final long mac)
    {
        message.putInt(DOMAIN_OFFSET, domainId);
        message.putLong(MAC_OFFSET, mac);
        if (toDataplane.write(RingMessages.LEASE_CHANGED, message, 0, LENGTH))
        {
            return true;
        }
        flushAll();
        return false;
    }

    /** Agent side: every cached lease is dropped before the next burst a worker answers. */
    public void flushAll()
    {
        toDataplane.nextCorrelationId();
    }

    /** Dataplane side: the flush generation now; a worker reads it once per burst. */
    public static long flushGeneration(final RingBuffer toDataplane)
    {
        return toDataplane.buffer().getLongVolatile(
            toDataplane.capacity() + RingBufferDescriptor.CORRELATION_COUNTER_OFFSET);
    }

    public static int domainId(final DirectBuffer buffer, final int index)
    {
        return buffer.getInt(index + DOMAIN_OFFSET);
    }

    public static long mac(final DirectBuffer buffer, final int index)
    {
        return buffer.getLong(index + MAC_OFFSET);
    }
}
