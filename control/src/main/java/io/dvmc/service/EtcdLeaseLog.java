package io.dvmc.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dvmc.config.Addresses;
import io.dvmc.policy.EtcdPrefixRead;
import io.dvmc.policy.WatchLiveness;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.stub.StreamObserver;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.UnaryOperator;

/**
 * The service lease state in etcd, shared by every active replica of a service (DESIGN §5), in the key layout of
 * the distributed mode: {@code <prefix>/leases/<domain>/<a.b.c.d>} holds the binding of one address (so one
 * address can never be held by two MACs of a domain), {@code <prefix>/leases/<domain>/declined/<a.b.c.d>} an address
 * a client declined (RFC 2131 §4.3.3) with the end of its hold, {@code <prefix>/blocks/<domain>/<first>} the address
 * blocks of a replica and {@code <prefix>/services/<replica>} the replica itself, both on the replica's etcd lease.
 *
 * <p><b>Safety.</b> A binding is written by a transaction whose compare requires the address key's mod revision
 * to equal the one this replica last saw: the key was absent (revision 0), expired, or this MAC's when the replica
 * saw it, and nobody has changed it since. A release or expiry deletes with the same compare. Whatever the
 * concurrency, and whichever replica dies, an address is therefore written for a second MAC only after it was seen
 * free.
 *
 * <p><b>Batching.</b> The bindings of a receive batch are one transaction ({@link #sync()}): {@code If(every
 * compare) Then(every put or delete)}. When a compare fails, one read of the chunk's keys shows each key as it
 * is: an address that is absent, expired, or already this MAC's is written again with its current revision in
 * a second transaction; an address bound to another MAC is {@link #TAKEN} (the client gets a NAK); anything that
 * cannot be decided is {@link #UNCERTAIN} (no reply; the client retransmits). A transaction that does not complete
 * within the deadline (etcd unreachable, leader lost) leaves the whole batch unacknowledged.
 *
 * <p><b>Shared view.</b> All leases are read at the first {@link #poll} and then followed with a watch; the watch
 * thread only parses events into a queue that {@link #poll} drains on the service thread. A queue overflow or a
 * watch error reloads everything (a snapshot).
 *
 * <p><b>Blocks.</b> A replica allocates new addresses inside blocks it claimed ({@link #claimBlock}, one
 * transaction, the key on the replica's etcd lease with a short TTL): replicas rarely contend for an address. The
 * blocks of a replica that died become claimable once its etcd lease expires; the claimer reads the domain's
 * leases before allocating from a block.
 *
 * <p><b>Declines.</b> A decline is written in its batch's transaction, before the delete of the binding it ends, so
 * that a replica following the watch holds the address before it sees it free; every replica, and a replica that
 * starts, holds it until the end written in the key (wall clock). The key is on an etcd lease of its own that runs
 * out up to {@link #DECLINE_SLACK_SECONDS} after the hold ends: it goes by itself, even when the replica that wrote
 * it died, and nobody has to delete it. (An etcd lease can outlive its TTL, e.g. across a leader election, never
 * end before it; the hold itself never rests on the key being there.)
 *
 * <p>Single-threaded except for the watch and keep-alive callbacks, which only touch the queue and flags.
 */
public final class EtcdLeaseLog implements LeaseLog
{
    public static final String DEFAULT_PREFIX = "/dvmc";
    public static final long DEFAULT_TTL_SECONDS = 5;
    public static final long DEFAULT_TIMEOUT_MS = 3_000;
    /** etcd's default {@code --max-txn-ops}: a batch is split into transactions of at most this many keys. */
    static final int MAX_TXN_OPS = 128;
    /** How long a decline key may outlast its hold: one etcd lease serves the declines of that long. */
    static final long DECLINE_SLACK_SECONDS = 60;
    private static final String DECLINED = "declined/";
    private static final long STARTUP_SECONDS = 30;
    private static final int EVENT_QUEUE_CAPACITY = 1 << 16;
    /** Own transactions' revisions remembered for the watch, by revision modulo this: a power of two. */
    private static final int OWN_REVISIONS = 4096;
    private static final long UNKNOWN = Long.MIN_VALUE;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(EtcdLeaseLog.class);

    /** A lease key as seen in etcd: deleted, or bound with its record; or a decline key, held until expiresAtMs. */
    private record Event(int domainId, int address, long revision, boolean deleted, long mac, long expiresAtMs,
        long vmIdMsb, long vmIdLsb, int locationAddress, int locationPort, long transactionId, boolean declined,
        long clientKey, byte[] names)
    {
    }

    /** One put or delete of the current batch. */
    private static final class Entry
    {
        long key;
        int domainId;
        int address;
        long mac;
        int type;
        ByteSequence value;
        long etcdLease;
        long compareRevision;
        int outcome;

        /** A decline: written whatever the key holds, and not a binding whose revision is followed. */
        boolean isDecline()
        {
            return type == JournalRecord.DECLINED;
        }
    }

