package io.dvmc.dataplane;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * An in-process lock-free queue of (mbuf, port) pairs between dataplane threads, over an Agrona ring buffer.
 * Bounded: {@link #offer} fails when full and the caller drops and counts, so the poll loop never blocks.
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                     mbuf pointer (64 bits)                    |
 *  +-------------------------------+-------------------------------+
 *  |           port index          |            reserved           |
 *  +-------------------------------+-------------------------------+
 * </pre>
 */
public final class FrameQueue implements FrameSink
{
    public static final int MBUF_OFFSET = 0;
    public static final int PORT_OFFSET = 8;
    public static final int LENGTH = 12;
    private static final int MSG_TYPE = 1;

    /** Takes the pairs {@link #drain} reads. */
    @FunctionalInterface
    public interface Consumer
    {
        void accept(long mbuf, int port);
    }

    private final RingBuffer ring;
    private final MessageHandler handler;
    private Consumer consumer;

    private FrameQueue(final RingBuffer ring)
    {
        this.ring = ring;
        this.handler = this::onMessage;
    }

    /** A queue with one producer thread. */
    public static FrameQueue oneToOne(final int capacityFrames)
    {
        return new FrameQueue(new OneToOneRingBuffer(buffer(capacityFrames)));
    }

    /** A queue with several producer threads. */
    public static FrameQueue manyToOne(final int capacityFrames)
    {
        return new FrameQueue(new ManyToOneRingBuffer(buffer(capacityFrames)));
    }

    /** Each record takes an 8-byte header plus the message, aligned to 8. */
    private static final int RECORD = BitUtil.align(LENGTH + 8, 8);

    private static UnsafeBuffer buffer(final int capacityFrames)
    {
        final int capacity = BitUtil.findNextPositivePowerOfTwo(capacityFrames * RECORD);
        return new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH));
    }

    @Override
    public boolean offer(final long mbuf, final int port)
    {
        final int index = ring.tryClaim(MSG_TYPE, LENGTH);
        if (index < 0)
        {
            return false;
        }
        final org.agrona.concurrent.AtomicBuffer buffer = ring.buffer();
        buffer.putLong(index + MBUF_OFFSET, mbuf);
        buffer.putInt(index + PORT_OFFSET, port);
        ring.commit(index);
        return true;
    }

    /** Frames queued now; safe from any thread (the metrics endpoint's). */
    public int depth()
    {
        return ring.size() / RECORD;
    }

    /** Frames the queue holds at most. */
    public int capacity()
    {
        return ring.capacity() / RECORD;
    }

    public int drain(final Consumer consumer, final int limit)
    {
        this.consumer = consumer;
        return ring.read(handler, limit);
    }

    private void onMessage(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        consumer.accept(buffer.getLong(index + MBUF_OFFSET), buffer.getInt(index + PORT_OFFSET));
    }
}
