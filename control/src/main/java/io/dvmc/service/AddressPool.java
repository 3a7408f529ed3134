package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.policy.Domain;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The addresses of one domain, as bitsets over the span from the lowest to the highest pool or reserved address.
 * An address is handed out dynamically when it is in a pool, not excluded, not the network, broadcast, router
 * or server address, not reserved, not in use and not held (declined or quarantined). A reserved address goes only
 * to its client: the one that sends its client identifier (option 61), else the one with its MAC (RFC 2131 §4.2:
 * the identifier, when present, names the client). A client identifier is what the client says it is: any VM of
 * the domain that sends a reserved one gets its address, as any that sent the reserved MAC would.
 * Single-threaded.
 */
final class AddressPool
{
    /** 16 Mi addresses (a /8 of pools): 2 MiB per bitset. */
    static final long MAX_SPAN = 1L << 24;
    /**
     * Addresses in a block that a replica claims for itself when leases are shared (DESIGN §5, the "hierarchical"
     * servers): blocks start at the pool's lowest address, every {@code BLOCK} addresses (sixteen bitset words).
     * A claim costs a few etcd round trips; a block this size keeps claims rare next to the bindings.
     */
    static final int BLOCK = 1024;
    private static final int BLOCK_WORDS = BLOCK >>> 6;

    private final Domain domain;
    private final int base;
    private final int span;
    private final long[] dynamic;
    private final long[] reserved;
    private final long[] used;
    private final long[] declined;
    /** {@link ClientKeys} of reserved client identifiers to their addresses. */
    private final Long2LongHashMap reservedByClient = new Long2LongHashMap(0);
    /** Words of the blocks this replica claimed, or null when every address is this service's. */
    private long[] owned;
    private int searchFromWord;
    private int usedCount;

    AddressPool(final Domain domain)
    {
        this.domain = domain;
        long low = 0xFFFF_FFFFL;
        long high = 0;
        for (final Domain.AddressRange r : domain.pools())
        {
            low = Math.min(low, r.first() & 0xFFFF_FFFFL);
            high = Math.max(high, r.last() & 0xFFFF_FFFFL);
        }
        for (final Domain.Reservation r : domain.reservations())
        {
            low = Math.min(low, r.address() & 0xFFFF_FFFFL);
            high = Math.max(high, r.address() & 0xFFFF_FFFFL);
        }
        final long size = high >= low ? high - low + 1 : 0;
        if (size > MAX_SPAN)
        {
            throw new IllegalArgumentException(domain.label() + ": pools span " + size + " addresses, more than " +
                MAX_SPAN);
        }
        base = (int)low;
        span = (int)size;
        final int words = (span + 63) >>> 6;
        dynamic = new long[words];
        reserved = new long[words];
        used = new long[words];
        declined = new long[words];

        for (final Domain.AddressRange r : domain.pools())
        {
            for (long a = r.first() & 0xFFFF_FFFFL; a <= (r.last() & 0xFFFF_FFFFL); a++)
            {
                set(dynamic, (int)a);
            }
        }
        for (final Domain.AddressRange r : domain.exclusions())
        {
            for (long a = r.first() & 0xFFFF_FFFFL; a <= (r.last() & 0xFFFF_FFFFL); a++)
            {
                clear(dynamic, (int)a);
            }
        }
        clear(dynamic, domain.network());
        clear(dynamic, domain.broadcast());
        clear(dynamic, domain.router());
        clear(dynamic, domain.serverIp());
        for (final Domain.Reservation r : domain.reservations())
        {
            set(reserved, r.address());
            if (r.byClientId())
            {
                final byte[] id = r.clientIdBytes();
                reservedByClient.put(ClientKeys.of(new UnsafeBuffer(id), 0, id.length), r.address());
            }
        }
    }

    /** The address reserved for the client identifier's key, else for the MAC, or 0. */
    int reservedFor(final long mac, final long clientKey)
    {
        if (clientKey != ClientKeys.NONE)
        {
            final int byClient = (int)reservedByClient.get(clientKey);
            if (byClient != 0)
            {
                return byClient;
            }
        }
        return domain.reservedAddress(mac);
    }

