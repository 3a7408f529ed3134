package io.dvmc.agent;

import io.dvmc.ipc.LeaseChanges;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseStore;
import io.dvmc.lease.LeaseVisitor;
import io.dvmc.lease.OtherLayoutException;
import io.dvmc.lease.SegmentLockedException;
import io.dvmc.lease.StoreFullException;
import io.dvmc.lease.StoreGuard;
import io.dvmc.lease.StoreTimeouts;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;

/**
 * The agent's side of the host's shared stores: it is their only writer, creates or recovers them at start,
 * and runs the recovery hand-over with the dataplane ({@link StoreGuard} documents the protocol) whenever a
 * dead process may have left a segment locked: at its own start, when a new dataplane says HELLO, and when a
 * write finds a segment locked.
 */
public final class HostStores implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(HostStores.class);

    public static final String DOMAINS_FILE = "domains.dat";
    /** The boot whose time base ({@link io.dvmc.time.HostTimeBase}) the lease store's times are of. */
    public static final String LEASES_BOOT_FILE = "leases.boot";
    private static final Duration SEGMENT_PROBE = Duration.ofMillis(20);
    private static final long YIELD_REPEAT_NS = 1_000_000_000L;
    private static final long READER_POLL_NS = 1_000_000L;
    private static final long FULL_LOG_INTERVAL_MS = 10_000;

    private final Path stateDir;
    private final RingBuffer toDataplane;
    private final AgentCounters counters;
    private final long maxLeases;
    private LeaseWrites writes = new LeaseWrites()
    {
        public void put(final int domainId, final long mac, final LeaseRecord record)
        {
        }

        public void removed(final int domainId, final long mac)
        {
        }
    };
    private final int maxDomains;
    private final Duration deadline;
    private final UnsafeBuffer control = new UnsafeBuffer(ByteBuffer.allocateDirect(RingMessages.CONTROL_LENGTH));
    private final UnsafeBuffer domainChanged = new UnsafeBuffer(ByteBuffer.allocateDirect(Integer.BYTES));
    /** This writer's copy of each domain record it read or wrote: at most the domain store's capacity. */
    private final Int2ObjectHashMap<DomainRecord> domainCopies = new Int2ObjectHashMap<>();
    private final LeaseChanges leaseChanges;
    /**
     * Until READY at the end of {@link #open} the dataplane has yielded and holds no copy: nothing to announce; unless
     * the stores were opened beside it.
     */
    private boolean announcing;
    private final IntArrayList chosenDomains = new IntArrayList();
    private final LongArrayList chosenMacs = new LongArrayList();
    private final LeaseFilter sweepFilter = this::sweepChooses;
    /** What the sweep under way also removes ({@link #sweepAlso}), null when only expired leases. */
    private LeaseFilter alsoRemove;
    private int alsoRemoved;
    private long sweepNowMs;
    private final SegmentWalk sweep = new SegmentWalk(SystemNanoClock.INSTANCE);
    private final IntPredicate sweepOneSegment = this::sweepSegment;
    private int sweptInStep;
    private boolean sweepWanted;
    private final StoreFullLog fullLog = new StoreFullLog(FULL_LOG_INTERVAL_MS);
    private LeaseStore leases;
    private DomainStore domains;

    public HostStores(
        final Path stateDir,
        final RingBuffer toDataplane,
        final AgentCounters counters,
        final long maxLeases,
        final int maxDomains,
        final Duration deadline)
    {
        this.stateDir = stateDir;
        this.toDataplane = toDataplane;
        this.counters = counters;
        this.maxLeases = maxLeases;
        this.maxDomains = maxDomains;
        this.deadline = deadline;
        this.leaseChanges = new LeaseChanges(toDataplane);
        this.control.putLong(0, System.currentTimeMillis());
    }

    /** Loads what {@link #open} runs (Chronicle's classes, its recovery's too) on a throw-away map. */
    static void warmUp()
    {
        try
        {
            LeaseStore.warmUpWriter();
        }
        catch (final RuntimeException | LinkageError ex)
        {
            // Only a head start: open() pays the class loading instead.
        }
    }

    /**
     * The agent's start: take the writer role; open the stores beside a dataplane that has them open if no change
     * was cut short (it keeps answering), else have it let go, create or recover; say READY.
     */
    public void open()
    {
        open(null);
    }

    /**
     * {@link #open()} in boot {@code bootId}: leases written in another boot are removed before READY, since their
     * times are of that boot's time base and cannot be compared with this one's. The VMs ask again on the slow path,
     * and the service, which still holds their leases, answers.
     */
    public void open(final String bootId)
    {
        final StoreTimeouts timeouts = new StoreTimeouts(deadline, StoreTimeouts.DEFAULTS.writeLock(),
            StoreTimeouts.DEFAULTS.readLock());
        final StoreGuard leaseGuard = StoreGuard.open(stateDir.resolve(LeaseStore.FILE));
        final StoreGuard domainGuard = StoreGuard.open(stateDir.resolve(DOMAINS_FILE));
        try
        {
            leaseGuard.acquireWriter(deadline);
            domainGuard.acquireWriter(deadline);
            if (leaseGuard.readersPresent() || domainGuard.readersPresent())
            {
                // The dataplane has the stores open: if our predecessor cut no change short, open them beside it, and
                // its fast path goes on answering through our restart.
                leases = LeaseStore.openWriterBesideReaders(leaseGuard, maxLeases, timeouts);
                domains = DomainStore.openWriterBesideReaders(domainGuard, maxDomains, timeouts);
            }
            if (leases != null && domains != null)
            {
                LOG.info("stores opened beside the dataplane, which keeps them: no YIELD");
                // It holds cached copies: what this start removes is announced.
                announcing = true;
            }
            else
            {
                // Even with no reader seen: a dataplane may be opening the stores right now, for a READY of our
                // predecessor still in the ring, and take its shared lock after the look.
                yieldReaders(leaseGuard, domainGuard);
                if (leases == null)
                {
                    leases = openOrReplace(leaseGuard, () -> LeaseStore.openWriter(leaseGuard, maxLeases, timeouts));
                }
                if (domains == null)
                {
                    domains = openOrReplace(domainGuard,
                        () -> DomainStore.openWriter(domainGuard, maxDomains, timeouts));
                }
            }
            if (bootId != null)
            {
                retireOtherBoots(bootId);
            }
        }
        catch (final RuntimeException ex)
        {
            if (leases == null)
            {
                leaseGuard.close();
            }
            domainGuard.close();
            throw ex;
        }
        counters.storeHandovers.incrementRelease();
        // A predecessor killed between a write and its LEASE_CHANGED left a cached copy that nothing else drops.
        leaseChanges.flushAll();
        announcing = true;
        // Also after an open beside the dataplane: it may still have our predecessor's YIELD to obey, and it swaps
        // in a mapping of its own without closing the one it answers from.
        send(RingMessages.STORE_READY);
    }

    /**
     * A store of another layout (written by another dvmc version) or created for another capacity than configured is
     * replaced by an empty one: it holds only copies of what the service holds, which the VMs get again through the
     * agent at their next request, and the dataplane, yielded meanwhile, maps the new file at READY.
     */
    private static <S> S openOrReplace(final StoreGuard guard, final java.util.function.Supplier<S> open)
    {
        try
        {
            return open.get();
        }
        catch (final OtherLayoutException ex)
        {
            LOG.warn("{}; replacing it with an empty store of the configured layout and capacity", ex.getMessage());
            try
            {
                Files.delete(guard.mapFile());
            }
            catch (final IOException deleteFailed)
            {
                throw new UncheckedIOException(deleteFailed);
            }
            return open.get();
        }
    }

    private void retireOtherBoots(final String bootId)
    {
        final Path marker = stateDir.resolve(LEASES_BOOT_FILE);
        try
        {
            if (Files.exists(marker) && Files.readString(marker, StandardCharsets.US_ASCII).trim().equals(bootId))
            {
                return;
            }
            final int removed = removeLeasesWhere((domainId, mac, lease) -> true);
            if (removed > 0)
            {
                LOG.info("{} host lease(s) of an earlier boot removed; their VMs are answered by the service again",
                    removed);
            }
            final Path tmp = marker.resolveSibling(LEASES_BOOT_FILE + ".tmp");
            Files.writeString(tmp, bootId + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(marker + ": " + ex.getMessage(), ex);
        }
    }

    /** A dataplane started: a predecessor killed mid-read may have left a read lock, which blocks our writes. */
    public void onHello()
    {
        if (leases.lockedSegments(SEGMENT_PROBE) == 0 && domains.lockedSegments(SEGMENT_PROBE) == 0)
        {
            send(RingMessages.STORE_READY);
        }
        else
        {
            recover();
        }
    }

    /**
     * The recovery cycle: YIELD, wait for the readers to let go, recover both maps, READY. READY goes out even when
     * the recovery failed (a recovery that timed out changed nothing), so the dataplane does not stay on the slow
     * path until the next hand-over.
     */
    public void recover()
    {
        yieldReaders(leases.guard(), domains.guard());
        try
        {
            leases.recover(deadline);
            // A recovery may drop what it finds broken: the copies are read again.
            domainCopies.clear();
            domains.recover(deadline);
            counters.storeHandovers.incrementRelease();
        }
        finally
        {
            send(RingMessages.STORE_READY);
        }
    }

    /**
     * Sends YIELD, and again every second while a reader still has either store open, until none has or the
     * deadline passes; the exclusive lock taken next reports a reader that never let go. The repeats cover a YIELD
     * that a full ring refused; a dataplane that reads several just closes nothing for the later ones.
     */
    private void yieldReaders(final StoreGuard leaseGuard, final StoreGuard domainGuard)
    {
        final long start = System.nanoTime();
        long nextYield = start;
        while (true)
        {
            final long now = System.nanoTime();
            if (now - nextYield >= 0)
            {
                send(RingMessages.STORE_YIELD);
                nextYield = now + YIELD_REPEAT_NS;
            }
            if (!leaseGuard.readersPresent() && !domainGuard.readersPresent() || now - start >= deadline.toNanos())
            {
                return;
            }
            LockSupport.parkNanos(READER_POLL_NS);
        }
    }

    public boolean lease(final int domainId, final long mac, final LeaseRecord into)
    {
        return leases.get(domainId, mac, into);
    }

    /**
     * Writes the lease, then tells the dataplane, whose workers cache leases, to drop its copy (LEASE_CHANGED): before
     * anything the agent sends the VM because of this write, which goes through the same ring after it.
     *
     * @return false if the store is full ({@link StoreFullLog}): nothing was written, and the caller must not tell the
     *     VM of a lease the fast path does not know.
     */
    public boolean putLease(final int domainId, final long mac, final LeaseRecord record)
    {
        try
        {
            try
            {
                leases.put(domainId, mac, record);
            }
            catch (final SegmentLockedException ex)
            {
                recover();
                leases.put(domainId, mac, record);
            }
        }
        catch (final StoreFullException ex)
        {
            counters.leaseStoreFull.incrementRelease();
            fullLog.full(leases.size(), maxLeases, System.currentTimeMillis());
            // Room comes back as host leases run out: sweep soon rather than at the next interval.
            sweepWanted = true;
            return false;
        }
        announce(domainId, mac);
        counters.leasesWritten.incrementRelease();
        writes.put(domainId, mac, record);
        return true;
    }

    /** What the agent wrote to the lease store: told after each write ({@link #watchWrites}). */
    interface LeaseWrites
    {
        void put(int domainId, long mac, LeaseRecord record);

        void removed(int domainId, long mac);
    }

    /** Tells {@code watcher} of every lease written or removed from now on, after the write. */
    void watchWrites(final LeaseWrites watcher)
    {
        writes = watcher;
    }

    /** The most leases the store holds. */
    long maxLeases()
    {
        return maxLeases;
    }

    /** Whether a write found the store full since the last {@link #sweepExpired}. */
    public boolean sweepWanted()
    {
        return sweepWanted;
    }

    public void removeLease(final int domainId, final long mac)
    {
        boolean removed;
        try
        {
            removed = leases.remove(domainId, mac);
        }
        catch (final SegmentLockedException ex)
        {
            recover();
            removed = leases.remove(domainId, mac);
        }
        if (removed)
        {
            announce(domainId, mac);
            counters.leasesRemoved.incrementRelease();
            writes.removed(domainId, mac);
        }
    }

    /** LEASE_CHANGED; a full ring flushes every cached lease instead. */
    private void announce(final int domainId, final long mac)
    {
        if (announcing && !leaseChanges.announce(domainId, mac))
        {
            counters.dataplaneRingFull.incrementRelease();
        }
    }

    /**
     * Removes the leases whose host lease has run out: BOUND ones the VM stopped renewing and the service stopped
     * refreshing (no VM lease the host granted outlives its host lease, see {@code FastPath}) and OFFERED ones
     * never requested.
     *
     * @return how many were removed.
     */
    public int sweepExpired(final long nowMs)
    {
        startSweep(nowMs);
        int removed = 0;
        while (sweeping())
        {
            removed += sweepStep(Long.MAX_VALUE);
        }
        return removed;
    }

    /**
     * Starts a sweep of the leases whose host lease ran out by {@code nowMs} ({@link #sweepExpired}), walked in
     * steps by {@link #sweepStep}: a full walk of a million leases takes about 0.24 s, which the agent's thread
     * must not spend at once while VMs wait.
     */
    public void startSweep(final long nowMs)
    {
        sweepNowMs = nowMs;
        sweepWanted = false;
        sweep.start();
    }

    /** Whether a sweep started by {@link #startSweep} has segments left to walk. */
    public boolean sweeping()
    {
        return sweep.walking();
    }

    /**
     * Walks the sweep's next segments, at least one, until {@code budgetNanos} have passed, and removes the expired
     * leases found there.
     *
     * @return how many were removed.
     */
    public int sweepStep(final long budgetNanos)
    {
        if (!sweep.walking())
        {
            return 0;
        }
        sweptInStep = 0;
        if (sweep.step(leaseSegments(), budgetNanos, sweepOneSegment) && alsoRemove != null)
        {
            alsoRemove = null;
            if (alsoRemoved > 0)
            {
                LOG.info("{} host lease(s) of VMs no longer bound here removed", alsoRemoved);
            }
        }
        return sweptInStep;
    }

    /**
     * Starts a sweep ({@link #startSweep}) that also removes the leases {@code filter} chooses, walked in steps as
     * every sweep is: at start the agent drops the leases of VMs no longer bound here, which may be most of a large
     * store (a host whose VMs left while its agent was down), and would otherwise hold the agent's thread for
     * seconds right after its READY.
     */
    public void sweepAlso(final LeaseFilter filter, final long nowMs)
    {
        startSweep(nowMs);
        alsoRemove = filter;
        alsoRemoved = 0;
    }

    private boolean sweepSegment(final int segment)
    {
        final int chosen = collectLeases(sweepFilter, Integer.MAX_VALUE, segment, segment + 1, chosenDomains,
            chosenMacs);
        for (int i = 0; i < chosen; i++)
        {
            removeLease(chosenDomains.getInt(i), chosenMacs.getLong(i));
        }
        sweptInStep += chosen;
        return true;
    }

    /** @return how many leases {@code filter} chose, now removed. */
    public int removeLeasesWhere(final LeaseFilter filter)
    {
        final int chosen = collectLeases(filter, Integer.MAX_VALUE, chosenDomains, chosenMacs);
        for (int i = 0; i < chosen; i++)
        {
            removeLease(chosenDomains.getInt(i), chosenMacs.getLong(i));
        }
        return chosen;
    }

    /**
     * Walks every lease and collects the keys of those {@code filter} accepts, up to {@code limit} of them (the walk
     * goes on, the filter sees every lease). A walk that finds a segment locked runs the recovery cycle and walks
     * again from the start ({@link LeaseFilter#startWalk} again); the keys are collected once.
     *
     * @return how many keys were collected into {@code domainIds} and {@code macs} (cleared first).
     */
    int collectLeases(final LeaseFilter filter, final int limit, final IntArrayList domainIds, final LongArrayList macs)
    {
        return collectLeases(filter, limit, 0, Integer.MAX_VALUE, domainIds, macs);
    }

    /** The lease store's segments, which {@link #collectLeases(LeaseFilter, int, int, int, IntArrayList, LongArrayList)} walks. */
    int leaseSegments()
    {
        return leases.segments();
    }

    /**
     * Visits the leases of segments [from, to), the record reused. A walk that meets a segment a dead process left
     * locked is made again from {@code fromSegment} after the recovery, {@code again} run first.
     */
    void visitLeases(final int fromSegment, final int toSegment, final LeaseVisitor visitor, final Runnable again)
    {
        try
        {
            leases.forEach(fromSegment, toSegment, visitor);
        }
        catch (final SegmentLockedException ex)
        {
            recover();
            again.run();
            leases.forEach(fromSegment, toSegment, visitor);
        }
    }

    /** {@link #collectLeases(LeaseFilter, int, IntArrayList, LongArrayList)} over segments [from, to). */
    int collectLeases(final LeaseFilter filter, final int limit, final int fromSegment, final int toSegment,
        final IntArrayList domainIds, final LongArrayList macs)
    {
        final LeaseVisitor collector = (domainId, mac, lease) -> {
            if (filter.accept(domainId, mac, lease) && domainIds.size() < limit)
            {
                domainIds.addInt(domainId);
                macs.addLong(mac);
            }
        };
        final Runnable start = () -> {
            domainIds.clear();
            macs.clear();
            filter.startWalk();
        };
        start.run();
        visitLeases(fromSegment, toSegment, collector, start);
        return domainIds.size();
    }

    /** A lease whose host lease ran out, or one {@link #sweepAlso} named. */
    private boolean sweepChooses(final int domainId, final long mac, final LeaseRecord lease)
    {
        if (lease.hostLeaseExpiryMillis() < sweepNowMs)
        {
            return true;
        }
        if (alsoRemove != null && alsoRemove.accept(domainId, mac, lease))
        {
            alsoRemoved++;
            return true;
        }
        return false;
    }

    /**
     * The domain's record, from this writer's copy of it, or from the store the first time: the agent is the
     * domain store's only writer ({@link #putDomain}), so its copies are the store's, and every VM request and every
     * due refresh would otherwise read the shared map (a segment lock shared with the dataplane, and a copy).
     */
    public boolean domain(final int domainId, final DomainRecord into)
    {
        final DomainRecord known = domainCopies.get(domainId);
        if (known != null)
        {
            into.copyFrom(known);
            return true;
        }
        if (!domains.get(domainId, into))
        {
            return false;
        }
        remember(into);
        return true;
    }

    /** Keeps a copy of {@code record} as the store now holds it. */
    private void remember(final DomainRecord record)
    {
        final DomainRecord known = domainCopies.get(record.domainId());
        if (known != null)
        {
            known.copyFrom(record);
        }
        else
        {
            domainCopies.put(record.domainId(), new DomainRecord().copyFrom(record));
        }
    }

    /**
     * Writes the record, then tells the dataplane, which caches domain records, to read it again; a full ring
     * flushes its caches instead.
     */
    public void putDomain(final DomainRecord record)
    {
        try
        {
            domains.put(record);
        }
        catch (final SegmentLockedException ex)
        {
            recover();
            domains.put(record);
        }
        remember(record);
        domainChanged.putInt(0, record.domainId());
        if (!toDataplane.write(RingMessages.DOMAIN_CHANGED, domainChanged, 0, Integer.BYTES))
        {
            leaseChanges.flushAll();
            counters.dataplaneRingFull.incrementRelease();
        }
    }

    private void send(final int type)
    {
        if (!toDataplane.write(type, control, 0, RingMessages.CONTROL_LENGTH))
        {
            counters.dataplaneRingFull.incrementRelease();
        }
    }

    public void close()
    {
        try
        {
            if (domains != null)
            {
                domains.close();
            }
        }
        finally
        {
            if (leases != null)
            {
                leases.close();
            }
        }
    }
}
