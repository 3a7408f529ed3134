package io.dvmc.service;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

/**
 * The address of each client's last ended binding, per domain, which RFC 2131 §4.3.1 prefers when the client comes
 * back. Bounded: an entry is forgotten after {@code retentionMs}, and the oldest goes first beyond {@code capacity}
 * entries, so clients that never return do not grow the service without end. Entries are kept in a ring in the
 * order they were added (a client that ends several bindings has several, only its last one live); an entry's age is counted from the first {@link #prune} after it was added (prunes run
 * every second). Single-threaded.
 */
final class PreviousAddresses
{
    static final int DEFAULT_CAPACITY = 1 << 18;
    /** A day: a VM stopped overnight comes back to its address if nobody took it. */
    static final long DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000L;

    private static final int NONE = -1;
    private static final long UNSTAMPED = Long.MIN_VALUE;

    private final int capacity;
    private final long retentionMs;
    /** domain id → (MAC → sequence number << 32 | address). */
    private final Int2ObjectHashMap<Long2LongHashMap> byDomain = new Int2ObjectHashMap<>();
    private int[] ringDomains = new int[1024];
    private long[] ringMacs = new long[1024];
    private int[] ringSequences = new int[1024];
    private long[] ringStamps = new long[1024];
    private int head;
    private int count;
    private int unstamped;
    private int size;
    private int nextSequence;

    PreviousAddresses(final int capacity, final long retentionMs)
    {
        this.capacity = capacity;
        this.retentionMs = retentionMs;
    }

    void put(final int domainId, final long mac, final int address)
    {
        Long2LongHashMap previous = byDomain.get(domainId);
        if (previous == null)
        {
            previous = new Long2LongHashMap(64, 0.65f, NONE);
            byDomain.put(domainId, previous);
        }
        final int sequence = nextSequence++;
        if (previous.put(mac, ((long)sequence << 32) | (address & 0xFFFF_FFFFL)) == NONE)
        {
            size++;
        }
        if (count == ringMacs.length)
        {
            grow();
        }
        final int at = (head + count++) % ringMacs.length;
        ringDomains[at] = domainId;
        ringMacs[at] = mac;
        ringSequences[at] = sequence;
        ringStamps[at] = UNSTAMPED;
        unstamped++;
        while (count > capacity)
        {
            dropOldest();
        }
    }

    /** The client's previous address, or 0. */
    int get(final int domainId, final long mac)
    {
        final Long2LongHashMap previous = byDomain.get(domainId);
        if (previous == null)
        {
            return 0;
        }
        final long value = previous.get(mac);
        return value == NONE ? 0 : (int)value;
    }

    void remove(final int domainId, final long mac)
    {
        final Long2LongHashMap previous = byDomain.get(domainId);
        if (previous != null && previous.remove(mac) != NONE)
        {
            size--;
        }
    }

    /** Forgets the entries older than the retention. */
    void prune(final long nowMs)
    {
        for (int i = count - unstamped; i < count; i++)
        {
            ringStamps[(head + i) % ringMacs.length] = nowMs;
        }
        unstamped = 0;
        while (count > 0 && ringStamps[head] + retentionMs <= nowMs)
        {
            dropOldest();
        }
    }

    /** Clients with a previous address remembered. */
    int size()
    {
        return size;
    }

    private void dropOldest()
    {
        final Long2LongHashMap previous = byDomain.get(ringDomains[head]);
        final long mac = ringMacs[head];
        // The client may have ended a later binding since: only its entry from this ring slot goes.
        if (previous != null && (int)(previous.get(mac) >>> 32) == ringSequences[head] && previous.remove(mac) != NONE)
        {
            size--;
        }
        head = (head + 1) % ringMacs.length;
        count--;
        unstamped = Math.min(unstamped, count);
    }

    private void grow()
    {
        final int n = ringMacs.length * 2;
        ringDomains = unroll(ringDomains, n);
        ringMacs = unroll(ringMacs, n);
        ringSequences = unroll(ringSequences, n);
        ringStamps = unroll(ringStamps, n);
        head = 0;
    }

    private int[] unroll(final int[] ring, final int length)
    {
        final int[] out = Arrays.copyOf(Arrays.copyOfRange(ring, head, ring.length), length);
        System.arraycopy(ring, 0, out, ring.length - head, head);
        return out;
    }

    private long[] unroll(final long[] ring, final int length)
    {
        final long[] out = Arrays.copyOf(Arrays.copyOfRange(ring, head, ring.length), length);
        System.arraycopy(ring, 0, out, ring.length - head, head);
        return out;
    }
}
