package io.dvmc.agent;

import io.dvmc.exchange.SlotMemory;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.InetSocketAddress;

/**
 * The DVMC exchanges in flight, one per VM at most: which VM frame each DVMC transaction answers, or that it is the
 * agent's own refresh of the VM's host lease ({@link #REFRESH}, no frame). A fixed table of slots with the VM's
 * frame copied into {@link SlotMemory}, so the slow path allocates nothing per request once a slot was used.
 */
final class Exchanges
{
    static final int NONE = -1;
    static final int FRAME_CAPACITY = 2048;
    /** The "DHCP type" of a host lease refresh: no VM frame waits for it, and no DHCP type equals it. */
    static final int REFRESH = -1;
    /** The agent's own INFORM for a domain's changed options ({@link OptionsRefresh}), no VM, no frame. */
    static final int OPTIONS = -2;
    /** The MAC of an exchange that is no VM's: MAC 0 is never a VM's source address. */
    static final long NO_VM = 0;

    private final int capacity;
    private final long[] xid;
    private final int[] domain;
    private final long[] mac;
    private final int[] dhcpType;
    private final int[] dvmcType;
    private final int[] port;
    private final int[] frameLength;
    private final long[] vmMsb;
    private final long[] vmLsb;
    private final long[] startedMs;
    private final long[] startedNs;
    private final NanoClock nanoClock;
    private final InetSocketAddress[] service;
    private final SlotMemory frames;
    private final int[] free;
    private int freeCount;
    private int refreshes;
    private final Long2LongHashMap byXid;
    private final Long2LongHashMap byVm;

    Exchanges(final int capacity)
    {
        this(capacity, SystemNanoClock.INSTANCE);
    }

    /** @param nanoClock what times an exchange, from {@link #started} to {@link #elapsedNs}. */
    Exchanges(final int capacity, final NanoClock nanoClock)
    {
        this.capacity = capacity;
        this.nanoClock = nanoClock;
        startedNs = new long[capacity];
        xid = new long[capacity];
        domain = new int[capacity];
        mac = new long[capacity];
        dhcpType = new int[capacity];
        dvmcType = new int[capacity];
        port = new int[capacity];
        frameLength = new int[capacity];
        vmMsb = new long[capacity];
        vmLsb = new long[capacity];
        startedMs = new long[capacity];
        service = new InetSocketAddress[capacity];
        frames = new SlotMemory(capacity, FRAME_CAPACITY);
        free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        byXid = new Long2LongHashMap(capacity * 2, 0.65f, NONE);
        byVm = new Long2LongHashMap(capacity * 2, 0.65f, NONE);
    }

    /** A 64-bit key for (domain, MAC); a collision only costs the de-duplication of a retransmission. */
    private static long vmKey(final int domainId, final long vmMac)
    {
        return (vmMac & 0xFFFF_FFFF_FFFFL) ^ ((domainId & 0xFFFF_FFFFL) * 0x9E37_79B9_7F4A_7C15L);
    }

    int byVm(final int domainId, final long vmMac)
    {
        final int slot = (int)byVm.get(vmKey(domainId, vmMac));
        return slot != NONE && domain[slot] == domainId && mac[slot] == vmMac ? slot : NONE;
    }

    int byXid(final long transactionId)
    {
        return (int)byXid.get(transactionId);
    }

    /** @return a slot for a new exchange, or {@link #NONE} when the table is full. */
    int claim(final int domainId, final long vmMac, final long msb, final long lsb, final int vmPort)
    {
        if (freeCount == 0)
        {
            return NONE;
        }
        final int slot = free[--freeCount];
        domain[slot] = domainId;
        mac[slot] = vmMac;
        vmMsb[slot] = msb;
        vmLsb[slot] = lsb;
        port[slot] = vmPort;
        xid[slot] = 0;
        dhcpType[slot] = 0;
        byVm.put(vmKey(domainId, vmMac), slot);
        return slot;
    }

    /** @param nowMs when the DVMC request went out: a lease it brings back runs from then at most. */
    void started(
        final int slot, final long transactionId, final int dhcp, final int dvmc, final InetSocketAddress to,
        final long nowMs)
    {
        if (xid[slot] != 0)
        {
            byXid.remove(xid[slot]);
        }
        if (dhcp == REFRESH)
        {
            refreshes++;
        }
        xid[slot] = transactionId;
        startedMs[slot] = nowMs;
        startedNs[slot] = nanoClock.nanoTime();
        dhcpType[slot] = dhcp;
        dvmcType[slot] = dvmc;
        service[slot] = to;
        byXid.put(transactionId, slot);
    }

    void release(final int slot)
    {
        if (dhcpType[slot] == REFRESH)
        {
            refreshes--;
        }
        dhcpType[slot] = 0;
        byXid.remove(xid[slot]);
        final long key = vmKey(domain[slot], mac[slot]);
        if (byVm.get(key) == slot)
        {
            byVm.remove(key);
        }
        service[slot] = null;
        free[freeCount++] = slot;
    }

    /** Copies the VM's latest frame into the slot (a retransmission carries a new xid the reply must echo). */
    boolean storeFrame(final int slot, final org.agrona.DirectBuffer src, final int offset, final int length)
    {
        if (length > FRAME_CAPACITY)
        {
            return false;
        }
        frames.buffer(slot).putBytes(frames.offset(slot), src, offset, length);
        frameLength[slot] = length;
        return true;
    }

    /** Points {@code into} at the frame last stored in {@code slot}, {@link #FRAME_CAPACITY} bytes. */
    void wrapFrame(final int slot, final UnsafeBuffer into)
    {
        into.wrap(frames.buffer(slot), frames.offset(slot), FRAME_CAPACITY);
    }

    int frameLength(final int slot)
    {
        return frameLength[slot];
    }

    long transactionId(final int slot)
    {
        return xid[slot];
    }

    int domainId(final int slot)
    {
        return domain[slot];
    }

    long mac(final int slot)
    {
        return mac[slot];
    }

    int dhcpType(final int slot)
    {
        return dhcpType[slot];
    }

    int dvmcType(final int slot)
    {
        return dvmcType[slot];
    }

    int port(final int slot)
    {
        return port[slot];
    }

    long vmMsb(final int slot)
    {
        return vmMsb[slot];
    }

    long vmLsb(final int slot)
    {
        return vmLsb[slot];
    }

    long startedMs(final int slot)
    {
        return startedMs[slot];
    }

    /** Nanoseconds since the slot's latest request went out. */
    long elapsedNs(final int slot)
    {
        return nanoClock.nanoTime() - startedNs[slot];
    }

    boolean isRefresh(final int slot)
    {
        return dhcpType[slot] == REFRESH;
    }

    /** Host lease refreshes in flight. */
    int refreshes()
    {
        return refreshes;
    }

    InetSocketAddress service(final int slot)
    {
        return service[slot];
    }

    int inFlight()
    {
        return capacity - freeCount;
    }
}
