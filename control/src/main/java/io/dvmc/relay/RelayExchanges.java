package io.dvmc.relay;

import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.SlotMemory;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;

/**
 * The relayed exchanges awaiting their tenant servers: a fixed table of slots, each holding a copy of its DVMC
 * request (to answer with its identity), where the answer goes, the relay xid the tenant servers echo, and the
 * socket their answers must arrive on. Found by relay xid (a tenant's answer) and by DVMC transaction id (an agent's
 * retransmission). A slot stays after its first answer until its deadline, so that the answers of the domain's other
 * tenant servers are recognised as such and dropped quietly.
 */
final class RelayExchanges
{
    static final int NONE = -1;

    private final int capacity;
    private final int[] relayXids;
    private final long[] dvmcXids;
    private final int[] domainIds;
    private final long[] macs;
    private final long[] deadlines;
    private final boolean[] answered;
    private final boolean[] used;
    private final SocketAddress[] targets;
    private final DatagramChannel[] channels;
    private final SlotMemory requests;
    private final int[] requestLengths;
    private final int[] free;
    private int freeCount;
    private final Int2IntHashMap byRelayXid = new Int2IntHashMap(NONE);
    private final Long2LongHashMap byDvmcXid = new Long2LongHashMap(NONE);
    private final DvmcMessage request = new DvmcMessage();

    RelayExchanges(final int capacity)
    {
        this.capacity = capacity;
        relayXids = new int[capacity];
        dvmcXids = new long[capacity];
        domainIds = new int[capacity];
        macs = new long[capacity];
        deadlines = new long[capacity];
        answered = new boolean[capacity];
        used = new boolean[capacity];
        targets = new SocketAddress[capacity];
        channels = new DatagramChannel[capacity];
        requests = new SlotMemory(capacity, DvmcMessage.MAX_LENGTH);
        requestLengths = new int[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
    }

    /** @return the slot taken, or {@link #NONE} when the table is full. */
    int claim(final DvmcMessage message, final int relayXid, final SocketAddress target,
        final DatagramChannel channel, final long deadlineMs)
    {
        if (freeCount == 0)
        {
            return NONE;
        }
        final int slot = free[--freeCount];
        used[slot] = true;
        relayXids[slot] = relayXid;
        dvmcXids[slot] = message.transactionId();
        domainIds[slot] = message.domainId();
        macs[slot] = message.mac();
        deadlines[slot] = deadlineMs;
        answered[slot] = false;
        targets[slot] = target;
        channels[slot] = channel;
        requests.buffer(slot).putBytes(requests.offset(slot), message.buffer(), message.offset(), message.length());
        requestLengths[slot] = message.length();
        byRelayXid.put(relayXid, slot);
        byDvmcXid.put(message.transactionId(), slot);
        return slot;
    }

    int byRelayXid(final int relayXid)
    {
        return byRelayXid.get(relayXid);
    }

    int byDvmcXid(final long dvmcXid)
    {
        return (int)byDvmcXid.get(dvmcXid);
    }

    boolean relayXidInUse(final int relayXid)
    {
        return byRelayXid.containsKey(relayXid);
    }

    /** The DVMC request of the slot, wrapped over the slot's copy. */
    DvmcMessage request(final int slot)
    {
        request.wrap(requests.buffer(slot), requests.offset(slot), requestLengths[slot]);
        return request;
    }

    int domainId(final int slot)
    {
        return domainIds[slot];
    }

    long mac(final int slot)
    {
        return macs[slot];
    }

    SocketAddress target(final int slot)
    {
        return targets[slot];
    }

    DatagramChannel channel(final int slot)
    {
        return channels[slot];
    }

    boolean answered(final int slot)
    {
        return answered[slot];
    }

    void markAnswered(final int slot)
    {
        answered[slot] = true;
    }

    /**
     * Frees every slot past its deadline.
     *
     * @param unanswered told of each slot freed without an answer, before it is freed.
     */
    void expire(final long nowMs, final SlotConsumer unanswered)
    {
        for (int slot = 0; slot < capacity; slot++)
        {
            if (used[slot] && deadlines[slot] <= nowMs)
            {
                if (!answered[slot])
                {
                    unanswered.accept(slot);
                }
                release(slot);
            }
        }
    }

    private void release(final int slot)
    {
        used[slot] = false;
        byRelayXid.remove(relayXids[slot]);
        byDvmcXid.remove(dvmcXids[slot]);
        targets[slot] = null;
        channels[slot] = null;
        free[freeCount++] = slot;
    }

    int inFlight()
    {
        return capacity - freeCount;
    }

    @FunctionalInterface
    interface SlotConsumer
    {
        void accept(int slot);
    }
}
