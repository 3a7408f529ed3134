package io.dvmc.dataplane;

import io.dvmc.ipc.DhcpRequestMessage;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongArrayList;
import org.agrona.collections.LongLongConsumer;

/**
 * The VMs whose RELEASE or DECLINE this dataplane handed to the agent: the agent passes one on to the service as long
 * as it is younger than {@link DhcpRequestMessage#MAX_AGE_MS}, also when it comes back from a crash, and the service
 * then frees the address. A grant on the fast path in between would leave the VM with an ACK for a free address, so
 * a held VM takes the slow path (RFC 2131 §4.4.6: after its RELEASE the client no longer owns the address) until
 * the agent can no longer pass the RELEASE on. The agent removes the host lease when it does, so a later request is
 * answered by the service in any case.
 *
 * <p>Fixed capacity, primitive keys, no allocation per frame. One worker's table ({@link #ReleaseHolds}) takes no
 * lock. With several lanes every lane's worker shares one table ({@link #shared}): a VM's RELEASE and its next
 * DISCOVER are different flows and may reach different lanes. A lock guards a shared table, taken only while it holds
 * some VM whose hold has not run out: expired holds leave the table only when looked up or pruned, and must not cost
 * every later frame the lock.
 */
final class ReleaseHolds
{
    private final int capacity;
    private final Long2LongHashMap untilMs;
    private final LongArrayList expired;
    private final LongLongConsumer collectExpired = this::collectExpired;
    private long pruneNowMs;
    /** The table's size as last changed, read without the lock: zero is the common case and needs no lock. */
    private volatile int held;
    /** The latest end of any hold so far, read without the lock: past it, every hold has run out. */
    private volatile long lastUntilMs = Long.MIN_VALUE;
    private final boolean shared;

    /** A table for one worker's thread. */
    ReleaseHolds(final int capacity)
    {
        this(capacity, false);
    }

    /** A table the workers of several lanes share. */
    static ReleaseHolds shared(final int capacity)
    {
        return new ReleaseHolds(capacity, true);
    }

    private ReleaseHolds(final int capacity, final boolean shared)
    {
        this.shared = shared;
        this.capacity = capacity;
        this.untilMs = new Long2LongHashMap(capacity * 2, 0.65f, Long.MIN_VALUE);
        this.expired = new LongArrayList(capacity, Long.MIN_VALUE);
    }

    /** A 64-bit key for (domain, MAC): a collision only holds another VM off the fast path for a while. */
    private static long key(final int domainId, final long mac)
    {
        return (mac & 0xFFFF_FFFF_FFFFL) ^ ((domainId & 0xFFFF_FFFFL) * 0x9E37_79B9_7F4A_7C15L);
    }

    /**
     * Holds the VM off the fast path for as long as the agent may pass on a RELEASE or DECLINE received at
     * {@code receivedMs}.
     *
     * @return false if the table is full of live holds: the RELEASE must then not be handed over (losing it only
     *         keeps the address until the lease ends).
     */
    boolean hold(final int domainId, final long mac, final long receivedMs)
    {
        if (!shared)
        {
            return add(domainId, mac, receivedMs);
        }
        synchronized (this)
        {
            return add(domainId, mac, receivedMs);
        }
    }

    private boolean add(final int domainId, final long mac, final long receivedMs)
    {
        if (untilMs.size() >= capacity && prune(receivedMs) == 0)
        {
            return false;
        }
        // Inclusive of the agent's last millisecond, and a little past it for the two processes' reads of the clock.
        final long until = receivedMs + DhcpRequestMessage.MAX_AGE_MS + 1_000;
        untilMs.put(key(domainId, mac), until);
        held = untilMs.size();
        if (until > lastUntilMs)
        {
            lastUntilMs = until;
        }
        return true;
    }

    /** Whether the VM's RELEASE or DECLINE may still reach the service. */
    boolean isHeld(final int domainId, final long mac, final long nowMs)
    {
        if (held == 0 || nowMs > lastUntilMs)
        {
            return false;
        }
        if (!shared)
        {
            return lookUp(domainId, mac, nowMs);
        }
        synchronized (this)
        {
            return lookUp(domainId, mac, nowMs);
        }
    }

    private boolean lookUp(final int domainId, final long mac, final long nowMs)
    {
        final long k = key(domainId, mac);
        final long until = untilMs.get(k);
        if (until == Long.MIN_VALUE)
        {
            return false;
        }
        if (nowMs > until)
        {
            untilMs.remove(k);
            held = untilMs.size();
            return false;
        }
        return true;
    }

    int size()
    {
        return held;
    }

    private int prune(final long nowMs)
    {
        pruneNowMs = nowMs;
        expired.clear();
        untilMs.forEachLong(collectExpired);
        for (int i = 0; i < expired.size(); i++)
        {
            untilMs.remove(expired.getLong(i));
        }
        held = untilMs.size();
        return expired.size();
    }

    private void collectExpired(final long key, final long until)
    {
        if (pruneNowMs > until)
        {
            expired.addLong(key);
        }
    }
}
