package io.dvmc.policy;

import io.dvmc.config.HostConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The distributed policy service (DESIGN §5): domains under {@code <prefix>/domains/<id>} and bindings under
 * {@code <prefix>/bindings/<hostId>/<vlan>/<mac>} in etcd, held in memory as one immutable
 * {@link PolicySnapshot}, so that a read never touches the network.
 *
 * <p>At start both prefixes are read at one revision; then they are watched from that same revision (a watch
 * from the next one would not be told when etcd compacts exactly there, and that compaction drops a deletion
 * made at that revision) and each later change makes a new snapshot on the store's own thread, where
 * {@link PolicyListener}s are told of it. When a watch fails (the member it used was killed, the cluster lost
 * its leader, the revision was compacted) or goes silent ({@link WatchLiveness}),
 * the store reads everything again at a fresh revision, tells listeners what differs, and watches from there: no
 * change is missed, whichever faults etcd goes through. Every call to etcd has a deadline.
 */
public final class EtcdPolicyStore implements PolicyStore, AutoCloseable
{
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long a process keeps trying its first read of the policy: etcd restarting with the host, or a first
     * connection slowed by a busy host, is waited for; the units give a start 120 s.
     */
    public static final Duration DEFAULT_START_DEADLINE = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(EtcdPolicyStore.class);
    private static final long RETRY_MS = 500;

    private final List<String> endpoints;
    private final String domainsPrefix;
    private final String bindingsPrefix;
    private final Duration timeout;
    private final Client client;
    private final ScheduledExecutorService thread;
    private final List<PolicyListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong resyncs = new AtomicLong();
    private final AtomicLong watchFailures = new AtomicLong();
    private volatile PolicySnapshot snapshot;
    private volatile long revision;
    private volatile boolean closed;
    private boolean failing;
    private long watchGeneration;
    private final List<Watch.Watcher> watchers = new ArrayList<>();
    private final WatchLiveness liveness = new WatchLiveness(WatchLiveness.DEFAULT_INTERVAL,
        WatchLiveness.DEFAULT_SILENCE);

