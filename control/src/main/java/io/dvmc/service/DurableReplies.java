package io.dvmc.service;

import io.dvmc.exchange.DvmcMessage;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Replies that wait for the lease journal to be durable up to a position ({@link JournalSyncer}): an ACK leaves
 * only once every record appended before it was decided is on disk. A fixed ring of preallocated slots, in the
 * order the replies were decided, whose positions never decrease: the replies leave in that order.
 */
final class DurableReplies
{
    /** Sends one reply, held in {@code view} from {@code offset}, to {@code target} ({@link DvmcService#target}). */
    @FunctionalInterface
    interface Sender
    {
        void send(UnsafeBuffer view, int offset, int length, long target, int requestType, int requestAddress);
    }

    private final int capacity;
    private final UnsafeBuffer slabView;
    private final long[] targets;
    private final int[] lengths;
    private final int[] types;
    private final int[] requestAddresses;
    private final long[] positions;
    private long head;
    private long tail;

    DurableReplies(final int capacity)
    {
        this.capacity = capacity;
        slabView = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity * DvmcMessage.MAX_LENGTH));
        targets = new long[capacity];
        lengths = new int[capacity];
        types = new int[capacity];
        requestAddresses = new int[capacity];
        positions = new long[capacity];
    }

    int size()
    {
        return (int)(tail - head);
    }

    /** Room left: a receive batch takes no more requests than this, each having at most one reply. */
    int free()
    {
        return capacity - size();
    }

    /**
     * Keeps a copy of a reply until the journal is durable up to {@code position}; false when full. The request's
     * type and address are for its lease event.
     */
    boolean add(final DirectBuffer src, final int offset, final int length, final long target,
        final int requestType, final int requestAddress, final long position)
    {
        if (size() == capacity)
        {
            return false;
        }
        final int slot = (int)(tail++ % capacity);
        slabView.putBytes(slot * DvmcMessage.MAX_LENGTH, src, offset, length);
        lengths[slot] = length;
        targets[slot] = target;
        types[slot] = requestType;
        requestAddresses[slot] = requestAddress;
        positions[slot] = position;
        return true;
    }

    /** Sends, in order, the replies whose position the journal reached; returns how many. */
    int sendUpTo(final long durable, final Sender sender)
    {
        int sent = 0;
        while (head < tail)
        {
            final int slot = (int)(head % capacity);
            if (positions[slot] > durable)
            {
                break;
            }
            sender.send(slabView, slot * DvmcMessage.MAX_LENGTH, lengths[slot], targets[slot], types[slot],
                requestAddresses[slot]);
            head++;
            sent++;
        }
        return sent;
    }

    /** Forgets every reply (the journal could not be made durable); returns how many. */
    int clear()
    {
        final int dropped = size();
        head = tail;
        return dropped;
    }
}
