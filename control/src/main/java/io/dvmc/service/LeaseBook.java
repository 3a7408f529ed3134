package io.dvmc.service;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

/**
 * The service's in-memory leases, keyed by (domain id, MAC): two domains with the same subnet hold separate
 * leases. Leases live in parallel arrays indexed by slot (no object per lease); a per-domain primitive map finds
 * the slot of a MAC. When a lease ends its address is remembered as the client's previous address, which RFC 2131
 * §4.3.1 prefers when the client comes back, for a bounded time and number of clients ({@link PreviousAddresses}).
 * A lease may also carry the key of the client identifier (option 61) it was asked for with; {@link #findClient}
 * finds it by (domain, VM id, client key), so the VM id, which the host's binding vouches for, always takes part.
 * Single-threaded.
 */
final class LeaseBook
{
    static final int FREE = 0;
    /** Held for the client between OFFER and REQUEST (RFC 2131 §4.3.1). */
    static final int OFFERED = 1;
    /** Acknowledged; held until the host lease expires (DESIGN §5). */
    static final int BOUND = 2;

    static final int NONE = -1;
    private static final int INITIAL_CAPACITY = 1024;

    private int[] domainIds = new int[INITIAL_CAPACITY];
    private long[] macs = new long[INITIAL_CAPACITY];
    private int[] addresses = new int[INITIAL_CAPACITY];
    private int[] states = new int[INITIAL_CAPACITY];
    private long[] expiresAtMs = new long[INITIAL_CAPACITY];
    private long[] vmIdMsbs = new long[INITIAL_CAPACITY];
    private long[] vmIdLsbs = new long[INITIAL_CAPACITY];
    private int[] locationAddresses = new int[INITIAL_CAPACITY];
    private int[] locationPorts = new int[INITIAL_CAPACITY];
    private long[] transactionIds = new long[INITIAL_CAPACITY];
    private long[] clientKeys = new long[INITIAL_CAPACITY];
    /** Packed host name and FQDN ({@link ClientNames}), or null; replaced only when the client's names change. */
    private byte[][] names = new byte[INITIAL_CAPACITY][];
    private int[] freeSlots = new int[INITIAL_CAPACITY];
    private int freeCount;
    private int highWater;
    private int size;
    private int boundCount;

    private final Int2ObjectHashMap<Long2LongHashMap> slotsByDomain = new Int2ObjectHashMap<>();
    private final PreviousAddresses previous;
    /** (domain id, address) → slot of the lease that last took the address; for leases shared by replicas. */
    private final Long2LongHashMap slotByAddress = new Long2LongHashMap(1024, 0.65f, NONE, true);
    /** Hash of (domain, VM id, client key) → slot; a hit is checked field by field ({@link #findClient}). */
    private final Long2LongHashMap slotByClient = new Long2LongHashMap(1024, 0.65f, NONE, true);

    LeaseBook()
    {
        this(PreviousAddresses.DEFAULT_CAPACITY, PreviousAddresses.DEFAULT_RETENTION_MS);
    }

    /** A book that remembers at most {@code previousCapacity} previous addresses, for {@code previousRetentionMs}. */
    LeaseBook(final int previousCapacity, final long previousRetentionMs)
    {
        previous = new PreviousAddresses(previousCapacity, previousRetentionMs);
    }

    /** The slot of (domain, MAC), or {@link #NONE}. */
    int find(final int domainId, final long mac)
    {
        final Long2LongHashMap slots = slotsByDomain.get(domainId);
        return slots == null ? NONE : (int)slots.get(mac);
    }

    /** The slot of the lease holding (domain, address), or {@link #NONE}. */
    int findAddress(final int domainId, final int address)
    {
        return (int)slotByAddress.get(addressKey(domainId, address));
    }

    /**
     * The slot of the lease that VM {@code (vmIdMsb, vmIdLsb)} of the domain holds for the client key, whatever its
     * MAC, or {@link #NONE}. Never another VM's lease: the VM id is compared, not only hashed.
     */
    int findClient(final int domainId, final long vmIdMsb, final long vmIdLsb, final long clientKey)
    {
        if (clientKey == ClientKeys.NONE)
        {
            return NONE;
        }
        final int slot = (int)slotByClient.get(clientIndexKey(domainId, vmIdMsb, vmIdLsb, clientKey));
        return slot != NONE && states[slot] != FREE && domainIds[slot] == domainId && vmIdMsbs[slot] == vmIdMsb &&
            vmIdLsbs[slot] == vmIdLsb && clientKeys[slot] == clientKey ? slot : NONE;
    }