    private final Client client;
    private final KV kv;
    private final String prefix;
    private final String leasesPrefix;
    private final String replicaId;
    private final String listen;
    private final Clock clock;
    private final long ttlSeconds;
    private final long timeoutMs;

    /** Run by the watch's thread after it queued events or failed, for a service thread asleep between requests. */
    private volatile Runnable wake = () -> {
    };
    private final ManyToOneConcurrentArrayQueue<Event> events = new ManyToOneConcurrentArrayQueue<>(
        EVENT_QUEUE_CAPACITY);
    private final AtomicBoolean resyncNeeded = new AtomicBoolean(true);
    private final AtomicBoolean etcdLeaseLost = new AtomicBoolean();
    private final AtomicLong registrations = new AtomicLong();
    private final AtomicLong badRecords = new AtomicLong();
    /**
     * The revisions of this replica's own committed lease transactions, noted as each commits (on the gRPC thread).
     * Their watch events carry what the service thread applied already: they are skipped unparsed.
     */
    private final AtomicLongArray ownRevisions = new AtomicLongArray(OWN_REVISIONS);
    /**
     * Per (domain, address): the mod revision of the key as last seen; negative: deleted at that revision;
     * missing: never seen (absent); {@link #UNKNOWN}: a write whose fate is unknown.
     */
    private final Long2LongHashMap revisions = new Long2LongHashMap(UNKNOWN + 1);
    private final Long2LongHashMap pendingByKey = new Long2LongHashMap(-1);
    private final LongHashSet pendingDeclines = new LongHashSet();
    private final List<Entry> entries = new ArrayList<>();
    private final List<String> claimedBlockKeys = new ArrayList<>();
    private int entryCount;
    private int syncedUpTo;
    private long snapshotRevision;
    private boolean ready;
    private Listener listener;
    private long etcdLeaseId;
    /** The etcd lease of the decline keys written lately, and when it runs out at the earliest (wall ms). */
    private long declineLeaseId;
    private long declineLeaseEndsMs;
    private CloseableClient keepAlive;
    /** The lease watch, one or none (a list: what {@link WatchLiveness#check} takes). */
    private final List<Watch.Watcher> watchers = new ArrayList<>(1);
    private final WatchLiveness liveness = new WatchLiveness(WatchLiveness.DEFAULT_INTERVAL,
        WatchLiveness.DEFAULT_SILENCE);
    private volatile long watchGeneration;

    private long conflicts;
    private long uncertain;
    private long blockClaims;
    private long resyncs;
    private long syncs;
    private long syncedEntries;

