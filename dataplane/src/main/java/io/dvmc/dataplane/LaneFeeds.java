package io.dvmc.dataplane;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * How the agent's messages reach every lane of a dataplane with several ({@code dataplane.lanes}). The agent writes
 * one ring ({@code to-dataplane}); lane 0's worker reads it, sends the agent's frames itself (TRANSMIT), and passes
 * every other message (bindings, store hand-overs, LEASE_CHANGED, DOMAIN_CHANGED) on to each other lane through a
 * ring of its own here, one producer and one consumer each. Each lane applies them before its next burst of frames,
 * as lane 0 does.
 *
 * <p>Two rules keep a lane from answering from what the agent already changed:
 * <ul>
 *   <li>Lane 0 takes a message from the agent's ring only when every lane's ring has room for it
 *       ({@link #roomFor}), so no message is lost or passed on to some lanes only: the agent's ring waits instead.
 *   </li>
 *   <li>Lane 0 sends an agent's frame only once every lane has applied what came before it ({@link #drained}). The
 *       agent writes a lease and announces it before it sends the NAK or ACK that follows from it, so the VM's next
 *       request, on whichever lane its flow hashes to, meets the new lease.</li>
 * </ul>
 */
final class LaneFeeds
{
    private final RingBuffer[] feeds;
    /** The lanes' doorbells, when their loops sleep ({@code idle: wait}). */
    private LaneBells bells = LaneBells.NONE;

    /**
     * @param lanes     the dataplane's lanes; lane 0 reads the agent's ring, the others get a ring here each.
     * @param capacity  each ring's data capacity in bytes, a power of two.
     */
    LaneFeeds(final int lanes, final int capacity)
    {
        if (lanes < 2 || !BitUtil.isPowerOfTwo(capacity))
        {
            throw new IllegalArgumentException("lanes " + lanes + ", capacity " + capacity);
        }
        feeds = new RingBuffer[lanes];
        for (int lane = 1; lane < lanes; lane++)
        {
            feeds[lane] = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        }
    }

    /** Rings a lane's doorbell after each message passed on to it. Before the lanes run. */
    void wakeWith(final LaneBells bells)
    {
        this.bells = bells;
    }

    /** The ring lane {@code lane} (1 or more) reads the agent's messages from. */
    RingBuffer feed(final int lane)
    {
        return feeds[lane];
    }

    /**
     * Whether every lane's ring has room for a message of {@code length} bytes. Lane 0 is the only producer, so the
     * room only grows until it {@link #pass passes} the message on.
     */
    boolean roomFor(final int length)
    {
        // The record and its header, plus at worst a padding record shorter than that where the ring wraps.
        final int needed = 2 * BitUtil.align(length + 2 * Long.BYTES, 2 * Long.BYTES);
        for (int lane = 1; lane < feeds.length; lane++)
        {
            final RingBuffer feed = feeds[lane];
            if (feed.capacity() - feed.size() < needed)
            {
                return false;
            }
        }
        return true;
    }

    /** Passes the message on to every other lane; after {@link #roomFor} said there is room. */
    void pass(final int type, final DirectBuffer buffer, final int index, final int length)
    {
        for (int lane = 1; lane < feeds.length; lane++)
        {
            if (!feeds[lane].write(type, buffer, index, length))
            {
                throw new IllegalStateException("lane " + lane + "'s feed refused a message it had room for");
            }
            bells.ring(lane);
        }
    }

    /** Whether every lane has applied every message passed on so far. */
    boolean drained()
    {
        for (int lane = 1; lane < feeds.length; lane++)
        {
            if (feeds[lane].producerPosition() != feeds[lane].consumerPosition())
            {
                return false;
            }
        }
        return true;
    }
}
