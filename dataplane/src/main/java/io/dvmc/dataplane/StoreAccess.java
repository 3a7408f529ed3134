package io.dvmc.dataplane;

import io.dvmc.ipc.RingMessages;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseStore;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The dataplane's side of the store hand-over with the agent ({@link io.dvmc.lease.StoreGuard}): it opens the
 * lease and domain stores as a reader when the agent says READY, and closes them when the agent says YIELD
 * (the agent then recovers them with exclusive access). While they are closed every lookup misses and
 * requests take the slow path.
 *
 * <p>Opening a Chronicle Map takes seconds (DESIGN §5a), so it runs on a helper thread and the worker adopts
 * the result; a YIELD that arrives meanwhile makes the worker discard it. Lookups and the hand-over messages
 * all run on the worker thread.
 */
public final class StoreAccess implements AutoCloseable
{
    public static final String LEASES_FILE = "leases.dat";
    public static final String DOMAINS_FILE = "domains.dat";

    private record Opened(int generation, LeaseStore leases, DomainStore domains)
    {
        void close()
        {
            domains.close();
            leases.close();
        }
    }

    private final Path stateDir;
    private final AtomicCounter handovers;
    private final long epoch = System.currentTimeMillis();
    private final UnsafeBuffer control = new UnsafeBuffer(ByteBuffer.allocateDirect(RingMessages.CONTROL_LENGTH));
    private ExecutorService opener;
    private volatile Opened pending;
    private Opened current;
    private int generation;
    private boolean helloSent;

    public StoreAccess(final Path stateDir, final AtomicCounter handovers)
    {
        this.stateDir = stateDir;
        this.handovers = handovers;
        this.control.putLong(0, epoch);
    }

    /** Tells the agent this dataplane started, so that it clears what a dead predecessor may have left locked. */
    public void hello(final RingBuffer toAgent)
    {
        helloSent = toAgent.write(RingMessages.HELLO, control, 0, RingMessages.CONTROL_LENGTH);
    }

    /** @return whether both stores are open and hold a valid lease for (domain, MAC) and the domain's record. */
    public boolean lookup(final int domainId, final long mac, final LeaseRecord lease, final DomainRecord domain)
    {
        final Opened stores = current;
        return stores != null && stores.leases.get(domainId, mac, lease) && stores.domains.get(domainId, domain);
    }

    /** @return whether the domain store is open and holds the domain's record. */
    public boolean domain(final int domainId, final DomainRecord domain)
    {
        final Opened stores = current;
        return stores != null && stores.domains.get(domainId, domain);
    }

    public boolean isOpen()
    {
        return current != null;
    }

    /** Adopts stores the helper thread opened, unless a later hand-over message made them stale. */
    public int doWork(final RingBuffer toAgent)
    {
        if (!helloSent)
        {
            hello(toAgent);
        }
        final Opened opened = pending;
        if (opened == null)
        {
            return 0;
        }
        pending = null;
        if (opened.generation == generation)
        {
            current = opened;
            handovers.incrementRelease();
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
        closeCurrent();
        toAgent.write(RingMessages.STORE_RELEASED, control, 0, RingMessages.CONTROL_LENGTH);
    }

    /** READY: (re)open the stores on the helper thread. */
    public void onReady()
    {
        final int myGeneration = ++generation;
        closeCurrent();
        if (opener == null)
        {
            opener = Executors.newSingleThreadExecutor(r ->
            {
                final Thread thread = new Thread(r, "dvmc-store-open");
                thread.setDaemon(true);
                return thread;
            });
        }
        opener.execute(() -> open(myGeneration));
    }

    private void open(final int myGeneration)
    {
        LeaseStore leases = null;
        try
        {
            leases = LeaseStore.openReader(stateDir.resolve(LEASES_FILE));
            final DomainStore domains = DomainStore.openReader(stateDir.resolve(DOMAINS_FILE));
            pending = new Opened(myGeneration, leases, domains);
        }
        catch (final RuntimeException ex)
        {
            if (leases != null)
            {
                leases.close();
            }
            // The agent sends READY again after its next recovery; until then the slow path serves.
            System.err.println("dvmc dataplane: cannot open the lease stores: " + ex.getMessage());
        }
    }

    private void closeCurrent()
    {
        if (current != null)
        {
            current.close();
            current = null;
        }
    }

    public void close()
    {
        generation++;
        closeCurrent();
        final Opened opened = pending;
        if (opened != null)
        {
            pending = null;
            opened.close();
        }
        if (opener != null)
        {
            opener.shutdownNow();
        }
    }
}