    Domain domain()
    {
        return domain;
    }

    /**
     * Picks an address for a client without a current binding, in the order of RFC 2131 §4.3.1: its reserved
     * address, else its previous address, else the requested one, each only if free; else the lowest free address.
     * The address is marked in use.
     *
     * @param previous  the client's address from an expired or released binding, or 0.
     * @param requested the address the client asked for (option 50), or 0.
     */
    int allocate(final long mac, final int previous, final int requested) throws OutOfAddressesException
    {
        return allocate(mac, ClientKeys.NONE, previous, requested);
    }

    /** {@link #allocate(long, int, int)} for a client that may have sent a client identifier. */
    int allocate(final long mac, final long clientKey, final int previous, final int requested)
        throws OutOfAddressesException
    {
        final int reservedAddress = reservedFor(mac, clientKey);
        if (reservedAddress != 0 && isFreeFor(reservedAddress, mac, clientKey))
        {
            take(reservedAddress);
            return reservedAddress;
        }
        if (previous != 0 && isFreeFor(previous, mac, clientKey))
        {
            take(previous);
            return previous;
        }
        if (requested != 0 && isFreeFor(requested, mac, clientKey))
        {
            take(requested);
            return requested;
        }
        for (int w = searchFromWord; w < dynamic.length; w++)
        {
            final long free = dynamic[w] & ~used[w] & ~reserved[w] & ~declined[w];
            if (free != 0)
            {
                searchFromWord = w;
                final int address = base + (w << 6) + Long.numberOfTrailingZeros(free);
                take(address);
                return address;
            }
        }
        searchFromWord = dynamic.length;
        throw new OutOfAddressesException(domain.label() + ": no free address in " + domain.pools());
    }

    /**
     * Like {@link #allocate}, but only inside the blocks this replica owns ({@link #restrictToOwnedBlocks}), so that
     * replicas rarely offer the same address; a client's reserved address is its own wherever it lies.
     *
     * @return the address taken, or 0 if the owned blocks have none for this client.
     */
    int allocateOwned(final long mac, final long clientKey, final int previous, final int requested)
    {
        final int reservedAddress = reservedFor(mac, clientKey);
        if (reservedAddress != 0 && isFreeFor(reservedAddress, mac, clientKey))
        {
            take(reservedAddress);
            return reservedAddress;
        }
        if (previous != 0 && isOwned(previous) && isFreeFor(previous, mac, clientKey))
        {
            take(previous);
            return previous;
        }
        if (requested != 0 && isOwned(requested) && isFreeFor(requested, mac, clientKey))
        {
            take(requested);
            return requested;
        }
        for (int w = 0; w < dynamic.length; w++)
        {
            final long free = dynamic[w] & ~used[w] & ~reserved[w] & ~declined[w] & owned[w];
            if (free != 0)
            {
                final int address = base + (w << 6) + Long.numberOfTrailingZeros(free);
                take(address);
                return address;
            }
        }
        return 0;
    }

    /** From now on {@link #allocateOwned} hands out addresses of owned blocks only; none is owned yet. */
    void restrictToOwnedBlocks()
    {
        if (owned == null)
        {
            owned = new long[dynamic.length];
        }
    }

    /** The index of the block that starts at {@code first}, for {@link #unownedBlocksWithFree}. */
    int blockIndex(final int first)
    {
        return index(first) / BLOCK;
    }

    /** The block starting at {@code first} is this replica's. */
    void own(final int first)
    {
        if (owned != null && covers(first))
        {
            final int w = index(first) >>> 6;
            java.util.Arrays.fill(owned, w, Math.min(owned.length, w + BLOCK_WORDS), -1L);
        }
    }

