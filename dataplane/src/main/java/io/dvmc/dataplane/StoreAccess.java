package io.dvmc.dataplane;

import io.dvmc.ipc.LeaseChanges;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseStore;
import io.dvmc.wake.Doorbell;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The dataplane's side of the store hand-over with the agent ({@link io.dvmc.lease.StoreGuard}): it opens the
 * lease and domain stores as a reader when the agent says READY, and closes them when the agent says YIELD
 * (the agent then recovers them with exclusive access). While they are closed every lookup misses and
 * requests take the slow path. An agent that restarts with nothing to recover opens the stores beside this reader
 * and sends READY without YIELD; the stores stay open, and the new mapping replaces them when it is adopted.
 *
 * <p>Opening a Chronicle Map can take a second (its first open loads classes), so it runs on a helper thread and the worker adopts
 * the result; a YIELD that arrives meanwhile makes the worker discard it. Lookups and the hand-over messages
 * all run on the worker thread.
 *
 * <p>Every store the helper opens holds the shared lock until it is closed, so none may be dropped unclosed: an
 * open whose READY was superseded before it started is skipped, and one the worker has not adopted when the next
 * open completes is closed by the helper. A lost one would hold the lock for the dataplane's lifetime, and every
 * later recovery by the agent would time out waiting for it.
 */