    /** Notes the client key the lease was last asked for with, under the lease's current VM id. */
    void clientKey(final int slot, final long clientKey)
    {
        if (clientKey != clientKeys[slot] && clientKey != ClientKeys.NONE)
        {
            // An identifier kept whole is the client's only while the client asks with it.
            names[slot] = ClientNames.keptFor(names[slot], clientKey);
        }
        unindexClient(slot);
        clientKeys[slot] = clientKey;
        if (clientKey != ClientKeys.NONE)
        {
            slotByClient.put(clientIndexKey(domainIds[slot], vmIdMsbs[slot], vmIdLsbs[slot], clientKey), slot);
        }
    }

    /** The client key the lease was last asked for with, or {@link ClientKeys#NONE}. */
    long clientKey(final int slot)
    {
        return clientKeys[slot];
    }

    /** Notes the names the client gave, unless they are the ones noted; a client identifier kept whole stays. */
    void names(final int slot, final ClientNames given)
    {
        if (!given.sameAs(names[slot]))
        {
            names[slot] = given.toPacked(names[slot]);
        }
    }

    /** Notes packed names as read from a store. */
    void names(final int slot, final byte[] packed)
    {
        names[slot] = packed;
    }

    /** The packed names of the lease's client, or null. */
    byte[] names(final int slot)
    {
        return names[slot];
    }

    /** Adds a lease for a (domain, MAC) that has none. */
    int add(final int domainId, final long mac, final int address, final int state, final long expiresAt)
    {
        final int slot = freeCount > 0 ? freeSlots[--freeCount] : nextSlot();
        domainIds[slot] = domainId;
        macs[slot] = mac;
        addresses[slot] = address;
        states[slot] = state;
        expiresAtMs[slot] = expiresAt;
        vmIdMsbs[slot] = 0;
        vmIdLsbs[slot] = 0;
        locationAddresses[slot] = 0;
        locationPorts[slot] = 0;
        transactionIds[slot] = 0;
        clientKeys[slot] = ClientKeys.NONE;
        names[slot] = null;
        slots(domainId).put(mac, slot);
        slotByAddress.put(addressKey(domainId, address), slot);
        size++;
        if (state == BOUND)
        {
            boundCount++;
        }
        return slot;
    }

    /** Ends a lease and remembers its address as the client's previous one. */
    void remove(final int slot)
    {
        final int domainId = domainIds[slot];
        final long mac = macs[slot];
        slotsByDomain.get(domainId).remove(mac);
        final long addressKey = addressKey(domainId, addresses[slot]);
        if (slotByAddress.get(addressKey) == slot)
        {
            slotByAddress.remove(addressKey);
        }
        unindexClient(slot);
        clientKeys[slot] = ClientKeys.NONE;
        names[slot] = null;
        if (states[slot] == BOUND)
        {
            boundCount--;
            previous.put(domainId, mac, addresses[slot]);
        }
        states[slot] = FREE;
        freeSlots[freeCount++] = slot;
        size--;
    }

    /** The address of the client's last ended binding, or 0. */
    int previousAddress(final int domainId, final long mac)
    {
        return previous.get(domainId, mac);
    }

    /** Forgets a previous address, e.g. once it has been handed to someone else. */
    void forgetPrevious(final int domainId, final long mac)
    {
        previous.remove(domainId, mac);
    }

    /** Forgets previous addresses past their retention; see {@link PreviousAddresses}. */
    void prunePrevious(final long nowMs)
    {
        previous.prune(nowMs);
    }

    /** Clients whose previous address is remembered. */
    int previousCount()
    {
        return previous.size();
    }

    void bind(final int slot, final long expiresAt)
    {
        if (states[slot] != BOUND)
        {
            boundCount++;
            states[slot] = BOUND;
        }
        expiresAtMs[slot] = expiresAt;
    }

    /** A binding that did not become durable is an offer again, held for its client until {@code expiresAt}. */
    void unbind(final int slot, final long expiresAt)
    {
        if (states[slot] == BOUND)
        {
            boundCount--;
            states[slot] = OFFERED;
        }
        expiresAtMs[slot] = expiresAt;
    }