    /**
     * The first addresses of blocks not owned that have a free dynamic address, lowest first, from the block at
     * {@code fromBlock} (a block index, 0 for the pool's first block) on.
     *
     * @return how many were written to {@code firsts}.
     */
    int unownedBlocksWithFree(final int[] firsts, final int fromBlock)
    {
        int count = 0;
        for (int w = fromBlock * BLOCK_WORDS; w < dynamic.length && count < firsts.length; w += BLOCK_WORDS)
        {
            for (int i = w, end = Math.min(dynamic.length, w + BLOCK_WORDS); i < end; i++)
            {
                if ((owned == null || owned[i] == 0) &&
                    (dynamic[i] & ~used[i] & ~reserved[i] & ~declined[i]) != 0)
                {
                    firsts[count++] = base + (w << 6);
                    break;
                }
            }
        }
        return count;
    }

    /** Whether the address is in one of this replica's blocks (always false without blocks). */
    boolean isOwned(final int address)
    {
        return owned != null && covers(address) && get(owned, address);
    }

    /** Whether {@code address} may be handed to {@code mac} now: free, and dynamic or reserved for it. */
    boolean isFreeFor(final int address, final long mac)
    {
        return isFreeFor(address, mac, ClientKeys.NONE);
    }

    /** Whether {@code address} may be handed to the client now: free, and dynamic or reserved for it. */
    boolean isFreeFor(final int address, final long mac, final long clientKey)
    {
        if (!covers(address) || get(used, address) || get(declined, address))
        {
            return false;
        }
        if (get(reserved, address))
        {
            return reservedFor(mac, clientKey) == address;
        }
        return get(dynamic, address);
    }

    /** Marks an address in use; addresses outside the span (a lease from an older policy) are ignored. */
    void take(final int address)
    {
        if (covers(address) && !get(used, address))
        {
            set(used, address);
            usedCount++;
        }
    }

    void release(final int address)
    {
        if (covers(address) && get(used, address))
        {
            clear(used, address);
            usedCount--;
            searchFromWord = Math.min(searchFromWord, index(address) >>> 6);
        }
    }

    /**
     * Holds an address out of the pool: declined (RFC 2131 §4.3.3) or quarantined. How long is for
     * {@link HeldAddresses} to say, which outlives the pool.
     */
    void hold(final int address)
    {
        set(declined, address);
    }

    /** The hold of an address ended. */
    void unhold(final int address)
    {
        if (covers(address))
        {
            clear(declined, address);
            searchFromWord = Math.min(searchFromWord, index(address) >>> 6);
        }
    }

    boolean isUsed(final int address)
    {
        return covers(address) && get(used, address);
    }

    boolean isDeclined(final int address)
    {
        return covers(address) && get(declined, address);
    }

    int usedCount()
    {
        return usedCount;
    }

    /** Addresses the pool hands out: its dynamic ranges and its reservations. */
    int size()
    {
        int size = 0;
        for (int w = 0; w < dynamic.length; w++)
        {
            size += Long.bitCount(dynamic[w] | reserved[w]);
        }
        return size;
    }

    /** Addresses held out of the pool: declined (RFC 2131 §4.3.3) or quarantined. */
    int heldCount()
    {
        int held = 0;
        for (final long word : declined)
        {
            held += Long.bitCount(word);
        }
        return held;
    }

    /** Addresses that could be handed out dynamically right now. */
    int freeCount()
    {
        int free = 0;
        for (int w = 0; w < dynamic.length; w++)
        {
            free += Long.bitCount(dynamic[w] & ~used[w] & ~reserved[w] & ~declined[w]);
        }
        return free;
    }

    public String toString()
    {
        return "AddressPool{" + domain.label() + " base=" + Addresses.ipv4(base) + " span=" + span +
            " used=" + usedCount + "}";
    }

    private boolean covers(final int address)
    {
        return Integer.toUnsignedLong(address - base) < span;
    }

    private int index(final int address)
    {
        return address - base;
    }

    private boolean get(final long[] bits, final int address)
    {
        final int i = index(address);
        return (bits[i >>> 6] & (1L << i)) != 0;
    }

    private void set(final long[] bits, final int address)
    {
        if (covers(address))
        {
            final int i = index(address);
            bits[i >>> 6] |= 1L << i;
        }
    }

    private void clear(final long[] bits, final int address)
    {
        if (covers(address))
        {
            final int i = index(address);
            bits[i >>> 6] &= ~(1L << i);
        }
    }
}