    private EtcdPolicyStore(final List<String> endpoints, final String prefix, final Duration timeout)
        throws PolicyException
    {
        this.endpoints = List.copyOf(endpoints);
        this.domainsPrefix = prefix + "/domains/";
        this.bindingsPrefix = prefix + "/bindings/";
        this.timeout = timeout;
        this.snapshot = PolicySnapshot.empty(prefix);
        try
        {
            this.client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
        }
        catch (final RuntimeException ex)
        {
            throw new PolicyException("etcd " + String.join(",", endpoints) + ": not a client URL such as " +
                "http://127.0.0.1:2379 (" + ex.getMessage() + ")", ex);
        }
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread t = new Thread(runnable, "dvmc-policy-etcd");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * {@link #connect(List, String, Duration, Duration)} with {@link #DEFAULT_TIMEOUT} per call, trying the first
     * read until {@link #DEFAULT_START_DEADLINE}.
     */
    public static EtcdPolicyStore connect(final List<String> endpoints, final String prefix) throws PolicyException
    {
        return connect(endpoints, prefix, DEFAULT_TIMEOUT, DEFAULT_START_DEADLINE);
    }

    /** {@link #connect(List, String, Duration, Duration)} with one try of the first read. */
    public static EtcdPolicyStore connect(final List<String> endpoints, final String prefix, final Duration timeout)
        throws PolicyException
    {
        return connect(endpoints, prefix, timeout, Duration.ZERO);
    }

    /**
     * Reads the whole policy now and starts watching it.
     *
     * @param endpoints     etcd client URLs, e.g. {@code http://127.0.0.1:2379}.
     * @param prefix        the root of the dvmc keys, e.g. {@code /dvmc}.
     * @param timeout       the deadline of each call to etcd.
     * @param startDeadline how long to keep trying the first read, each failure logged; zero for one try.
     * @throws PolicyException in one line when etcd cannot be read within the deadline.
     */
    public static EtcdPolicyStore connect(final List<String> endpoints, final String prefix, final Duration timeout,
        final Duration startDeadline) throws PolicyException
    {
        if (endpoints.isEmpty())
        {
            throw new PolicyException("etcd: no endpoints given");
        }
        if (!prefix.startsWith("/"))
        {
            throw new PolicyException("etcd prefix '" + prefix + "' must start with '/'");
        }
        final String root = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        final EtcdPolicyStore store = new EtcdPolicyStore(endpoints, root, timeout);
        final long giveUpAt = System.nanoTime() + startDeadline.toNanos();
        try
        {
            final FullRead read = store.firstRead(giveUpAt, startDeadline);
            store.take(read);
            store.onThread(() -> store.watchFrom(read.revision));
            final long checkMs = WatchLiveness.DEFAULT_INTERVAL.toMillis() / 5;
            store.thread.scheduleWithFixedDelay(store::checkWatchAlive, checkMs, checkMs, TimeUnit.MILLISECONDS);
            return store;
        }
        catch (final PolicyException ex)
        {
            store.close();
            throw ex;
        }
    }

    /** The first full read, tried again after {@link #RETRY_MS} until {@code giveUpAt} (monotonic). */
    private FullRead firstRead(final long giveUpAt, final Duration startDeadline) throws PolicyException
    {
        while (true)
        {
            try
            {
                return readAll();
            }
            catch (final PolicyException ex)
            {
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MS) - giveUpAt > 0)
                {
                    throw ex;
                }
                LOG.warn("{}; trying again for up to {} s from the start", ex.getMessage(),
                    startDeadline.toSeconds());
                try
                {
                    Thread.sleep(RETRY_MS);
                }
                catch (final InterruptedException interrupted)
                {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
            }
        }
    }

    public Optional<Domain> domain(final int id)
    {
        return snapshot.policy().domain(id);
    }

    public Domain domainOrNull(final int id)
    {
        return snapshot.policy().domainOrNull(id);
    }

    public List<InetSocketAddress> serviceLocations(final int domainId)
    {
        return snapshot.policy().serviceLocations(domainId);
    }

    public Collection<Domain> domains()
    {
        return snapshot.policy().domains();
    }

    public boolean mayServe(final int hostId, final int domainId)
    {
        return snapshot.mayServe(hostId, domainId);
    }

    public List<HostConfig.Binding> bindings(final int hostId)
    {
        return snapshot.bindings(hostId);
    }

    public void addListener(final PolicyListener listener)
    {
        listeners.add(listener);
    }

    /** The etcd revision of the latest change taken. */
    public long revision()
    {
        return revision;
    }

    /** How many times a failed watch made the store read everything again. */
    public long resyncs()
    {
        return resyncs.get();
    }

    /** How many times the watch failed or ended. */
    public long watchFailures()
    {
        return watchFailures.get();
    }

    public void close()
    {
        closed = true;
        onThread(this::stopWatching);
        thread.shutdown();
        try
        {
            thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    private record FullRead(long revision, List<PolicySnapshot.Change> changes)
    {
    }

    /** Both prefixes at one revision, as changes that turn the current snapshot into what etcd holds. */
    private FullRead readAll() throws PolicyException
    {
        try
        {
            // Paged: the bindings of a large fleet exceed what one reply carries.
            final EtcdPrefixRead domainValues = EtcdPrefixRead.of(client.getKVClient(), domainsPrefix, 0)
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            final long at = domainValues.revision();
            final EtcdPrefixRead bindingValues = EtcdPrefixRead.of(client.getKVClient(), bindingsPrefix, at)
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            final List<PolicySnapshot.Change> changes = new ArrayList<>();
            final Set<String> present = new HashSet<>();
            for (final EtcdPrefixRead response : List.of(domainValues, bindingValues))
            {
                for (final KeyValue kv : response.kvs())
                {
                    final String key = text(kv.getKey());
                    present.add(key);
                    changes.add(new PolicySnapshot.Change(key, text(kv.getValue())));
                }
            }
            for (final String key : snapshot.keys())
            {
                if (!present.contains(key))
                {
                    changes.add(new PolicySnapshot.Change(key, null));
                }
            }
            return new FullRead(at, changes);
        }
        catch (final TimeoutException ex)
        {
            throw new PolicyException("etcd " + String.join(",", endpoints) + ": no answer within " +
                timeout.toMillis() + " ms");
        }
        catch (final ExecutionException ex)
        {
            throw new PolicyException("etcd " + String.join(",", endpoints) + ": " + ex.getCause().getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new PolicyException("etcd " + String.join(",", endpoints) + ": interrupted", ex);
        }
    }

    private void take(final FullRead read)
    {
        apply(read.changes);
        revision = read.revision;
    }

    /** On the store's thread (or at start, before any listener): the next snapshot, then the listeners. */
    private void apply(final List<PolicySnapshot.Change> changes)
    {
        final PolicySnapshot.Applied applied = snapshot.apply(changes, EtcdPolicyStore::refused);
        snapshot = applied.snapshot();
        for (final PolicyListener listener : listeners)
        {
            try
            {
                if (applied.changedDomains().length > 0)
                {
                    listener.domainsChanged(applied.changedDomains());
                }
                for (final int host : applied.changedHosts())
                {
                    listener.bindingsChanged(host);
                }
            }
            catch (final RuntimeException ex)
            {
                System.err.println("dvmc: policy listener failed: " + ex);
            }
        }
    }

    private static void refused(final String why)
    {
        System.err.println("dvmc: policy change refused, previous value stays in force: " + why);
    }

    private void watchFrom(final long fromRevision)
    {
        stopWatching();
        if (closed)
        {
            return;
        }
        final long generation = ++watchGeneration;
        try
        {
            final List<String> prefixes = List.of(domainsPrefix, bindingsPrefix);
            for (int i = 0; i < prefixes.size(); i++)
            {
                final int index = i;
                // A watch that ends without an error is as dead as one that failed (closing our own ends it too,
                // but that generation is no longer current by then).
                final Watch.Listener listener = Watch.listener(
                    response -> onThread(() -> onEvents(generation, index, fromRevision, response)),
                    error -> onThread(() -> onWatchFailed(generation, error.getMessage())),
                    () -> onThread(() -> onWatchFailed(generation, "the watch ended")));
                // Require a leader: a member cut off from the others ends the watch rather than going quiet.
                watchers.add(client.getWatchClient().watch(bytes(prefixes.get(i)), WatchOption.builder()
                    .isPrefix(true).withRevision(fromRevision).withRequireLeader(true).build(), listener));
            }
        }
        catch (final RuntimeException ex)
        {
            onWatchFailed(generation, ex.getMessage());
        }
    }

    /** On the store's thread, often: progress requests, and a full read when they go unanswered. */
    private void checkWatchAlive()
    {
        if (!closed && liveness.check(System.nanoTime(), watchers))
        {
            onWatchFailed(watchGeneration, "no answer to a progress request within " + liveness.silenceMs() + " ms");
        }
    }

    private void onEvents(final long generation, final int watcher, final long fromRevision,
        final WatchResponse response)
    {
        if (generation != watchGeneration || closed)
        {
            return;
        }
        liveness.heard(watcher);
        final List<PolicySnapshot.Change> changes = new ArrayList<>(response.getEvents().size());
        long latest = revision;
        for (final WatchEvent event : response.getEvents())
        {
            final KeyValue kv = event.getKeyValue();
            if (kv.getModRevision() <= fromRevision)
            {
                // Already in the snapshot: the watch starts at the revision that was read. (Not the store's
                // latest revision: the two watches deliver independently, either may be ahead.)
                continue;
            }
            final boolean put = event.getEventType() == WatchEvent.EventType.PUT;
            changes.add(new PolicySnapshot.Change(text(kv.getKey()), put ? text(kv.getValue()) : null));
            latest = Math.max(latest, kv.getModRevision());
        }
        if (!changes.isEmpty())
        {
            apply(changes);
            revision = latest;
        }
    }

    private void onWatchFailed(final long generation, final String why)
    {
        if (generation != watchGeneration || closed)
        {
            return;
        }
        watchFailures.incrementAndGet();
        System.err.println("dvmc: policy watch on etcd failed, reading the policy again: " + why);
        stopWatching();
        resync();
    }

    /** Reads everything again and watches from there; retried until etcd answers or the store is closed. */
    private void resync()
    {
        if (closed)
        {
            return;
        }
        try
        {
            final FullRead read = readAll();
            resyncs.incrementAndGet();
            take(read);
            if (failing)
            {
                failing = false;
                System.err.println("dvmc: policy: etcd answers again, policy read at revision " + read.revision);
            }
            watchFrom(read.revision);
        }
        catch (final PolicyException | RuntimeException ex)
        {
            if (!failing)
            {
                failing = true;
                System.err.println("dvmc: policy: " + ex.getMessage() + "; the policy read last stays in force, " +
                    "retrying every " + RETRY_MS + " ms");
            }
            try
            {
                thread.schedule(this::resync, RETRY_MS, TimeUnit.MILLISECONDS);
            }
            catch (final RejectedExecutionException closing)
            {
                // Closed meanwhile.
            }
        }
    }

    private void stopWatching()
    {
        watchGeneration++;
        liveness.reset();
        for (final Watch.Watcher watcher : watchers)
        {
            watcher.close();
        }
        watchers.clear();
    }

    private void onThread(final Runnable task)
    {
        try
        {
            thread.execute(task);
        }
        catch (final RejectedExecutionException ex)
        {
            // The store is closing: nothing more to apply.
        }
    }

    private static ByteSequence bytes(final String text)
    {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static String text(final ByteSequence bytes)
    {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