    void expiresAt(final int slot, final long expiresAt)
    {
        expiresAtMs[slot] = expiresAt;
    }

    void client(final int slot, final long vmIdMsb, final long vmIdLsb, final int locationAddress,
        final int locationPort)
    {
        if (clientKeys[slot] != ClientKeys.NONE && (vmIdMsbs[slot] != vmIdMsb || vmIdLsbs[slot] != vmIdLsb))
        {
            // Another VM id speaks for this MAC now: the client key it came with was the other VM's.
            clientKey(slot, ClientKeys.NONE);
        }
        vmIdMsbs[slot] = vmIdMsb;
        vmIdLsbs[slot] = vmIdLsb;
        locationAddresses[slot] = locationAddress;
        locationPorts[slot] = locationPort;
    }

    void transactionId(final int slot, final long transactionId)
    {
        transactionIds[slot] = transactionId;
    }

    int domainId(final int slot)
    {
        return domainIds[slot];
    }

    long mac(final int slot)
    {
        return macs[slot];
    }

    int address(final int slot)
    {
        return addresses[slot];
    }

    int state(final int slot)
    {
        return states[slot];
    }

    long expiresAtMs(final int slot)
    {
        return expiresAtMs[slot];
    }

    long vmIdMsb(final int slot)
    {
        return vmIdMsbs[slot];
    }

    long vmIdLsb(final int slot)
    {
        return vmIdLsbs[slot];
    }

    int locationAddress(final int slot)
    {
        return locationAddresses[slot];
    }

    int locationPort(final int slot)
    {
        return locationPorts[slot];
    }

    /** The transaction that last bound or renewed the lease, to recognise its retransmissions. */
    long transactionId(final int slot)
    {
        return transactionIds[slot];
    }

    /** Slots are {@code 0 ..< slotLimit()}; a slot is in use when its state is not {@link #FREE}. */
    int slotLimit()
    {
        return highWater;
    }

    int size()
    {
        return size;
    }

    int boundCount()
    {
        return boundCount;
    }

    /** The (MAC → slot) map of a domain, or null; for walking a domain's leases. */
    Long2LongHashMap domainSlots(final int domainId)
    {
        return slotsByDomain.get(domainId);
    }

    static long addressKey(final int domainId, final int address)
    {
        return ((long)domainId << 32) | (address & 0xFFFF_FFFFL);
    }

    private void unindexClient(final int slot)
    {
        if (clientKeys[slot] == ClientKeys.NONE)
        {
            return;
        }
        final long key = clientIndexKey(domainIds[slot], vmIdMsbs[slot], vmIdLsbs[slot], clientKeys[slot]);
        if (slotByClient.get(key) == slot)
        {
            slotByClient.remove(key);
        }
    }

    private static long clientIndexKey(final int domainId, final long vmIdMsb, final long vmIdLsb, final long clientKey)
    {
        long h = clientKey;
        h = ClientKeys.mix(h ^ vmIdMsb);
        h = ClientKeys.mix(h ^ vmIdLsb);
        return ClientKeys.mix(h ^ domainId);
    }

    private Long2LongHashMap slots(final int domainId)
    {
        Long2LongHashMap slots = slotsByDomain.get(domainId);
        if (slots == null)
        {
            slots = new Long2LongHashMap(64, 0.65f, NONE, true);
            slotsByDomain.put(domainId, slots);
        }
        return slots;
    }

    private int nextSlot()
    {
        if (highWater == domainIds.length)
        {
            final int n = domainIds.length * 2;
            domainIds = Arrays.copyOf(domainIds, n);
            macs = Arrays.copyOf(macs, n);
            addresses = Arrays.copyOf(addresses, n);
            states = Arrays.copyOf(states, n);
            expiresAtMs = Arrays.copyOf(expiresAtMs, n);
            vmIdMsbs = Arrays.copyOf(vmIdMsbs, n);
            vmIdLsbs = Arrays.copyOf(vmIdLsbs, n);
            locationAddresses = Arrays.copyOf(locationAddresses, n);
            locationPorts = Arrays.copyOf(locationPorts, n);
            transactionIds = Arrays.copyOf(transactionIds, n);
            clientKeys = Arrays.copyOf(clientKeys, n);
            names = Arrays.copyOf(names, n);
            freeSlots = Arrays.copyOf(freeSlots, n);
        }
        return highWater++;
    }
}