    private EtcdLeaseLog(
        final Client client, final String prefix, final String replicaId, final String listen, final Clock clock,
        final long ttlSeconds, final long timeoutMs)
    {
        this.client = client;
        this.kv = client.getKVClient();
        this.prefix = prefix;
        this.leasesPrefix = prefix + "/leases/";
        this.replicaId = replicaId;
        this.listen = listen;
        this.clock = clock;
        this.ttlSeconds = ttlSeconds;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Connects, takes an etcd lease for this replica and registers it under {@code <prefix>/services/<replicaId>}.
     * The shared leases are loaded at the first {@link #poll}.
     *
     * @param endpoints etcd client URLs, e.g. {@code http://127.0.0.1:2379}.
     * @param listen    the replica's DVMC address, for operators.
     */
    public static EtcdLeaseLog open(
        final List<String> endpoints, final String prefix, final String replicaId, final String listen,
        final Clock clock, final long ttlSeconds, final long timeoutMs) throws IOException
    {
        if (replicaId == null || replicaId.isBlank() || replicaId.contains("/"))
        {
            throw new IllegalArgumentException("a replica id without '/' is required, got: " + replicaId);
        }
        final Client client = Client.builder().endpoints(endpoints.toArray(new String[0]))
            .connectTimeout(java.time.Duration.ofMillis(timeoutMs)).build();
        final EtcdLeaseLog log = new EtcdLeaseLog(client, prefix, replicaId, listen, clock, ttlSeconds, timeoutMs);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS);
        while (true)
        {
            try
            {
                log.register();
                return log;
            }
            catch (final LeaseStoreException ex)
            {
                // The first call connects (and may meet an election): worth a few tries before giving up.
                if (System.nanoTime() - deadline > 0)
                {
                    log.close();
                    throw new IOException("etcd at " + endpoints + ": " + ex.getMessage(), ex);
                }
                LOG.warn("replica {}: {}; trying again", replicaId, ex.getMessage());
            }
        }
    }

    /** @param prefix the root of the dvmc keys, as the policy store takes it (null for {@link #DEFAULT_PREFIX}). */
    public static EtcdLeaseLog open(final List<String> endpoints, final String prefix, final String replicaId,
        final String listen) throws IOException
    {
        return open(endpoints, prefix == null ? DEFAULT_PREFIX : prefix, replicaId, listen, Clock.systemUTC(),
            DEFAULT_TTL_SECONDS, DEFAULT_TIMEOUT_MS);
    }

    public String replicaId()
    {
        return replicaId;
    }

    public int appendBound(
        final int domainId,
        final long mac,
        final int address,
        final long expiresAtMs,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final long transactionId,
        final long clientKey,
        final byte[] names) throws LeaseStoreException
    {
        final Entry e = append(JournalRecord.BOUND, domainId, mac, address);
        e.value = bytes(record(mac, expiresAtMs, vmIdMsb, vmIdLsb, locationAddress, locationPort, transactionId,
            clientKey, names));
        return entryCount - 1;
    }

    public void appendEnded(final int type, final int domainId, final long mac, final int address)
        throws LeaseStoreException
    {
        append(type, domainId, mac, address);
    }

    public boolean isDirty()
    {
        return syncedUpTo < entryCount;
    }

    /** etcd failures pass: a later transaction may succeed. */
    public boolean hasFailed()
    {
        return false;
    }

    /**
     * One transaction per {@link #MAX_TXN_OPS} entries, all sent at once (their keys differ). A transaction that
     * does not complete leaves its entries {@link #UNCERTAIN}; when none completes the whole batch is refused.
     */
    public void sync() throws LeaseStoreException
    {
        final int from = syncedUpTo;
        syncedEntries += entryCount - from;
        final int to = entryCount;
        syncedUpTo = to;
        pendingByKey.clear();
        pendingDeclines.clear();
        if (from == to)
        {
            return;
        }
        final List<CompletableFuture<TxnResponse>> txns = new ArrayList<>();
        for (int start = from; start < to; start += MAX_TXN_OPS)
        {
            txns.add(commitChunk(start, Math.min(to, start + MAX_TXN_OPS)));
        }
        LeaseStoreException failure = null;
        int failed = 0;
        for (int c = 0, start = from; start < to; c++, start += MAX_TXN_OPS)
        {
            final int end = Math.min(to, start + MAX_TXN_OPS);
            try
            {
                final TxnResponse r = await(txns.get(c), "write leases");
                if (r.isSucceeded())
                {
                    written(start, end, r.getHeader().getRevision());
                }
                else
                {
                    resolve(start, end, await(readChunk(start, end), "read conflicting leases").getGetResponses());
                }
            }
            catch (final LeaseStoreException ex)
            {
                failure = ex;
                failed++;
                markUncertain(entries.subList(start, end));
                // The decline lease may be what etcd refused (gone after an outage): the next decline takes another.
                declineLeaseId = 0;
                // A delete that may not have landed would leave an address held here and free there: reload.
                resyncNeeded.set(true);
            }
        }
        syncs++;
        if (failed == txns.size())
        {
            throw failure;
        }
    }

    public int outcome(final int entry)
    {
        return entry < syncedUpTo ? entries.get(entry).outcome : UNCERTAIN;
    }

    public void endBatch()
    {
        entryCount = 0;
        syncedUpTo = 0;
        pendingByKey.clear();
        pendingDeclines.clear();
    }

    /** Nothing to compact: etcd keeps one key per address, and compacts its own history. */
    public boolean shouldCompact(final long liveLeases)
    {
        return false;
    }

    public void compact(final LeaseBook book, final HeldAddresses held, final long nowMs, final long wallOffsetMs)
    {
    }

    /**
     * A {@link JournalRecord#DECLINED} hold becomes a decline key, written by the next {@link #sync()} (see the class
     * comment). Quarantines are the file journal's: what etcd holds is never damaged in a way dvmc could read.
     */
    public void appendHeld(final int type, final int domainId, final int address, final long mac,
        final long untilMs) throws LeaseStoreException
    {
        if (type != JournalRecord.DECLINED)
        {
            return;
        }
        final long key = LeaseBook.addressKey(domainId, address);
        if (pendingDeclines.contains(key))
        {
            sync();
        }
        final long etcdLease = declineLease(untilMs);
        final Entry e = nextEntry(JournalRecord.DECLINED, domainId, mac, address);
        e.value = bytes("{\"mac\":\"" + Addresses.mac(mac) + "\",\"untilMs\":" + untilMs + ",\"replica\":\"" +
            replicaId + "\"}");
        e.etcdLease = etcdLease;
        e.compareRevision = 0;
        pendingDeclines.add(key);
    }

    /** An etcd lease that runs out between {@code untilMs} and {@link #DECLINE_SLACK_SECONDS} later. */
    private long declineLease(final long untilMs) throws LeaseStoreException
    {
        if (declineLeaseId == 0 || declineLeaseEndsMs < untilMs ||
            declineLeaseEndsMs - untilMs > DECLINE_SLACK_SECONDS * 1000)
        {
            final long now = clock.millis();
            final long ttlSeconds = Math.max(0, untilMs - now + 999) / 1000 + DECLINE_SLACK_SECONDS;
            declineLeaseId = await(client.getLeaseClient().grant(ttlSeconds), "grant an etcd lease for declines")
                .getID();
            // Counted by etcd from the grant, which came after now: the lease ends no earlier than this.
            declineLeaseEndsMs = now + ttlSeconds * 1000;
        }
        return declineLeaseId;
    }

    /** Full reloads of the shared leases (start, watch errors and silences, unknown outcomes). */
    public long reloads()
    {
        return resyncs;
    }

    public boolean isShared()
    {
        return true;
    }

    public int poll(final Listener listener)
    {
        this.listener = listener;
        if (etcdLeaseLost.get())
        {
            renewRegistration();
        }
        if (ready && liveness.check(System.nanoTime(), watchers))
        {
            LOG.warn("replica {}: lease watch silent for {} ms, reloading", replicaId, liveness.silenceMs());
            resyncNeeded.set(true);
        }
        if (resyncNeeded.get() && !resync())
        {
            return -1;
        }
        if (!ready)
        {
            return -1;
        }
        int applied = 0;
        Event e;
        while (applied < EVENT_QUEUE_CAPACITY && (e = events.poll()) != null)
        {
            apply(e, false);
            applied++;
        }
        return applied;
    }

    public int claimBlock(final int domainId, final int[] firsts, final int count, final Listener listener)
        throws LeaseStoreException
    {
        this.listener = listener;
        final String blocksPrefix = prefix + "/blocks/" + Integer.toUnsignedString(domainId) + "/";
        final GetResponse claimed = await(kv.get(bytes(blocksPrefix), GetOption.builder().isPrefix(true).build()),
            "read the address blocks of domain " + Integer.toUnsignedString(domainId));
        final Set<String> taken = new HashSet<>();
        for (final KeyValue k : claimed.getKvs())
        {
            taken.add(k.getKey().toString(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < count; i++)
        {
            final String key = blocksPrefix + Addresses.ipv4(firsts[i]);
            if (taken.contains(key))
            {
                continue;
            }
            final String value = "{\"replica\":\"" + replicaId + "\",\"first\":\"" + Addresses.ipv4(firsts[i]) +
                "\",\"last\":\"" + Addresses.ipv4(firsts[i] + AddressPool.BLOCK - 1) + "\"}";
            final TxnResponse r = await(kv.txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(bytes(key), bytes(value), PutOption.builder().withLeaseId(etcdLeaseId).build()))
                .commit(), "claim block " + key);
            if (r.isSucceeded())
            {
                blockClaims++;
                claimedBlockKeys.add(key);
                learnBlock(domainId, firsts[i]);
                LOG.info("replica {} claimed address block {}", replicaId, key);
                return firsts[i];
            }
        }
        return 0;
    }

    /** Bindings refused because another replica had bound the address to another MAC. */
    public long conflicts()
    {
        return conflicts;
    }

    /** Bindings whose transaction did not complete or whose retry failed: not acknowledged. */
    public long uncertain()
    {
        return uncertain;
    }

    public long blockClaims()
    {
        return blockClaims;
    }

    /** Watches taken for dead after a progress request went unanswered. */
    public long silentWatches()
    {
        return liveness.silences();
    }

    /** Lease records in etcd that could not be read (skipped). */
    public long badRecords()
    {
        return badRecords.get();
    }

    /** Batches synced. */
    public long syncs()
    {
        return syncs;
    }

    /** Puts and deletes synced, over all batches. */
    public long syncedEntries()
    {
        return syncedEntries;
    }

    public void close()
    {
        closeWatch();
        if (keepAlive != null)
        {
            keepAlive.close();
        }
        if (etcdLeaseId != 0)
        {
            try
            {
                // The blocks and the registration go at once instead of after the TTL.
                client.getLeaseClient().revoke(etcdLeaseId).get(timeoutMs, TimeUnit.MILLISECONDS);
            }
            catch (final ExecutionException | TimeoutException | RuntimeException ex)
            {
                LOG.warn("replica {}: etcd lease not revoked, it expires in {} s", replicaId, ttlSeconds);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        client.close();
    }

    private Entry append(final int type, final int domainId, final long mac, final int address)
        throws LeaseStoreException
    {
        final long key = LeaseBook.addressKey(domainId, address);
        if (pendingByKey.containsKey(key))
        {
            // etcd refuses a transaction that names a key twice: the earlier decision becomes durable first.
            sync();
        }
        final Entry e = nextEntry(type, domainId, mac, address);
        e.compareRevision = compareRevision(key);
        pendingByKey.put(key, entryCount - 1);
        return e;
    }

    private Entry nextEntry(final int type, final int domainId, final long mac, final int address)
    {
        if (entryCount == entries.size())
        {
            entries.add(new Entry());
        }
        final Entry e = entries.get(entryCount);
        e.domainId = domainId;
        e.address = address;
        e.mac = mac;
        e.key = LeaseBook.addressKey(domainId, address);
        e.type = type;
        e.value = null;
        e.etcdLease = 0;
        e.outcome = UNCERTAIN;
        entryCount++;
        return e;
    }

    private long compareRevision(final long key)
    {
        final long seen = revisions.get(key);
        if (seen == UNKNOWN)
        {
            // No revision matches: the compare fails and the read that follows shows the key as it is.
            return -1;
        }
        return seen == revisions.missingValue() || seen < 0 ? 0 : seen;
    }

    private CompletableFuture<TxnResponse> commitChunk(final int start, final int end)
    {
        final List<Entry> chunk = entries.subList(start, end);
        final Op[] writes = new Op[chunk.size()];
        for (int i = 0; i < writes.length; i++)
        {
            final Entry e = chunk.get(i);
            writes[i] = write(e, keyOf(e));
        }
        return kv.txn().If(compares(chunk)).Then(writes).commit().thenApply(this::noteOwn);
    }

    /**
     * The keys of a chunk whose compare failed, read at one revision. Not an Else branch of the write: that would
     * send, and replicate into every member's log, a read of each key with every batch, to serve the rare conflict.
     */
    private CompletableFuture<TxnResponse> readChunk(final int start, final int end)
    {
        final Op[] reads = new Op[end - start];
        for (int i = start; i < end; i++)
        {
            reads[i - start] = Op.get(keyOf(entries.get(i)), GetOption.DEFAULT);
        }
        return kv.txn().Then(reads).commit();
    }

    private TxnResponse noteOwn(final TxnResponse response)
    {
        if (response.isSucceeded())
        {
            final long revision = response.getHeader().getRevision();
            ownRevisions.set((int)(revision & (OWN_REVISIONS - 1)), revision);
        }
        return response;
    }

    /** One table slot per revision modulo its size: a revision is overwritten only by one far newer. */
    private boolean isOwn(final long revision)
    {
        return ownRevisions.get((int)(revision & (OWN_REVISIONS - 1))) == revision;
    }

    /**
     * The batch transaction failed a compare: each key as it is now decides its entry, and the entries that may
     * still be written are written with the revision just read, in one more transaction.
     */
    private void resolve(final int start, final int end, final List<GetResponse> current) throws LeaseStoreException
    {
        final long now = clock.millis();
        final List<Entry> retry = new ArrayList<>();
        for (int i = start; i < end; i++)
        {
            final Entry e = entries.get(i);
            if (e.isDecline())
            {
                retry.add(e);
                continue;
            }
            final List<KeyValue> kvs = current.get(i - start).getKvs();
            final KeyValue k = kvs.isEmpty() ? null : kvs.get(0);
            final Event held = k == null ? null : parse(k);
            if (k != null && held == null)
            {
                e.outcome = UNCERTAIN;
                uncertain++;
                continue;
            }
            if (e.type == JournalRecord.BOUND)
            {
                if (held == null || held.mac() == e.mac || held.expiresAtMs() <= now)
                {
                    e.compareRevision = k == null ? 0 : k.getModRevision();
                    retry.add(e);
                }
                else
                {
                    e.outcome = TAKEN;
                    conflicts++;
                    apply(held, true);
                }
            }
            else
                if (held != null && held.mac() == e.mac &&
                    (e.type == JournalRecord.RELEASED || held.expiresAtMs() <= now))
            {
                e.compareRevision = k.getModRevision();
                retry.add(e);
            }
                else
            {
                // Nothing of this client's left to delete: gone already, renewed meanwhile, or someone else's.
                e.outcome = OK;
                if (held != null)
                {
                    apply(held, true);
                }
            }
        }
        if (retry.isEmpty())
        {
            return;
        }
        final Op[] writes = new Op[retry.size()];
        for (int i = 0; i < writes.length; i++)
        {
            final Entry e = retry.get(i);
            writes[i] = write(e, keyOf(e));
        }
        final TxnResponse r;
        try
        {
            r = await(kv.txn().If(compares(retry)).Then(writes).commit().thenApply(this::noteOwn),
                "write leases again");
        }
        catch (final LeaseStoreException ex)
        {
            markUncertain(retry);
            resyncNeeded.set(true);
            return;
        }
        if (!r.isSucceeded())
        {
            // Changed again in between: the client's retransmission is decided afresh.
            markUncertain(retry);
            return;
        }
        final long revision = r.getHeader().getRevision();
        for (final Entry e : retry)
        {
            written(e, revision);
        }
    }

    private void markUncertain(final List<Entry> retry)
    {
        for (final Entry e : retry)
        {
            e.outcome = UNCERTAIN;
            if (!e.isDecline())
            {
                revisions.put(e.key, UNKNOWN);
            }
        }
        uncertain += retry.size();
    }

    private void written(final int start, final int end, final long revision)
    {
        for (int i = start; i < end; i++)
        {
            written(entries.get(i), revision);
        }
    }

    private void written(final Entry e, final long revision)
    {
        e.outcome = OK;
        if (!e.isDecline())
        {
            revisions.put(e.key, e.type == JournalRecord.BOUND ? revision : -revision);
        }
    }

    /** A compare of its binding's revision per entry; a decline is written whatever its key holds. */
    private Cmp[] compares(final List<Entry> chunk)
    {
        final List<Cmp> compares = new ArrayList<>(chunk.size());
        for (final Entry e : chunk)
        {
            if (!e.isDecline())
            {
                compares.add(new Cmp(keyOf(e), Cmp.Op.EQUAL, CmpTarget.modRevision(e.compareRevision)));
            }
        }
        return compares.toArray(new Cmp[0]);
    }

    private ByteSequence keyOf(final Entry e)
    {
        return e.isDecline() ? declineKey(e.domainId, e.address) : leaseKey(e.domainId, e.address);
    }

    private static Op write(final Entry e, final ByteSequence key)
    {
        return switch (e.type)
        {
            case JournalRecord.BOUND -> Op.put(key, e.value, PutOption.DEFAULT);
            case JournalRecord.DECLINED -> Op.put(key, e.value, PutOption.builder().withLeaseId(e.etcdLease).build());
            default -> Op.delete(key, DeleteOption.DEFAULT);
        };
    }

    /**
     * Applies a key's state to the listener unless a newer one was seen already ({@code force}: it is the state
     * just read, and the book may hold a decision that did not become durable).
     */
    private void apply(final Event e, final boolean force)
    {
        if (!force && e.revision() <= snapshotRevision)
        {
            return;
        }
        if (e.declined())
        {
            listener.onDeclined(e.domainId(), e.address(), e.expiresAtMs());
            return;
        }
        final long key = LeaseBook.addressKey(e.domainId(), e.address());
        final long seen = revisions.get(key);
        if (!force && seen != UNKNOWN && seen != revisions.missingValue() && Math.abs(seen) >= e.revision())
        {
            return;
        }
        revisions.put(key, e.deleted() ? -e.revision() : e.revision());
        if (e.deleted())
        {
            listener.onEnded(e.domainId(), e.address());
        }
        else
        {
            listener.onBound(e.domainId(), e.address(), e.mac(), e.expiresAtMs(), e.vmIdMsb(), e.vmIdLsb(),
                e.locationAddress(), e.locationPort(), e.transactionId(), e.clientKey(), e.names());
        }
    }

    /**
     * Reads every lease, reports it as a snapshot, and watches from the revision read. The read is paged
     * ({@link EtcdPrefixRead}), since one reply may not exceed gRPC's 4 MiB.
     */
    private boolean resync()
    {
        final List<KeyValue> all;
        final long revision;
        try
        {
            final EtcdPrefixRead read = await(EtcdPrefixRead.of(kv, leasesPrefix, 0), "read leases");
            all = read.kvs();
            revision = read.revision();
        }
        catch (final LeaseStoreException ex)
        {
            LOG.warn("replica {}: {}", replicaId, ex.getMessage());
            return false;
        }
        resyncNeeded.set(false);
        closeWatch();
        events.clear();
        revisions.clear();
        listener.onSnapshotBegin();
        for (final KeyValue k : all)
        {
            final Event e = parse(k);
            if (e != null)
            {
                apply(e, true);
            }
        }
        listener.onSnapshotEnd();
        snapshotRevision = revision;
        // From the revision read, not the next: a compaction at exactly the next one would drop a deletion made
        // there without failing the watch. What the read saw already is skipped (apply).
        final long generation = ++watchGeneration;
        liveness.reset();
        watchers.add(client.getWatchClient().watch(bytes(leasesPrefix),
            WatchOption.builder().isPrefix(true).withRevision(revision).withRequireLeader(true).build(),
            Watch.listener(response -> {
                if (generation == watchGeneration)
                {
                    liveness.heard(0);
                }
                onWatch(response);
            }, this::onWatchError)));
        resyncs++;
        ready = true;
        LOG.info("replica {}: {} lease keys loaded at revision {}", replicaId, all.size(), revision);
        return true;
    }

    /**
     * Reads the leases of a block just claimed into the book (what a dead replica bound there), in one
     * transaction of prefix reads, one per /24 the block touches.
     */
    private void learnBlock(final int domainId, final int first) throws LeaseStoreException
    {
        final String domainPrefix = leasesPrefix + Integer.toUnsignedString(domainId) + "/";
        final List<Op> reads = new ArrayList<>();
        for (long a = first & 0xFFFF_FF00L; a < (first & 0xFFFF_FFFFL) + AddressPool.BLOCK; a += 256)
        {
            final String ip = Addresses.ipv4((int)a);
            reads.add(Op.get(bytes(domainPrefix + ip.substring(0, ip.lastIndexOf('.') + 1)),
                GetOption.builder().isPrefix(true).build()));
        }
        final TxnResponse r = await(kv.txn().Then(reads.toArray(new Op[0])).commit(), "read leases of a block");
        for (final GetResponse g : r.getGetResponses())
        {
            for (final KeyValue k : g.getKvs())
            {
                final Event e = parse(k);
                if (e != null)
                {
                    apply(e, false);
                }
            }
        }
    }

    private void onWatch(final WatchResponse response)
    {
        for (final WatchEvent we : response.getEvents())
        {
            final KeyValue k = we.getKeyValue();
            if (isOwn(k.getModRevision()))
            {
                continue;
            }
            final Event e = we.getEventType() == WatchEvent.EventType.DELETE
                ? parseDeleted(k)
                : we.getEventType() == WatchEvent.EventType.PUT ? parse(k) : null;
            if (e != null && !events.offer(e))
            {
                resyncNeeded.set(true);
            }
        }
        wake.run();
    }

    @Override
    public void wakeOnChange(final Runnable wake)
    {
        this.wake = wake;
    }

    private void onWatchError(final Throwable error)
    {
        LOG.warn("replica {}: lease watch failed, reloading: {}", replicaId, error.toString());
        resyncNeeded.set(true);
        wake.run();
    }

    private void closeWatch()
    {
        watchers.forEach(Watch.Watcher::close);
        watchers.clear();
    }

    private void register() throws LeaseStoreException
    {
        etcdLeaseId = await(client.getLeaseClient().grant(ttlSeconds), "grant an etcd lease").getID();
        // A stream closed on purpose may still report its end: only the current one speaks for the registration.
        final long registration = registrations.incrementAndGet();
        keepAlive = client.getLeaseClient().keepAlive(etcdLeaseId, new StreamObserver<>()
        {
            public void onNext(final LeaseKeepAliveResponse value)
            {
                if (value.getTTL() <= 0)
                {
                    lost();
                }
            }

            public void onError(final Throwable t)
            {
                lost();
            }

            public void onCompleted()
            {
                lost();
            }

            private void lost()
            {
                if (registrations.get() == registration)
                {
                    etcdLeaseLost.set(true);
                }
            }
        });
        final String value = "{\"replica\":\"" + replicaId + "\",\"listen\":\"" + listen + "\",\"startedMs\":" +
            clock.millis() + "}";
        try
        {
            await(kv.put(bytes(prefix + "/services/" + replicaId), bytes(value),
                PutOption.builder().withLeaseId(etcdLeaseId).build()), "register the replica");
        }
        catch (final LeaseStoreException ex)
        {
            // Else the next try leaves this lease kept alive for ever, by a stream nobody holds any more.
            keepAlive.close();
            keepAlive = null;
            client.getLeaseClient().revoke(etcdLeaseId);
            throw ex;
        }
    }

    /**
     * The etcd lease ran out (etcd unreachable longer than the TTL): register again and take back the blocks that
     * nobody claimed meanwhile. Safety never rests on blocks, only on the lease keys' compares.
     */
    private void renewRegistration()
    {
        try
        {
            etcdLeaseLost.set(false);
            if (keepAlive != null)
            {
                keepAlive.close();
                keepAlive = null;
            }
            register();
            for (final String key : claimedBlockKeys)
            {
                await(kv.txn()
                    .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0)))
                    .Then(Op.put(bytes(key), bytes("{\"replica\":\"" + replicaId + "\"}"),
                        PutOption.builder().withLeaseId(etcdLeaseId).build()))
                    .commit(), "reclaim block " + key);
            }
        }
        catch (final LeaseStoreException ex)
        {
            etcdLeaseLost.set(true);
            LOG.warn("replica {}: cannot register again: {}", replicaId, ex.getMessage());
        }
    }

    private Event parse(final KeyValue k)
    {
        final String key = k.getKey().toString(StandardCharsets.UTF_8);
        try
        {
            final int slash = key.indexOf('/', leasesPrefix.length());
            final int domainId = Integer.parseUnsignedInt(key.substring(leasesPrefix.length(), slash));
            final boolean declined = key.startsWith(DECLINED, slash + 1);
            final int address = Addresses.parseIpv4(key.substring(slash + 1 + (declined ? DECLINED.length() : 0)));
            final UnaryOperator<String> v = fields(k.getValue().toString(StandardCharsets.UTF_8));
            final long mac = Addresses.parseMac(required(v, "mac"));
            if (declined)
            {
                return new Event(domainId, address, k.getModRevision(), false, mac,
                    Long.parseLong(required(v, "untilMs")), 0, 0, 0, 0, 0, true, ClientKeys.NONE, null);
            }
            final long expiresAtMs = Long.parseLong(required(v, "expiresAtMs"));
            long msb = 0;
            long lsb = 0;
            final String vmText = v.apply("vm");
            if (vmText != null)
            {
                final UUID vm = UUID.fromString(vmText);
                msb = vm.getMostSignificantBits();
                lsb = vm.getLeastSignificantBits();
            }
            int locationAddress = 0;
            int locationPort = 0;
            final String location = v.apply("location");
            if (location != null)
            {
                final int colon = location.lastIndexOf(':');
                locationAddress = Addresses.parseIpv4(location.substring(0, colon));
                locationPort = Integer.parseInt(location.substring(colon + 1));
            }
            final String xidText = v.apply("xid");
            final long xid = xidText != null ? Long.parseUnsignedLong(xidText, 16) : 0;
            final String clientKeyText = v.apply("clientKey");
            final long clientKey = clientKeyText != null ? Long.parseUnsignedLong(clientKeyText, 16) : ClientKeys.NONE;
            final String hostname = v.apply("hostname");
            final String fqdn = v.apply("fqdn");
            final String clientId = v.apply("clientId");
            final String keaFlags = v.apply("keaFlags");
            final String userContext = v.apply("keaUserContext");
            final byte[] names = ClientNames.pack(hostname == null ? "" : hostname, fqdn == null ? "" : fqdn,
                clientId == null ? null : HexFormat.ofDelimiter(":").parseHex(clientId),
                keaFlags == null ? 0 : Integer.parseInt(keaFlags), userContext == null ? "" : userContext);
            return new Event(domainId, address, k.getModRevision(), false, mac, expiresAtMs, msb, lsb,
                locationAddress, locationPort, xid, false, clientKey, names);
        }
        catch (final IOException | RuntimeException ex)
        {
            badRecords.incrementAndGet();
            LOG.warn("replica {}: unreadable lease record {}: {}", replicaId, key, ex.toString());
            return null;
        }
    }

    /**
     * The fields of a lease record. Every replica reads every other's writes: the flat record is scanned, not
     * parsed into a JSON tree per event; only a record with an escaped string (a client's name) goes to the JSON
     * library.
     */
    private static UnaryOperator<String> fields(final String record) throws IOException
    {
        if (record.indexOf('\\') < 0)
        {
            return name -> field(record, name);
        }
        final JsonNode tree = JSON.readTree(record);
        if (!tree.isObject())
        {
            throw new IllegalArgumentException("not a JSON object: " + record);
        }
        return name -> tree.hasNonNull(name) ? tree.get(name).asText() : null;
    }

    private static String required(final UnaryOperator<String> fields, final String name)
    {
        final String value = fields.apply(name);
        if (value == null)
        {
            throw new IllegalArgumentException("no \"" + name + "\"");
        }
        return value;
    }

    /**
     * The value of a top-level field of a lease record (a flat JSON object of strings and numbers, as
     * {@link #record} writes it): the string's text or the number's digits; null when absent or null.
     */
    static String field(final String record, final String name)
    {
        if (record.isEmpty() || record.charAt(0) != '{' || record.charAt(record.length() - 1) != '}')
        {
            throw new IllegalArgumentException("not a JSON object: " + record);
        }
        final String label = "\"" + name + "\":";
        final int at = record.indexOf(label);
        if (at < 0)
        {
            return null;
        }
        final int from = at + label.length();
        if (from < record.length() && record.charAt(from) == '"')
        {
            final int end = record.indexOf('"', from + 1);
            if (end < 0 || record.lastIndexOf('\\', end) > from)
            {
                throw new IllegalArgumentException("unterminated or escaped \"" + name + "\" in " + record);
            }
            return record.substring(from + 1, end);
        }
        int end = from;
        while (end < record.length() && record.charAt(end) != ',' && record.charAt(end) != '}')
        {
            end++;
        }
        final String text = record.substring(from, end).strip();
        return "null".equals(text) ? null : text;
    }

    private Event parseDeleted(final KeyValue k)
    {
        final String key = k.getKey().toString(StandardCharsets.UTF_8);
        try
        {
            final int slash = key.indexOf('/', leasesPrefix.length());
            if (key.startsWith(DECLINED, slash + 1))
            {
                // A hold ends at the time its key gave, at every replica; the key's etcd lease only tidies up.
                return null;
            }
            return new Event(Integer.parseUnsignedInt(key.substring(leasesPrefix.length(), slash)),
                Addresses.parseIpv4(key.substring(slash + 1)), k.getModRevision(), true, 0, 0, 0, 0, 0, 0, 0, false,
                ClientKeys.NONE, null);
        }
        catch (final RuntimeException ex)
        {
            badRecords.incrementAndGet();
            return null;
        }
    }

    private String record(
        final long mac, final long expiresAtMs, final long vmIdMsb, final long vmIdLsb, final int locationAddress,
        final int locationPort, final long transactionId, final long clientKey, final byte[] names)
    {
        return EtcdLeaseRecord.of(mac, expiresAtMs, vmIdMsb, vmIdLsb, locationAddress, locationPort, transactionId,
            replicaId, clientKey, names);
    }

    private ByteSequence leaseKey(final int domainId, final int address)
    {
        return bytes(leasesPrefix + Integer.toUnsignedString(domainId) + "/" + Addresses.ipv4(address));
    }

    private ByteSequence declineKey(final int domainId, final int address)
    {
        return bytes(leasesPrefix + Integer.toUnsignedString(domainId) + "/" + DECLINED + Addresses.ipv4(address));
    }

    private static ByteSequence bytes(final String s)
    {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private <T> T await(final CompletableFuture<T> future, final String what)
        throws LeaseStoreException
    {
        try
        {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException ex)
        {
            future.cancel(true);
            throw new LeaseStoreException("etcd: " + what + ": no answer within " + timeoutMs + " ms");
        }
        catch (final ExecutionException ex)
        {
            throw new LeaseStoreException("etcd: " + what + ": " + ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new LeaseStoreException("etcd: " + what + ": interrupted");
        }
    }
}
