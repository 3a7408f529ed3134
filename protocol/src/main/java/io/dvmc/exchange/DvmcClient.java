package io.dvmc.exchange;

import io.dvmc.config.Addresses;
import io.dvmc.config.IoFaults;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * The agent's side of the DVMC exchange (DESIGN §4, patent FIG. 4 steps 440–470): non-blocking and single-threaded,
 * driven by {@link #poll()} from an agent duty cycle.
 *
 * <p>{@link #send} starts a transaction: it encodes the request once into the transaction's slot of a
 * preallocated slab, signs it and sends it to the service. Until a matching reply arrives the request is re-stamped,
 * re-signed and resent on the {@link RetryPolicy} schedule, whose waits
 * stretch to the service's measured reply latency (RFC 6298) so that a slow service is not sent every request
 * again; after the last try the transaction ends with
 * {@link Listener#onTimeout}. A reply matches when its transaction id is in the table and its type answers the
 * request's type; the transaction then ends with {@link Listener#onReply}, so duplicates of that reply find no
 * transaction and are dropped. Transactions live in fixed arrays indexed by slot, found by a primitive
 * xid → slot map: nothing is allocated per message.
 *
 * <p>Two clocks: message timestamps and the authentication window are the wall clock's, since the service checks
 * them against its own; retransmission deadlines are the monotonic clock's, so that a step of the wall clock
 * neither freezes them (backward) nor fires every one at once (forward).
 *
 * <p>Transaction ids are {@code hostId << 32 | counter} (patent field 200), unique per agent.
 */
public final class DvmcClient implements AutoCloseable
{
    /** Receives the end of every transaction, on the thread that calls {@link #poll}. */
    public interface Listener
    {
        /** A reply answered transaction {@code transactionId}; {@code reply} is valid only during the call. */
        void onReply(long transactionId, DvmcMessage reply);

        /** No reply came after the last try. */
        void onTimeout(long transactionId);

        /**
         * A service revoked a lease of a VM here ({@link DvmcMessageType#REVOKE}), authenticated and not a replay;
         * {@code revoke} is valid only during the call. A client that keeps no host leases ignores it.
         */
        default void onRevoke(final DvmcMessage revoke)
        {
        }
    }

    public static final int DEFAULT_CAPACITY = 1024;
    private static final int RECEIVE_BATCH = 16;
    /** Replies the receive buffer holds at most: 8 MiB, the cap {@code deploy/sysctl/60-dvmc.conf} sets. */
    static final int RECEIVE_BURST = 4096;
    private static final long NO_SLOT = -1;

    private final DatagramChannel channel;
    private final Authenticator authenticator;
    /** Keys an operator loaded (SIGHUP, another thread), taken at the next {@link #poll}. */
    private final AtomicReference<NewKeys> newKeys = new AtomicReference<>();
    private final EpochClock clock;
    private final NanoClock monotonic;
    private final Listener listener;
    private final RetryPolicy retry;
    private final int locationAddress;
    private final int locationPort;
    private final long hostIdBits;
    private int counter;

    /** recvmmsg/sendmmsg: one system call per burst of replies, and per duty cycle's requests while corked. */
    private final DatagramBatch batch;
    private int corked;
    private final DvmcMessage reply = new DvmcMessage();

    private final SlotMemory slab;
    private final DvmcMessageEncoder encoder = new DvmcMessageEncoder();

    private final long[] xids;
    private final long[] deadlines;
    private final long[] stamps;
    /** When each transaction's first try went out (monotonic): its reply measures the service's latency. */
    private final long[] startedNs;
    /** The service's smoothed reply latency and its mean deviation (RFC 6298), or -1 before the first reply. */
    private long smoothedNs = -1;
    private long deviationNs;
    private final int[] tries;
    private final int[] types;
    private final int[] lengths;
    private final InetSocketAddress[] endpoints;
    /** The endpoint each request's HMAC is bound to, resolved once per endpoint a slot is sent to. */
    private final InetSocketAddress[] boundEndpoints;
    private final int[] boundAddresses;
    private final int[] freeSlots;
    private int freeCount;
    private final Long2LongHashMap slotByXid;
    /** The earliest deadline, or "never" ({@code Long.MAX_VALUE} after the last look) when there is none. */
    private long nextDeadlineNs;

    private final long[] drops = new long[DvmcError.COUNT];
    private long retransmits;
    private long timeouts;
    private long replies;
    private long revokes;

    public DvmcClient(
        final InetSocketAddress bindAddress,
        final int locationAddress,
        final int hostId,
        final Authenticator authenticator,
        final EpochClock clock,
        final Listener listener) throws IOException
    {
        this(bindAddress, locationAddress, hostId, DEFAULT_CAPACITY, RetryPolicy.DEFAULT, authenticator, clock,
            listener);
    }

    /**
     * @param bindAddress     local address to receive replies on; port 0 picks one.
     * @param locationAddress this host's IPv4 address for field 220, or 0 to use {@code bindAddress}'s.
     * @param hostId          the high 32 bits of every transaction id, unique per agent in the cluster.
     * @param capacity        how many transactions may be in flight.
     * @param clock           wall clock for message timestamps and the authentication window.
     */
    public DvmcClient(
        final InetSocketAddress bindAddress,
        final int locationAddress,
        final int hostId,
        final int capacity,
        final RetryPolicy retry,
        final Authenticator authenticator,
        final EpochClock clock,
        final Listener listener) throws IOException
    {
        this(bindAddress, locationAddress, hostId, capacity, retry, authenticator, clock, SystemNanoClock.INSTANCE,
            listener);
    }

    /**
     * @param clock     wall clock for message timestamps and the authentication window.
     * @param monotonic clock of the retransmission deadlines.
     * @see #DvmcClient(InetSocketAddress, int, int, int, RetryPolicy, Authenticator, EpochClock, Listener)
     */
    public DvmcClient(
        final InetSocketAddress bindAddress,
        final int locationAddress,
        final int hostId,
        final int capacity,
        final RetryPolicy retry,
        final Authenticator authenticator,
        final EpochClock clock,
        final NanoClock monotonic,
        final Listener listener) throws IOException
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.authenticator = authenticator;
        this.clock = clock;
        this.monotonic = monotonic;
        this.nextDeadlineNs = monotonic.nanoTime() + Long.MAX_VALUE;
        this.listener = listener;
        this.retry = retry;
        this.hostIdBits = (hostId & 0xFFFF_FFFFL) << 32;
        this.counter = ThreadLocalRandom.current().nextInt();

        final int location = locationAddress != 0 ? locationAddress : ipv4(bindAddress);
        if (location == 0)
        {
            throw new IllegalArgumentException("a location address is needed when bound to " + bindAddress);
        }
        this.locationAddress = location;

        channel = DatagramChannel.open(StandardProtocolFamily.INET);
        try
        {
            channel.configureBlocking(false);
            try
            {
                channel.bind(bindAddress);
            }
            catch (final IOException ex)
            {
                throw IoFaults.bind(bindAddress, ex);
            }
            // A service replies to a batch at once: room for several batches (a large window is not answered at once).
            ReceiveBuffer.size(channel, Math.min(capacity, RECEIVE_BURST), "dvmc client on " + bindAddress);
            this.locationPort = ((InetSocketAddress)channel.getLocalAddress()).getPort();
            // One more byte than a message may have: a longer datagram shows as too long rather than cut short.
            this.batch = new DatagramBatch(channel, RECEIVE_BATCH, DvmcMessage.MAX_LENGTH + 1);
            // A service's REVOKE is bound to this location, as the requests sent from here are to the service's.
            authenticator.receiverEndpoint(location, locationPort);
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            throw ex;
        }

        slab = new SlotMemory(capacity, DvmcMessage.MAX_LENGTH);
        xids = new long[capacity];
        deadlines = new long[capacity];
        stamps = new long[capacity];
        startedNs = new long[capacity];
        tries = new int[capacity];
        types = new int[capacity];
        lengths = new int[capacity];
        endpoints = new InetSocketAddress[capacity];
        boundEndpoints = new InetSocketAddress[capacity];
        boundAddresses = new int[capacity];
        freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeSlots[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        slotByXid = new Long2LongHashMap(capacity * 2, 0.65f, NO_SLOT);
    }

    /** Starts a transaction without a configuration block. */
    public long send(
        final int type,
        final InetSocketAddress service,
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int requestedAddress,
        final int serverId)
    {
        return send(type, service, domainId, mac, vmIdMsb, vmIdLsb, requestedAddress, serverId, null, 0, 0);
    }

    /**
     * Starts a transaction and sends its first try.
     *
     * @param type             a request type: DISCOVER, REQUEST, RELEASE, DECLINE, INFORM, LEASEQUERY or BOOTP.
     * @param service          the service endpoint (resolved), from the policy store's location reply.
     * @param requestedAddress the address asked for (the offered one in a REQUEST), or 0.
     * @param serverId         the server id from the OFFER, or 0.
     * @param config           DHCP option TLVs for field 225 (the VM's own options), or null.
     * @return the transaction id, or (see {@link #isError}) {@link DvmcError#BAD_TYPE},
     *     {@link DvmcError#TABLE_FULL}, {@link DvmcError#BAD_LENGTH}.
     */
    public long send(
        final int type,
        final InetSocketAddress service,
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int requestedAddress,
        final int serverId,
        final DirectBuffer config,
        final int configOffset,
        final int configLength)
    {
        if (!DvmcMessageType.isRequest(type))
        {
            return DvmcError.BAD_TYPE;
        }
        if (freeCount == 0)
        {
            drops[-DvmcError.TABLE_FULL]++;
            return DvmcError.TABLE_FULL;
        }
        final long xid = nextTransactionId();
        final int slot = freeSlots[freeCount - 1];
        encoder.wrap(slab.buffer(slot), slab.offset(slot), DvmcMessage.MAX_LENGTH)
            .type(type)
            .transactionId(xid)
            .domainId(domainId)
            .mac(mac)
            .vmId(vmIdMsb, vmIdLsb)
            .location(locationAddress, locationPort)
            .yiaddr(requestedAddress)
            .serverId(serverId);
        if (config != null && !encoder.config(config, configOffset, configLength))
        {
            return DvmcError.BAD_LENGTH;
        }
        freeCount--;
        xids[slot] = xid;
        types[slot] = type;
        lengths[slot] = encoder.length();
        endpoints[slot] = service;
        tries[slot] = 0;
        stamps[slot] = Long.MIN_VALUE;
        slotByXid.put(xid, slot);
        final long nowNs = monotonic.nanoTime();
        startedNs[slot] = nowNs;
        transmit(slot, nowNs);
        return xid;
    }

    /** Forgets a transaction without a callback; a late reply to it is dropped as unmatched. */
    public boolean cancel(final long transactionId)
    {
        final long slot = slotByXid.get(transactionId);
        if (slot == NO_SLOT)
        {
            return false;
        }
        release((int)slot);
        return true;
    }

    /**
     * Receives and dispatches replies, then retransmits or times out due transactions.
     *
     * @return the amount of work done, for the idle strategy.
     */
    /**
     * Signs with {@code signingKeyId} of {@code ring} and verifies replies with the ring from the next {@link #poll}
     * on: a key rotated on a running host (DESIGN §4). Any thread; checked here, so a bad ring is refused at once.
     */
    public void reloadKeys(final KeyRing ring, final int signingKeyId)
    {
        if (ring.key(signingKeyId) == null)
        {
            throw new IllegalArgumentException("signing key " + signingKeyId + " is not in the ring " +
                ring.describe());
        }
        newKeys.set(new NewKeys(ring, signingKeyId));
    }

    public int poll()
    {
        final NewKeys keys = newKeys.getAndSet(null);
        if (keys != null)
        {
            authenticator.rekey(keys.ring(), keys.signingKeyId());
        }
        final long nowMs = clock.time();
        cork();
        try
        {
            final int n = batch.receive();
            for (int i = 0; i < n; i++)
            {
                onDatagram(batch.offset(i), batch.length(i), nowMs);
            }
            int work = n;
            final long nowNs = monotonic.nanoTime();
            if (nowNs - nextDeadlineNs >= 0)
            {
                work += checkDeadlines(nowNs);
            }
            return work;
        }
        finally
        {
            uncork();
        }
    }

    /**
     * Holds the requests sent from now on until the matching {@link #uncork}, which sends them all with one system
     * call: a caller that starts many exchanges in one duty cycle corks around it. Nests; {@link #poll} corks itself.
     */
    public void cork()
    {
        corked++;
    }

    /** Ends a {@link #cork}; the outermost sends what was held. */
    public void uncork()
    {
        if (--corked == 0 && batch.queued() > 0)
        {
            flushSends();
        }
    }

    private void flushSends()
    {
        final long failuresBefore = batch.sendFailures();
        batch.flush();
        // Lost like a dropped datagram; the next try resends it.
        drops[-DvmcError.SEND_FAILED] += batch.sendFailures() - failuresBefore;
    }

    /** Transactions in flight. */
    public int inFlight()
    {
        return xids.length - freeCount;
    }

    public InetSocketAddress localAddress()
    {
        return new InetSocketAddress(ipv4Address(locationAddress), locationPort);
    }

    /** The IPv4 address written into field 220. */
    public int locationAddress()
    {
        return locationAddress;
    }

    public int locationPort()
    {
        return locationPort;
    }

    /** Datagrams dropped or sends refused, by {@link DvmcError} code. */
    public long drops(final int errorCode)
    {
        return drops[-errorCode];
    }

    /** The socket replies arrive on, for a loop that sleeps until one does. */
    public DatagramChannel channel()
    {
        return channel;
    }

    public long retransmits()
    {
        return retransmits;
    }

    public long timeouts()
    {
        return timeouts;
    }

    public long replies()
    {
        return replies;
    }

    /** Authenticated REVOKEs handed to the listener. */
    public long revokes()
    {
        return revokes;
    }

    public long receiveErrors()
    {
        return batch.receiveErrors();
    }

    /** Whether a value returned by {@link #send} is an error code rather than a transaction id. */
    public static boolean isError(final long sendResult)
    {
        return sendResult < 0 && sendResult > -DvmcError.COUNT;
    }

    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // Closing a datagram channel releases the port either way.
        }
    }

    private void onDatagram(final int offset, final int length, final long nowMs)
    {
        if (length > DvmcMessage.MAX_LENGTH)
        {
            drops[-DvmcError.BAD_LENGTH]++;
            return;
        }
        int rc = reply.wrap(batch.rxBuffer(), offset, length);
        if (rc < 0)
        {
            drops[-rc]++;
            return;
        }
        rc = authenticator.verify(reply, nowMs);
        if (rc < 0)
        {
            drops[-rc]++;
            return;
        }
        if (reply.type() == DvmcMessageType.REVOKE)
        {
            revokes++;
            listener.onRevoke(reply);
            return;
        }
        if (!DvmcMessageType.isReply(reply.type()))
        {
            drops[-DvmcError.UNEXPECTED_TYPE]++;
            return;
        }
        final long xid = reply.transactionId();
        final long slot = slotByXid.get(xid);
        if (slot == NO_SLOT || !DvmcMessageType.answers(types[(int)slot], reply.type()))
        {
            drops[-DvmcError.UNMATCHED]++;
            return;
        }
        measure(monotonic.nanoTime() - startedNs[(int)slot]);
        release((int)slot);
        replies++;
        listener.onReply(xid, reply);
    }

    private int checkDeadlines(final long nowNs)
    {
        int work = 0;
        // send() from a callback below lowers this again, so no new deadline is lost.
        nextDeadlineNs = nowNs + Long.MAX_VALUE;
        for (int slot = 0, active = inFlight(); slot < endpoints.length && active > 0; slot++)
        {
            if (endpoints[slot] == null)
            {
                continue;
            }
            active--;
            if (nowNs - deadlines[slot] >= 0)
            {
                work++;
                if (tries[slot] >= retry.maxTries())
                {
                    final long xid = xids[slot];
                    release(slot);
                    timeouts++;
                    listener.onTimeout(xid);
                    continue;
                }
                retransmits++;
                transmit(slot, nowNs);
            }
            nextDeadlineNs = earlier(nextDeadlineNs, deadlines[slot]);
        }
        return work;
    }

    /**
     * Takes the time from a transaction's first try to its reply into the service's latency (RFC 6298 §2). Timed
     * from the first try even when a retransmission was answered: that errs long, and a service that answers late
     * because it is overloaded must not be sent every request again (each copy is more work for it).
     */
    private void measure(final long sampleNs)
    {
        if (smoothedNs < 0)
        {
            smoothedNs = sampleNs;
            deviationNs = sampleNs / 2;
            return;
        }
        deviationNs += (Math.abs(smoothedNs - sampleNs) - deviationNs) / 4;
        smoothedNs += (sampleNs - smoothedNs) / 8;
    }

    /**
     * The wait after the {@code tries}-th send: the retry policy's, or longer when the service has been answering
     * later than that (its smoothed latency plus four deviations, doubling per try like the policy's), never past
     * the policy's longest wait.
     */
    private long timeoutAfterNs(final int tries)
    {
        final long policyNs = retry.timeoutAfter(tries) * 1_000_000L;
        if (smoothedNs < 0)
        {
            return policyNs;
        }
        final long measuredNs = (smoothedNs + 4 * deviationNs) << Math.min(tries - 1, 20);
        return Math.min(retry.maxTimeoutMs() * 1_000_000L, Math.max(policyNs, measuredNs));
    }

    /** The earlier of two monotonic times, compared by their difference (nanoTime may wrap). */
    private static long earlier(final long a, final long b)
    {
        return a - b <= 0 ? a : b;
    }

    private void transmit(final int slot, final long nowNs)
    {
        final UnsafeBuffer message = slab.buffer(slot);
        final int base = slab.offset(slot);
        final int length = lengths[slot];
        // A fresh timestamp per try keeps the service's replay cache from mistaking a retransmission for a replay.
        final long stamp = Math.max(clock.time(), stamps[slot] + 1);
        stamps[slot] = stamp;
        message.putLong(base + DvmcMessage.TIMESTAMP_OFFSET, stamp, BIG_ENDIAN);
        final InetSocketAddress to = endpoints[slot];
        if (boundEndpoints[slot] != to)
        {
            boundEndpoints[slot] = to;
            boundAddresses[slot] = ipv4(to);
        }
        authenticator.signRequest(message, base, length, boundAddresses[slot], to.getPort());
        batch.queue(message, base, length, boundAddresses[slot], to.getPort());
        if (corked == 0)
        {
            flushSends();
        }
        tries[slot]++;
        deadlines[slot] = nowNs + timeoutAfterNs(tries[slot]);
        nextDeadlineNs = earlier(nextDeadlineNs, deadlines[slot]);
    }

    private void release(final int slot)
    {
        slotByXid.remove(xids[slot]);
        endpoints[slot] = null;
        freeSlots[freeCount++] = slot;
    }

    private long nextTransactionId()
    {
        long xid;
        do
        {
            xid = hostIdBits | (++counter & 0xFFFF_FFFFL);
        }
        while (isError(xid) || slotByXid.containsKey(xid));
        return xid;
    }

    private static int ipv4(final InetSocketAddress address)
    {
        return Addresses.ipv4Bits(address.getAddress());
    }

    private static java.net.InetAddress ipv4Address(final int address)
    {
        try
        {
            return java.net.InetAddress.getByAddress(new byte[]{
                (byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8), (byte)address});
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private record NewKeys(KeyRing ring, int signingKeyId)
    {
    }
}