public final class StoreAccess implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(StoreAccess.class);

    public static final String DOMAINS_FILE = "domains.dat";
    /** Logged when the agent's YIELD closes the stores. */
    public static final String YIELD_LOG = "stores closed for the agent's recovery; the slow path " +
        "serves until its READY";
    /** Logged when the worker adopts opened stores: from here on the fast path answers (a restart's last step). */
    public static final String OPEN_LOG = "dvmc dataplane: lease stores open; the fast path serves";

    private record Opened(int generation, LeaseStore leases, DomainStore domains)
    {
        void close()
        {
            try
            {
                domains.close();
            }
            finally
            {
                leases.close();
            }
        }
    }

    /**
     * Leases a worker keeps: a host's VMs, and relayed clients of its relay ports, many times over. One lease record
     * each ({@code LeaseRecord.LENGTH}, 256 bytes: 16 MiB), off the heap.
     */
    static final int LEASE_CACHE_ENTRIES = 1 << 16;
    /** No flush generation seen yet: the first one read is taken as it is. */
    private static final long NO_GENERATION = Long.MIN_VALUE;

    private final Path stateDir;
    private final AtomicCounter handovers;
    private final LeaseCache leaseCache = new LeaseCache(LEASE_CACHE_ENTRIES);
    private long flushGeneration = NO_GENERATION;
    private final long epoch = System.currentTimeMillis();
    private final UnsafeBuffer control = new UnsafeBuffer(ByteBuffer.allocateDirect(RingMessages.CONTROL_LENGTH));
    private final ExecutorService opener;
    private final AtomicReference<Opened> pending = new AtomicReference<>();
    private Opened current;
    /** Written by the worker only; the helper reads it to skip opens that a later hand-over made stale. */
    private volatile int generation;
    private volatile boolean closed;
    private volatile Doorbell wake;
    private final Int2ObjectHashMap<DomainRecord> domains = new Int2ObjectHashMap<>();
    /**
     * Each domain's virtual server (address, MAC) as last read, kept while the stores are closed: ARP for it must
     * not stop while the agent recovers the stores, or a VM cannot unicast its renewal or RELEASE.
     */
    private final Int2IntHashMap serverIps = new Int2IntHashMap(0);
    private final Long2LongHashMap serverMacs = new Long2LongHashMap(0);
    private DomainRecord spare;
    private boolean helloSent;
    /** False for a lane other than 0's: lane 0's stores say HELLO and STORE_RELEASED for the dataplane. */
    private final boolean speaksToAgent;

    /**
     * Call from a thread the EAL did not pin: the helper thread created here must not inherit the poll thread's
     * pinning. It
     * warms Chronicle Map up at once, so the first open after READY takes milliseconds, not a second.
     */
    public StoreAccess(final Path stateDir, final AtomicCounter handovers)
    {
        this(stateDir, handovers, true);
    }

    /**
     * As {@link #StoreAccess(Path, AtomicCounter)}; {@code speaksToAgent} false for the stores of a lane other than
     * lane 0, which follow the same hand-over messages and hold a reader of their own but leave HELLO and
     * STORE_RELEASED to lane 0's (the agent's recovery waits on the shared lock, which every reader holds).
     */
    public StoreAccess(final Path stateDir, final AtomicCounter handovers, final boolean speaksToAgent)
    {
        this.speaksToAgent = speaksToAgent;
        this.stateDir = stateDir;
        this.handovers = handovers;
        this.control.putLong(0, epoch);
        this.opener = Executors.newSingleThreadExecutor(r -> {
            final Thread thread = new Thread(r, "dvmc-store-open");
            thread.setDaemon(true);
            return thread;
        });
        opener.execute(StoreAccess::warmUp);
    }

    private static void warmUp()
    {
        try
        {
            LeaseStore.warmUp();
        }
        catch (final RuntimeException | LinkageError ex)
        {
            // Only a head start: the first open pays the class loading instead (or the process is exiting).
        }
    }

    /** Tells the agent this dataplane started, so that it clears what a dead predecessor may have left locked. */
    public void hello(final RingBuffer toAgent)
    {
        helloSent = !speaksToAgent || toAgent.write(RingMessages.HELLO, control, 0, RingMessages.CONTROL_LENGTH);
    }

    /**
     * The lease of (domain, MAC), from this worker's cache, read from the store on a miss. The agent sends
     * LEASE_CHANGED after each write of a lease ({@link #onLeaseChanged}), or flushes every cache when it cannot
     * ({@link #flushIfAsked}); the stores' hand-over empties it too. So a cached copy never outlives a write: the
     * agent announces each write as soon as it returns, before anything it sends the VM because of it (a NAK goes out
     * through the same ring, after the LEASE_CHANGED), and the worker applies its ring and the flush generation
     * before each burst of frames.
     *
     * @param lease wrapped over the cached copy (valid until the next call) when found.
     * @return whether the lease store is open and holds a valid lease for (domain, MAC).
     */
    public boolean lease(final int domainId, final long mac, final LeaseRecord lease)
    {
        final Opened stores = current;
        if (stores == null)
        {
            return false;
        }
        if (leaseCache.get(domainId, mac, lease))
        {
            return true;
        }
        final int entry = leaseCache.claim(domainId, mac, lease);
        if (!stores.leases.get(domainId, mac, lease))
        {
            return false;
        }
        leaseCache.keep(entry, domainId, mac);
        return true;
    }

    /** LEASE_CHANGED: the agent wrote or removed the lease of (domain, MAC). */
    public void onLeaseChanged(final int domainId, final long mac)
    {
        leaseCache.invalidate(domainId, mac);
    }

    /**
     * Drops every cached lease and domain if the agent asked for a full flush since the last call (a LEASE_CHANGED
     * or DOMAIN_CHANGED that did not fit in the ring). The worker calls it once per burst, before the frames.
     *
     * @return whether the caches were flushed.
     */
    public boolean flushIfAsked(final RingBuffer fromAgent)
    {
        final long generation = LeaseChanges.flushGeneration(fromAgent);
        if (generation == flushGeneration)
        {
            return false;
        }
        final boolean first = flushGeneration == NO_GENERATION;
        flushGeneration = generation;
        leaseCache.clear();
        domains.clear();
        return !first;
    }

    /**
     * The domain's record, from this worker's cache, read from the store on a miss. The agent sends DOMAIN_CHANGED
     * after each write of a domain, which drops its entry, so the fast path costs one store lookup (the lease) per
     * frame instead of two.
     *
     * @return the record (valid until the next call), or null if the store is closed or has no such domain.
     */
    public DomainRecord domain(final int domainId)
    {
        final Opened stores = current;
        if (stores == null)
        {
            return null;
        }
        DomainRecord cached = domains.get(domainId);
        if (cached == null)
        {
            cached = spare != null ? spare : new DomainRecord();
            spare = null;
            if (!stores.domains.get(domainId, cached))
            {
                spare = cached;
                return null;
            }
            domains.put(domainId, cached);
            serverIps.put(domainId, cached.serverIp());
            serverMacs.put(domainId, cached.serverMac());
        }
        return cached;
    }

    /**
     * The domain's virtual server address: its record's while the stores are open, else the last one read.
     *
     * @return 0 if this dataplane has not read the domain yet.
     */
    public int serverIp(final int domainId)
    {
        final DomainRecord domain = domain(domainId);
        return domain != null ? domain.serverIp() : serverIps.get(domainId);
    }

    /** The MAC of the domain's virtual server, as {@link #serverIp} finds it. */
    public long serverMac(final int domainId)
    {
        final DomainRecord domain = domain(domainId);
        return domain != null ? domain.serverMac() : serverMacs.get(domainId);
    }

    /** DOMAIN_CHANGED: the agent rewrote this domain's record. */
    public void onDomainChanged(final int domainId)
    {
        final DomainRecord dropped = domains.remove(domainId);
        if (dropped != null)
        {
            spare = dropped;
        }
    }

    public boolean isOpen()
    {
        return current != null;
    }

    /** Rings {@code doorbell} (a sleeping loop's) when the helper thread has opened stores to adopt. Before use. */
    public void wakeWith(final Doorbell doorbell)
    {
        this.wake = doorbell;
    }

    /** Whether the helper thread opened stores that {@link #doWork} has not adopted yet. */
    public boolean opened()
    {
        return pending.get() != null;
    }

    /** Adopts stores the helper thread opened, unless a later hand-over message made them stale. */
    public int doWork(final RingBuffer toAgent)
    {
        if (!helloSent)
        {
            hello(toAgent);
        }
        if (pending.get() == null)
        {
            return 0;
        }
        final Opened opened = pending.getAndSet(null);
        if (opened.generation == generation)
        {
            // The stores a READY found open answered until now; the caches go with them.
            closeCurrent();
            current = opened;
            handovers.increment();
            System.err.println(OPEN_LOG);
        }
        else
        {
            opened.close();
        }
        return 1;
    }

    /** YIELD: close the stores (releasing the shared locks) and tell the agent. */
    public void onYield(final RingBuffer toAgent)
    {
        generation++;
        if (current != null)
        {
            LOG.info(YIELD_LOG);
        }
        closeCurrent();
        if (speaksToAgent)
        {
            toAgent.write(RingMessages.STORE_RELEASED, control, 0, RingMessages.CONTROL_LENGTH);
        }
    }

    /**
     * READY: (re)open the stores on the helper thread. Stores still open (an agent that restarted beside them, with
     * no YIELD) keep answering until {@link #doWork} adopts the new ones: the fast path has no gap.
     */
    public void onReady()
    {
        final int myGeneration = ++generation;
        opener.execute(() -> open(myGeneration));
    }

    private void open(final int myGeneration)
    {
        if (myGeneration != generation)
        {
            return;
        }
        LeaseStore leases = null;
        try
        {
            leases = LeaseStore.openReader(stateDir.resolve(LeaseStore.FILE));
            final DomainStore domains = DomainStore.openReader(stateDir.resolve(DOMAINS_FILE));
            final Opened unadopted = pending.getAndSet(new Opened(myGeneration, leases, domains));
            leases = null;
            final Doorbell doorbell = wake;
            if (doorbell != null)
            {
                doorbell.ringIfArmed();
            }
            if (unadopted != null)
            {
                unadopted.close();
            }
            if (closed)
            {
                // The dataplane closed while this open ran: nobody will adopt what was just handed over.
                final Opened orphan = pending.getAndSet(null);
                if (orphan != null)
                {
                    orphan.close();
                }
            }
        }
        catch (final RuntimeException ex)
        {
            if (leases != null)
            {
                leases.close();
            }
            // The agent sends READY again after its next recovery; until then the slow path serves.
            LOG.warn("cannot open the lease stores: {}", ex.getMessage());
        }
    }

    private void closeCurrent()
    {
        domains.clear();
        leaseCache.clear();
        if (current != null)
        {
            current.close();
            current = null;
        }
    }

    /**
     * Waits until the helper has finished every open asked for so far, for tests and tools that must know what the
     * next {@link #doWork} will find.
     *
     * @return false if it has not finished within {@code timeout}.
     */
    boolean awaitOpens(final Duration timeout) throws InterruptedException
    {
        try
        {
            opener.submit(() -> {
            }).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        }
        catch (final TimeoutException ex)
        {
            return false;
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException(ex.getCause());
        }
    }

    public void close()
    {
        closed = true;
        generation++;
        closeCurrent();
        opener.shutdownNow();
        try
        {
            opener.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        // An open that outlives the wait closes its own result (it sees closed).
        final Opened opened = pending.getAndSet(null);
        if (opened != null)
        {
            opened.close();
        }
    }
}
