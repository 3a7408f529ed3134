package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.policy.Domain;
import io.dvmc.policy.PolicyStore;
import io.dvmc.time.MonotonicClock;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The builtin address manager of the dvmc service: leases keyed by (domain id, MAC), the pool of each domain, and
 * the journal that makes bindings durable. Follows the server side of RFC 2131 §4.3; the lease it tracks is the
 * host lease (DESIGN §5), the VM lease only goes into replies.
 *
 * <ul>
 *   <li>DISCOVER → an address held as OFFERED for the domain's offer hold (§4.3.1, §4.4.1).</li>
 *   <li>REQUEST for the offered or bound address → BOUND until the host lease expires, journalled (§4.3.2).
 *   A retransmission of the request that bound it gets the same answer without a new journal write.</li>
 *   <li>REQUEST for any other address, outside the subnet, or naming another server → NAK (§4.3.2).</li>
 *   <li>RELEASE → the address returns to the pool (§4.3.4); DECLINE → also held unusable (§4.3.3).</li>
 *   <li>INFORM → options only (§4.3.5); LEASEQUERY → the current binding.</li>
 * </ul>
 *
 * <p>A client identifier (option 61) names the client where it is given (§4.2, RFC 2132 §9.14), but only within one
 * VM: a DISCOVER or REQUEST from a MAC without a lease takes over the lease that the same VM id holds for the same
 * client identifier under another MAC, so a VM whose MAC changes keeps its address. Another VM sending that
 * identifier finds nothing: the VM id comes from the host's binding, not from the VM.
 *
 * <p>With a shared {@link LeaseLog} (etcd, several active replicas) the book also holds what other replicas bound,
 * reported by the log, so a client bound through one replica renews through another; new addresses come from
 * the address blocks this replica claimed; and a REQUEST for an address this replica never offered binds it if it
 * is free, so a client whose exchange failed over keeps its address. Whether an address is free is finally decided
 * by the log's compare-and-set at the sync, never by this book alone.
 *
 * <p>Time: offers, bindings and declines expire on the injected {@link MonotonicClock}, so that a step of the wall
 * clock neither frees an address early (forward) nor holds it on (backward). Journal and etcd records hold wall-clock
 * times, converted when written and when read, so that they keep their meaning across restarts and between
 * replicas. Single-threaded: the service's agent thread.
 */
public final class AddressManager implements AutoCloseable
{
    /** RFC 2131 §4.3.3 leaves the duration to the server; ten minutes lets an address conflict clear. */
    public static final long DECLINE_HOLD_MS = 10 * 60 * 1000;
    /** How long an expired key of another replica's block may stay before it counts as ownerless. */
    static final long ORPHAN_GRACE_MS = 60_000;
    /** How far replicas' clocks may differ: the DVMC timestamp window. */
    static final long SKEW_MS = Authenticator.DEFAULT_WINDOW_MS;
    /** The first retry of a failed compaction or journal rewrite; each failure doubles it, up to the maximum. */
    static final long FIRST_RETRY_MS = 1000;
    static final long MAX_RETRY_MS = 5 * 60 * 1000;
    private static final Logger LOG = LoggerFactory.getLogger(AddressManager.class);

    private final PolicyStore policy;
    private final MonotonicClock clock;
    private final LeaseBook book = new LeaseBook();
    private final HeldAddresses held = new HeldAddresses();
    /** The expiry events, written on the thread that sweeps. */
    private final LeaseEvents events = LeaseEvents.configured();
    private final Int2ObjectHashMap<DomainState> states = new Int2ObjectHashMap<>();
    private final LeaseLog journal;
    private final SharedLeases shared = new SharedLeases();
    /** First addresses of the blocks claimed per domain, owned again when a domain's pool is rebuilt. */
    private final Int2ObjectHashMap<IntArrayList> ownedBlocks = new Int2ObjectHashMap<>();
    private final int[] blockCandidates = new int[16];
    /**
     * Expired shared bindings in blocks that are not this replica's, noticed at a sweep: their block's owner deletes
     * the key; one that is still there {@link #ORPHAN_GRACE_MS} later has no owner left (the replica died, or the
     * address is in no block), and is deleted here. The delete compares the key's revision, so it removes nothing
     * that was bound again meanwhile, whoever else deletes it too.
     */
    private final ArrayDeque<Orphan> orphans = new ArrayDeque<>();
    private int[] batchDomains = new int[64];
    private long[] batchMacs = new long[64];
    private int[] batchAddresses = new int[64];
    private int[] batchPriorStates = new int[64];
    private long[] batchPriorExpiries = new long[64];
    private int batchSize;
    private LeaseRevocations revocations = LeaseRevocations.NONE;
    private long nextRewriteMs;
    private long rewriteBackoffMs = FIRST_RETRY_MS;

    /** Opens (and replays) the journal in {@code journalDir}. */
    public AddressManager(final PolicyStore policy, final Path journalDir, final MonotonicClock clock)
        throws IOException
    {
        this(policy, journalDir, clock, LeaseJournal.DEFAULT_COMPACT_FACTOR, LeaseJournal.DEFAULT_MIN_COMPACT_RECORDS);
    }

    /** Keeps the leases in etcd, shared with the other replicas of the service. */
    public AddressManager(final PolicyStore policy, final EtcdLeaseLog sharedLog, final MonotonicClock clock)
    {
        this.policy = policy;
        this.clock = clock;
        this.journal = sharedLog;
    }

    AddressManager(
        final PolicyStore policy, final Path journalDir, final MonotonicClock clock, final int compactFactor,
        final long minCompactRecords) throws IOException
    {
        this.policy = policy;
        this.clock = clock;
        final LeaseJournal file = LeaseJournal.open(journalDir, compactFactor, minCompactRecords, new Restorer());
        this.journal = file;
        if (file.damagedSpans() > 0)
        {
            // Replace the damaged file by the leases and quarantines read from it, so that the damage is reported
            // once and a quarantine the operator lifts stays lifted. If that fails, the next start reads it again.
            try
            {
                file.compact(book, held, clock.millis(), clock.wallOffsetMillis());
            }
            catch (final LeaseStoreException ex)
            {
                LOG.warn("damaged lease journal not rewritten yet: {}", ex.getMessage());
            }
        }
    }

    /**
     * DISCOVER: the client's current binding or standing offer, else an address from the pool (RFC 2131 §4.3.1),
     * held as OFFERED.
     *
     * @param requested the address the VM asked for (option 50), or 0.
     */
    public void offer(
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final int requested,
        final Grant out) throws LeaseException
    {
        offer(domainId, mac, vmIdMsb, vmIdLsb, locationAddress, locationPort, requested, ClientKeys.NONE, out);
    }

    /**
     * {@link #offer(int, long, long, long, int, int, int, Grant)} for a client that sent a client identifier.
     *
     * @param clientKey the {@link ClientKeys key} of option 61, or {@link ClientKeys#NONE}.
     */
    public void offer(
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final int requested,
        final long clientKey,
        final Grant out) throws LeaseException
    {
        offer(domainId, mac, vmIdMsb, vmIdLsb, locationAddress, locationPort, requested, clientKey, null, out);
    }

    /**
     * {@link #offer(int, long, long, long, int, int, int, long, Grant)} for a client that may have given names.
     *
     * @param names its host name and FQDN (options 12 and 81), or null.
     */
    public void offer(
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final int requested,
        final long clientKey,
        final ClientNames names,
        final Grant out) throws LeaseException
    {
        final long now = clock.millis();
        final DomainState s = state(domainId);
        final Domain d = s.domain;
        int slot = book.find(domainId, mac);
        int previous = 0;
        if (slot == LeaseBook.NONE)
        {
            previous = takeOver(domainId, vmIdMsb, vmIdLsb, clientKey);
        }
        if (slot != LeaseBook.NONE && !d.inSubnet(book.address(slot)))
        {
            // A lease from before the domain's subnet changed: useless to the client now.
            end(slot, JournalRecord.RELEASED);
            slot = LeaseBook.NONE;
        }
        if (slot == LeaseBook.NONE)
        {
            final int address = allocate(s, mac, clientKey,
                previous != 0 ? previous : book.previousAddress(domainId, mac), requested);
            slot = book.find(domainId, mac);
            if (slot == LeaseBook.NONE)
            {
                slot = book.add(domainId, mac, address, LeaseBook.OFFERED, now + d.offerHoldSeconds() * 1000L);
            }
            else if (book.address(slot) != address)
            {
                // Claiming a block taught us that another replica bound this client meanwhile: keep that.
                s.pool.release(address);
            }
        }
        else if (book.state(slot) == LeaseBook.OFFERED)
        {
            book.expiresAt(slot, now + d.offerHoldSeconds() * 1000L);
        }
        book.client(slot, vmIdMsb, vmIdLsb, locationAddress, locationPort);
        noteIdentity(slot, clientKey, names);
        fill(out, s, book.address(slot));
    }

    /**
     * REQUEST: binds the offered or bound address named in {@code requested} (RFC 2131 §4.3.2). The journal record
     * is appended; the caller must {@link #sync()} before sending the ACK when {@link Grant#durable()}.
     *
     * @param serverId the server the client chose (0 when renewing or rebooting).
     */
    public void request(
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final int requested,
        final int serverId,
        final long transactionId,
        final Grant out) throws LeaseException
    {
        request(domainId, mac, vmIdMsb, vmIdLsb, locationAddress, locationPort, requested, serverId, transactionId,
            ClientKeys.NONE, out);
    }

    /**
     * {@link #request(int, long, long, long, int, int, int, int, long, Grant)} for a client that sent a client
     * identifier.
     *
     * @param clientKey the {@link ClientKeys key} of option 61, or {@link ClientKeys#NONE}.
     */
    public void request(
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final int requested,
        final int serverId,
        final long transactionId,
        final long clientKey,
        final Grant out) throws LeaseException
    {
        request(domainId, mac, vmIdMsb, vmIdLsb, locationAddress, locationPort, requested, serverId, transactionId,
            clientKey, null, 0, out);
    }

    /**
     * {@link #request(int, long, long, long, int, int, int, int, long, long, Grant)} for a client that may have
     * given names, for a lease of its own; the client identifier's key and the names are recorded with the binding.
     *
     * @param names        its host name and FQDN (options 12 and 81), or null.
     * @param leaseSeconds the binding's length, or 0 for the domain's host lease (a BOOTP client's is longer:
     *                     {@link BootpAllocation}).
     */
    public void request(
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final int requested,
        final int serverId,
        final long transactionId,
        final long clientKey,
        final ClientNames names,
        final int leaseSeconds,
        final Grant out) throws LeaseException
    {
        final long now = clock.millis();
        final DomainState s = state(domainId);
        final Domain d = s.domain;
        // Even a retransmission is refused: its first ACK may never have become durable.
        checkJournal();
        int slot = book.find(domainId, mac);
        if (serverId != 0 && serverId != d.serverIp())
        {
            // SELECTING with another server's id: the client declined our offer.
            if (slot != LeaseBook.NONE && book.state(slot) == LeaseBook.OFFERED)
            {
                end(slot, JournalRecord.RELEASED);
            }
            throw new InvalidAddressException(DvmcStatus.REASON_WRONG_SERVER, d.label() + ": server id " +
                Addresses.ipv4(serverId) + " is not " + Addresses.ipv4(d.serverIp()));
        }
        if (!d.inSubnet(requested) || requested == d.network() || requested == d.broadcast())
        {
            throw new InvalidAddressException(DvmcStatus.REASON_OUTSIDE_SUBNET, d.label() + ": " +
                Addresses.ipv4(requested) + " is not a host address of " + d.subnet());
        }
        if (slot != LeaseBook.NONE && journal.isShared() && book.address(slot) != requested &&
            (book.state(slot) == LeaseBook.OFFERED || s.pool.isFreeFor(requested, mac)))
        {
            // Another replica offered it the address it asks for: its DISCOVER reached both, or it went back to
            // DISCOVER at another replica when our ACK was withheld. The client moved on; what we hold yields.
            end(slot, JournalRecord.RELEASED);
            slot = LeaseBook.NONE;
        }
        if (slot == LeaseBook.NONE)
        {
            slot = takeOverFor(s, mac, vmIdMsb, vmIdLsb, clientKey, requested, now);
        }
        if (slot == LeaseBook.NONE)
        {
            slot = adopt(s, mac, clientKey, requested, serverId != 0, now);
        }
        if (book.address(slot) != requested)
        {
            throw new InvalidAddressException(DvmcStatus.REASON_WRONG_ADDRESS, d.label() + ": " +
                Addresses.mac(mac) + " holds " + Addresses.ipv4(book.address(slot)) + ", not " +
                Addresses.ipv4(requested));
        }
        if (book.state(slot) == LeaseBook.BOUND && book.transactionId(slot) == transactionId)
        {
            // A retransmission of the REQUEST that bound the lease: the same ACK, nothing new to journal. If the first
            // one's write is still in this batch, this ACK waits for that write's outcome too.
            book.client(slot, vmIdMsb, vmIdLsb, locationAddress, locationPort);
            noteIdentity(slot, clientKey, names);
            fill(out, s, requested);
            out.entry = batchEntryOf(domainId, mac);
            return;
        }
        final long expiresAt = now + (leaseSeconds > 0 ? leaseSeconds : d.hostLeaseSeconds()) * 1000L;
        // Who the client is goes into the record too, so a restart keeps its lease by client identifier.
        book.client(slot, vmIdMsb, vmIdLsb, locationAddress, locationPort);
        noteIdentity(slot, clientKey, names);
        final int entry = journal.appendBound(domainId, mac, requested, clock.toWall(expiresAt), vmIdMsb, vmIdLsb,
            locationAddress, locationPort, transactionId, book.clientKey(slot), book.names(slot));
        noteBatchEntry(entry, domainId, mac, requested, book.state(slot), book.expiresAtMs(slot));
        book.bind(slot, expiresAt);
        book.transactionId(slot, transactionId);
        fill(out, s, requested);
        out.durable = true;
        out.entry = entry;
    }

    /**
     * RELEASE (RFC 2131 §4.3.4): the client's address returns to the pool. Releasing what is not held succeeds
     * (a retransmitted RELEASE); releasing an address the client does not hold does not.
     *
     * @param address the address released, or 0 for whatever the client holds.
     */
    public void release(final int domainId, final long mac, final int address, final Grant out)
        throws LeaseException
    {
        final DomainState s = state(domainId);
        out.reset();
        out.domain = s.domain;
        final int slot = book.find(domainId, mac);
        if (slot == LeaseBook.NONE)
        {
            return;
        }
        checkHolds(s.domain, slot, mac, address);
        out.durable = book.state(slot) == LeaseBook.BOUND;
        end(slot, JournalRecord.RELEASED);
    }

    /**
     * DECLINE (RFC 2131 §4.3.3): the client found the address in use; it leaves the client and is not handed out
     * for {@link #DECLINE_HOLD_MS}.
     */
    public void decline(final int domainId, final long mac, final int address, final Grant out)
        throws LeaseException
    {
        final long now = clock.millis();
        final DomainState s = state(domainId);
        final int slot = book.find(domainId, mac);
        if (slot == LeaseBook.NONE)
        {
            throw new LeaseNotFoundException(s.domain.label() + ": nothing offered or bound to " +
                Addresses.mac(mac));
        }
        checkHolds(s.domain, slot, mac, address);
        out.reset();
        out.domain = s.domain;
        final int declined = book.address(slot);
        // Journalled, so that neither a restart nor a policy edit hands the address out during the hold.
        journal.appendHeld(JournalRecord.DECLINED, domainId, declined, mac, clock.toWall(now + DECLINE_HOLD_MS));
        held.hold(domainId, declined, now + DECLINE_HOLD_MS);
        s.pool.hold(declined);
        out.durable = true;
        end(slot, JournalRecord.RELEASED);
        book.forgetPrevious(domainId, mac);
    }

    /** INFORM (RFC 2131 §4.3.5): the domain's options, no address, no lease. */
    public void inform(final int domainId, final Grant out) throws LeaseException
    {
        final DomainState s = state(domainId);
        fill(out, s, 0);
        out.vmLeaseSeconds = 0;
        out.hostLeaseSeconds = 0;
    }

    /**
     * LEASEQUERY: the client's binding with the host lease time left, wherever the client now is; the lease
     * follows the VM to its new location (DESIGN §1.6).
     */
    public void query(
        final int domainId,
        final long mac,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final Grant out) throws LeaseException
    {
        final long now = clock.millis();
        final DomainState s = state(domainId);
        final int slot = book.find(domainId, mac);
        if (slot == LeaseBook.NONE || book.state(slot) != LeaseBook.BOUND)
        {
            throw new LeaseNotFoundException(s.domain.label() + ": no binding for " + Addresses.mac(mac));
        }
        book.client(slot, vmIdMsb, vmIdLsb, locationAddress, locationPort);
        fill(out, s, book.address(slot));
        out.hostLeaseSeconds = (int)Math.max(0, (book.expiresAtMs(slot) - now + 999) / 1000);
    }

    /**
     * Ends offers past their hold and bindings past their host lease, and declines past their hold.
     *
     * @return the number of leases ended.
     */
    public int sweep()
    {
        final long now = clock.millis();
        int ended = 0;
        for (int slot = 0, limit = book.slotLimit(); slot < limit; slot++)
        {
            if (book.state(slot) != LeaseBook.FREE && book.expiresAtMs(slot) <= now)
            {
                if (isOthers(slot))
                {
                    // Another replica's block: its owner deletes the key. Until then an expired key is free to all.
                    orphans.addLast(new Orphan(book.domainId(slot), book.address(slot), book.mac(slot),
                        now + ORPHAN_GRACE_MS));
                    releaseAddress(slot);
                    book.remove(slot);
                }
                else
                {
                    if (book.state(slot) == LeaseBook.BOUND)
                    {
                        events.expired(book.domainId(slot), book.mac(slot), book.address(slot),
                            book.vmIdMsb(slot), book.vmIdLsb(slot));
                    }
                    endQuietly(slot);
                }
                ended++;
            }
        }
        held.sweep(now, this::unhold);
        book.prunePrevious(now);
        deleteOrphans(now);
        return ended;
    }

    private void deleteOrphans(final long now)
    {
        Orphan o;
        while ((o = orphans.peekFirst()) != null && o.dueMs() <= now)
        {
            orphans.removeFirst();
            if (book.findAddress(o.domainId(), o.address()) != LeaseBook.NONE)
            {
                continue;
            }
            try
            {
                journal.appendEnded(JournalRecord.EXPIRED, o.domainId(), o.mac(), o.address());
            }
            catch (final LeaseStoreException ex)
            {
                // The key stays, expired and so free to every replica; nothing to undo.
                return;
            }
        }
    }

    private record Orphan(int domainId, int address, long mac, long dueMs)
    {
    }

    /**
     * Rewrites the journal when it has grown past its bound, or when a failed sync left it unusable; see
     * {@link LeaseJournal#compact}. A failed rewrite is retried after a backoff that doubles up to
     * {@link #MAX_RETRY_MS}, not at every call.
     *
     * @return whether the journal was rewritten.
     * @throws LeaseStoreException if the rewrite failed.
     */
    public boolean compactIfDue() throws LeaseStoreException
    {
        if (!journal.hasFailed() && !journal.shouldCompact(book.boundCount()))
        {
            return false;
        }
        final long now = clock.millis();
        if (now < nextRewriteMs)
        {
            return false;
        }
        try
        {
            journal.compact(book, held, now, clock.wallOffsetMillis());
        }
        catch (final LeaseStoreException ex)
        {
            nextRewriteMs = now + rewriteBackoffMs;
            rewriteBackoffMs = Math.min(MAX_RETRY_MS, rewriteBackoffMs * 2);
            throw ex;
        }
        nextRewriteMs = 0;
        rewriteBackoffMs = FIRST_RETRY_MS;
        return true;
    }

    /**
     * Lifts the quarantine of (domain, address), or of every address with domain and address 0: the operator
     * decided that no lease the damaged journal held is still in use there. Journalled and synced.
     *
     * @return the quarantines lifted.
     */
    public int liftQuarantine(final int domainId, final int address) throws LeaseStoreException
    {
        final int before = held.quarantined();
        if (before == 0)
        {
            return 0;
        }
        journal.appendHeld(JournalRecord.LIFTED, domainId, address, 0, 0);
        journal.sync();
        for (final long[] lifted : held.lift(domainId, address))
        {
            unhold((int)lifted[0], (int)lifted[1]);
        }
        return before - held.quarantined();
    }

    /**
     * The operator ends the binding of (domain, address), journalled and synced before this returns: as if the client
     * released it (RFC 2131 §4.3.4; its address is not offered to it again first), or as if it ran out (§4.4.5;
     * the client may get it back if it is still free).
     *
     * @return the MAC that held it.
     * @throws LeaseNotFoundException if nothing is bound to the address.
     */
    public long endByOperator(final int domainId, final int address, final boolean expire) throws LeaseException
    {
        final DomainState s = state(domainId);
        if (journal.isShared())
        {
            throw new UnsupportedModeException("with leases in etcd, release with 'dvmc ctl leases release'");
        }
        checkJournal();
        final int slot = book.findAddress(domainId, address);
        if (slot == LeaseBook.NONE || book.state(slot) != LeaseBook.BOUND)
        {
            throw new LeaseNotFoundException(s.domain.label() + ": " + Addresses.ipv4(address) + " is not bound");
        }
        final long mac = book.mac(slot);
        final long vmIdMsb = book.vmIdMsb(slot);
        final long vmIdLsb = book.vmIdLsb(slot);
        final int locationAddress = book.locationAddress(slot);
        final int locationPort = book.locationPort(slot);
        end(slot, expire ? JournalRecord.EXPIRED : JournalRecord.RELEASED);
        if (!expire)
        {
            book.forgetPrevious(domainId, mac);
        }
        journal.sync();
        revocations.revoked(domainId, mac, address, vmIdMsb, vmIdLsb, locationAddress, locationPort, true);
        return mac;
    }

    /** Who is told of leases ended early by others than their VMs' hosts (by default, nobody). */
    void revocations(final LeaseRevocations revocations)
    {
        this.revocations = revocations;
    }

    /**
     * Binds leases the operator imports into a domain, all or none, by the rules that bind a client's address: in a
     * pool of the domain, not bound or offered to anyone, not reserved for another client, not declined or
     * quarantined, one lease per MAC. Journalled and synced before this returns.
     *
     * @return one "line N: why" per lease refused; when there is any, nothing was bound.
     */
    public java.util.List<String> importLeases(final int domainId, final java.util.List<ImportedLease> leases)
        throws LeaseException
    {
        final DomainState s = state(domainId);
        if (journal.isShared())
        {
            throw new UnsupportedModeException("importing leases is for a service with a journal");
        }
        checkJournal();
        final Domain d = s.domain;
        final long wallNow = clock.toWall(clock.millis());
        final java.util.List<String> errors = new java.util.ArrayList<>();
        final LongHashSet macs = new LongHashSet();
        final LongHashSet addresses = new LongHashSet();
        for (final ImportedLease l : leases)
        {
            final String why = refusal(s, l, wallNow);
            if (why != null)
            {
                errors.add("line " + l.line() + ": " + why);
            }
            else if (!macs.add(l.mac()) || !addresses.add(l.address()))
            {
                errors.add("line " + l.line() + ": " + Addresses.mac(l.mac()) + " or " + Addresses.ipv4(l.address()) +
                    " is in the file twice");
            }
        }
        if (!errors.isEmpty())
        {
            return errors;
        }
        final int[] slots = new int[leases.size()];
        int added = 0;
        try
        {
            for (; added < slots.length; added++)
            {
                final ImportedLease l = leases.get(added);
                final int slot = book.add(domainId, l.mac(), l.address(), LeaseBook.BOUND,
                    clock.fromWall(l.wallExpiresMs()));
                slots[added] = slot;
                book.clientKey(slot, l.clientKey());
                book.names(slot, l.names());
                s.pool.take(l.address());
                book.forgetPrevious(domainId, l.mac());
                journal.appendBound(domainId, l.mac(), l.address(), l.wallExpiresMs(), 0, 0, 0, 0, 0, l.clientKey(),
                    l.names());
            }
            journal.sync();
        }
        catch (final LeaseStoreException ex)
        {
            // Not durable: none of it is imported. What was appended is ended after it (a failed sync rewrites the
            // journal from the book, without them, anyway).
            for (int i = Math.min(added + 1, slots.length) - 1; i >= 0; i--)
            {
                final int slot = slots[i];
                final long mac = book.mac(slot);
                if (i < added)
                {
                    try
                    {
                        journal.appendEnded(JournalRecord.EXPIRED, domainId, mac, book.address(slot));
                    }
                    catch (final LeaseStoreException ignore)
                    {
                        // The journal is failing; it is rewritten from the book before it takes another record.
                    }
                }
                releaseAddress(slot);
                book.remove(slot);
                book.forgetPrevious(domainId, mac);
            }
            throw ex;
        }
        LOG.warn("{} leases imported by the operator into {}", slots.length, d.label());
        return errors;
    }

    /** Why an imported lease cannot be bound, or null if it can. */
    private String refusal(final DomainState s, final ImportedLease l, final long wallNow)
    {
        final Domain d = s.domain;
        final int a = l.address();
        if (!d.inSubnet(a) || a == d.network() || a == d.broadcast())
        {
            return Addresses.ipv4(a) + " is not a host address of " + d.subnet();
        }
        if (l.wallExpiresMs() <= wallNow)
        {
            return "the lease of " + Addresses.ipv4(a) + " has expired";
        }
        final int mine = book.find(d.id(), l.mac());
        if (mine != LeaseBook.NONE)
        {
            return Addresses.mac(l.mac()) + " already holds " + Addresses.ipv4(book.address(mine));
        }
        final int owner = book.findAddress(d.id(), a);
        if (owner != LeaseBook.NONE)
        {
            return Addresses.ipv4(a) + " is already " + (book.state(owner) == LeaseBook.BOUND ? "bound" : "offered") +
                " to " + Addresses.mac(book.mac(owner));
        }
        if (held.holdsEveryAddress() || held.isHeld(d.id(), a))
        {
            return Addresses.ipv4(a) + " is declined or quarantined";
        }
        final int reserved = s.pool.reservedFor(l.mac(), l.clientKey());
        if (reserved != 0 && reserved != a)
        {
            return Addresses.mac(l.mac()) + " has the reservation " + Addresses.ipv4(reserved);
        }
        if (!s.pool.isFreeFor(a, l.mac(), l.clientKey()))
        {
            return Addresses.ipv4(a) + (s.pool.isUsed(a)
                ? " is in use"
                : d.reservations().stream().anyMatch(r -> r.address() == a)
                    ? " is reserved for another client"
                    : " is outside the pools of " + d.label());
        }
        return null;
    }

    /** Quarantines in force (addresses a damaged journal record may hold); see {@link HeldAddresses}. */
    public int quarantined()
    {
        return held.quarantined();
    }

    /** The quarantines in force, one "DOMAIN ADDRESS" (or "any any") per line. */
    public java.util.List<String> describeQuarantines()
    {
        return held.describeQuarantines();
    }

    /** The host name (option 12) that (domain, MAC)'s client gave with its lease, or "". */
    public String hostName(final int domainId, final long mac)
    {
        final int slot = book.find(domainId, mac);
        return slot == LeaseBook.NONE ? "" : ClientNames.hostName(book.names(slot));
    }

    /** The FQDN (option 81) that (domain, MAC)'s client gave with its lease, or "". */
    public String fqdn(final int domainId, final long mac)
    {
        final int slot = book.find(domainId, mac);
        return slot == LeaseBook.NONE ? "" : ClientNames.fqdn(book.names(slot));
    }

    /** Whether (domain, address) is declined or quarantined. */
    public boolean isHeld(final int domainId, final int address)
    {
        return held.isHeld(domainId, address);
    }

    /** Damaged spans found in the journal at start. */
    public long journalDamage()
    {
        return journal instanceof LeaseJournal file ? file.damagedSpans() : 0;
    }

    /**
     * Syncs the journal on a thread of its own from now on ({@link JournalSyncer}), when the leases are this
     * service's own: then {@link #requestSync()} and {@link #durable()} replace {@link #sync()} for the replies.
     *
     * @return false with shared leases, which are made durable by {@link #sync()} (an etcd transaction).
     */
    public boolean syncInBackground()
    {
        if (journal instanceof LeaseJournal file)
        {
            file.syncInBackground();
            return true;
        }
        return false;
    }

    /**
     * Starts making every journalled decision durable ({@link #syncInBackground()}).
     *
     * @return the journal position a reply decided so far must see {@link #durable()} reach before it leaves.
     */
    public long requestSync() throws LeaseStoreException
    {
        return ((LeaseJournal)journal).requestSync();
    }

    /** How far the journal is durable; throws once a background sync failed. */
    public long durable() throws LeaseStoreException
    {
        return ((LeaseJournal)journal).durable();
    }

    /** {@link #durable()} for the journal's own sync thread: changes nothing, -1 after a failed sync. */
    long durableSoFar()
    {
        return journal instanceof LeaseJournal file ? file.durableSoFar() : -1;
    }

    /** Whether a reply that depends on the journal must wait for {@link #sync()}. */
    public boolean needsSync()
    {
        return journal.isDirty();
    }

    /**
     * Makes every journalled decision durable. With shared leases a binding may come out {@link LeaseLog#TAKEN}
     * or {@link LeaseLog#UNCERTAIN} ({@link #outcome}): the book then holds what etcd holds, and a retransmission
     * of that REQUEST is decided again rather than answered from the book.
     */
    public void sync() throws LeaseStoreException
    {
        try
        {
            journal.sync();
        }
        catch (final LeaseStoreException ex)
        {
            for (int i = 0; i < batchSize; i++)
            {
                forgetTransaction(i);
            }
            throw ex;
        }
        for (int i = 0; i < batchSize; i++)
        {
            if (batchMacs[i] != 0 && journal.outcome(i) != LeaseLog.OK)
            {
                forgetTransaction(i);
            }
        }
    }

    /** Whether the binding decided for {@code grant} became durable; see {@link LeaseLog#outcome}. */
    public int outcome(final Grant grant)
    {
        return grant.entry < 0 ? LeaseLog.OK : journal.outcome(grant.entry);
    }

    /** The replies of the batch were sent or withheld: its entries are done with. */
    public void endBatch()
    {
        journal.endBatch();
        batchSize = 0;
    }

    /** Whether leases are shared with other replicas (etcd). */
    public boolean isShared()
    {
        return journal.isShared();
    }

    /**
     * Applies what other replicas bound and ended.
     *
     * @return the number of changes, or -1 while the shared leases are not known yet: decide nothing then.
     */
    /** Runs {@code wake} when a sync or another replica's change needs the service ({@link LeaseLog#wakeOnChange}). */
    public void wakeOnChange(final Runnable wake)
    {
        journal.wakeOnChange(wake);
    }

    public int pollShared()
    {
        return journal.poll(shared);
    }

    /** Full reads of the shared leases (0 for a journal of its own). */
    public long sharedReloads()
    {
        return journal.reloads();
    }

    /** Leases held, offered or bound. */
    public int leaseCount()
    {
        return book.size();
    }

    public int boundCount()
    {
        return book.boundCount();
    }

    /** The address held by (domain, MAC), or 0. */
    public int addressOf(final int domainId, final long mac)
    {
        final int slot = book.find(domainId, mac);
        return slot == LeaseBook.NONE ? 0 : book.address(slot);
    }

    /** Whether (domain, MAC) holds a bound lease. */
    public boolean isBound(final int domainId, final long mac)
    {
        final int slot = book.find(domainId, mac);
        return slot != LeaseBook.NONE && book.state(slot) == LeaseBook.BOUND;
    }

    /** Addresses of a domain that could be handed out now, or -1 for a domain not seen yet. */
    public int freeAddresses(final int domainId)
    {
        final DomainState s = states.get(domainId);
        return s == null || s.pool == null ? -1 : s.pool.freeCount();
    }

    /**
     * Counts a request of the domain by its kind (a {@link io.dvmc.exchange.DvmcMessageType}), for the metrics; a
     * domain that is not address-managed, or not in the policy, is not counted here.
     */
    public void countRequest(final int domainId, final int type)
    {
        DomainState s = states.get(domainId);
        if (s == null)
        {
            try
            {
                s = state(domainId);
            }
            catch (final LeaseException ex)
            {
                return;
            }
        }
        switch (type)
        {
            case DvmcMessageType.DISCOVER -> s.discovers++;
            case DvmcMessageType.REQUEST -> s.requests++;
            case DvmcMessageType.RELEASE -> s.releases++;
            case DvmcMessageType.DECLINE -> s.declines++;
            case DvmcMessageType.INFORM -> s.informs++;
            default -> {
            }
        }
    }

    /**
     * The pool figures of every address-managed domain of the policy (served since start or not), by domain id; on
     * the service thread, which alone reads the pools and the leases.
     */
    public List<PoolFigures> poolFigures()
    {
        for (final Domain d : policy.domains())
        {
            if (d.mode() == Domain.Mode.BUILTIN && states.get(d.id()) == null)
            {
                try
                {
                    state(d.id());
                }
                catch (final LeaseException ex)
                {
                    // Not address-managed after all: no pool to show.
                }
            }
        }
        final List<PoolFigures> figures = new ArrayList<>(states.size());
        states.forEachInt((domainId, s) -> {
            if (s.pool == null || policy.domainOrNull(domainId) == null)
            {
                return;
            }
            int offered = 0;
            int bound = 0;
            final Long2LongHashMap slots = book.domainSlots(domainId);
            if (slots != null)
            {
                final Long2LongHashMap.ValueIterator it = slots.values().iterator();
                while (it.hasNext())
                {
                    final int state = book.state((int)it.nextValue());
                    offered += state == LeaseBook.OFFERED ? 1 : 0;
                    bound += state == LeaseBook.BOUND ? 1 : 0;
                }
            }
            figures.add(new PoolFigures(domainId, s.domain.name(), s.pool.size(), bound, offered,
                s.pool.heldCount(), s.pool.freeCount(), s.discovers, s.requests, s.releases, s.declines, s.informs));
        });
        figures.sort(Comparator.comparingLong(f -> f.domainId() & 0xFFFF_FFFFL));
        return figures;
    }

    /**
     * Tells {@code times} how long each sync of the journal takes, in nanoseconds; false with shared leases, which
     * have no journal of their own (etcd's metrics tell of its disk).
     */
    public boolean timeJournalSyncs(final LongConsumer times)
    {
        if (journal instanceof LeaseJournal file)
        {
            file.timeSyncs(times);
            return true;
        }
        return false;
    }

    LeaseJournal journal()
    {
        return (LeaseJournal)journal;
    }

    public void close()
    {
        journal.close();
    }

    private DomainState state(final int domainId) throws LeaseException
    {
        final Domain d = policy.domainOrNull(domainId);
        if (d == null)
        {
            throw new UnknownDomainException("domain " + Integer.toUnsignedString(domainId) + " is not in the policy");
        }
        DomainState s = states.get(domainId);
        if (s == null || s.domain != d)
        {
            if (s != null && s.domain.equals(d))
            {
                s.domain = d;
            }
            else
            {
                final DomainState previous = s;
                s = new DomainState(d, book);
                if (previous != null)
                {
                    s.countsOf(previous);
                }
                states.put(domainId, s);
                if (s.pool != null)
                {
                    final AddressPool pool = s.pool;
                    // Declines and quarantines outlive a policy edit that rebuilt the pool.
                    held.forEach((heldDomain, address, until) -> {
                        if (heldDomain == domainId)
                        {
                            pool.hold(address);
                        }
                    });
                }
                if (journal.isShared() && s.pool != null)
                {
                    s.pool.restrictToOwnedBlocks();
                    final IntArrayList owned = ownedBlocks.get(domainId);
                    for (int i = 0, n = owned == null ? 0 : owned.size(); i < n; i++)
                    {
                        s.pool.own(owned.getInt(i));
                    }
                }
            }
        }
        if (d.mode() != Domain.Mode.BUILTIN)
        {
            throw new UnsupportedModeException(
                d.label() + ": a relay domain, served by the relay, not the address manager");
        }
        return s;
    }

    /**
     * An address for a client without a lease: with shared leases from this replica's blocks, claiming another
     * block when they are full, and from anywhere in the pool (contending with other replicas) when no block is
     * left to claim.
     */
    private int allocate(
        final DomainState s, final long mac, final long clientKey, final int previous, final int requested)
        throws LeaseException
    {
        if (held.holdsEveryAddress())
        {
            throw new OutOfAddressesException(s.domain.label() + ": no new address is handed out while a damaged " +
                "lease journal record that could not be read is quarantined (dvmc ctl quarantine)");
        }
        if (!journal.isShared())
        {
            return s.pool.allocate(mac, clientKey, previous, requested);
        }
        int address = s.pool.allocateOwned(mac, clientKey, previous, requested);
        int fromBlock = 0;
        while (address == 0)
        {
            final int domainId = s.domain.id();
            final int candidates = s.pool.unownedBlocksWithFree(blockCandidates, fromBlock);
            if (candidates == 0)
            {
                return s.pool.allocate(mac, clientKey, previous, requested);
            }
            final int first = journal.claimBlock(domainId, blockCandidates, candidates, shared);
            if (first == 0)
            {
                // Every candidate is another replica's: look further up the pool.
                fromBlock = s.pool.blockIndex(blockCandidates[candidates - 1]) + 1;
                continue;
            }
            IntArrayList owned = ownedBlocks.get(domainId);
            if (owned == null)
            {
                owned = new IntArrayList();
                ownedBlocks.put(domainId, owned);
            }
            owned.addInt(first);
            s.pool.own(first);
            address = s.pool.allocateOwned(mac, clientKey, previous, requested);
        }
        return address;
    }

    /**
     * A REQUEST (INIT-REBOOT, RENEWING, or SELECTING after a failover) from a client this replica holds nothing
     * for: with shared leases, an address free here is bound to it (the log's compare decides at the sync whether
     * it really is free); an address bound to another client is refused as wrong (RFC 2131 §4.3.2). A SELECTING
     * request that names this server (its offer expired, or was never made) is answered the same way with the
     * journal too, and with a NAK when the address is not free: the client chose this server and waits for it.
     */
    private int adopt(final DomainState s, final long mac, final long clientKey, final int requested,
        final boolean selecting, final long now) throws LeaseException
    {
        final Domain d = s.domain;
        // SELECTING with our server id (another's was refused before): the client chose us, and is answered.
        if (journal.isShared() || selecting)
        {
            if (s.pool.isFreeFor(requested, mac, clientKey))
            {
                s.pool.take(requested);
                return book.add(d.id(), mac, requested, LeaseBook.OFFERED, now + d.offerHoldSeconds() * 1000L);
            }
            final int owner = book.findAddress(d.id(), requested);
            if (owner != LeaseBook.NONE && book.state(owner) == LeaseBook.BOUND && book.mac(owner) != mac)
            {
                throw new InvalidAddressException(DvmcStatus.REASON_WRONG_ADDRESS, d.label() + ": " +
                    Addresses.ipv4(requested) + " is bound to another client");
            }
        }
        if (selecting)
        {
            // RFC 2131 §4.3.2: a server that cannot give the selected address answers with a DHCPNAK.
            throw new InvalidAddressException(DvmcStatus.REASON_WRONG_ADDRESS, d.label() + ": " +
                Addresses.ipv4(requested) + " is not free for " + Addresses.mac(mac));
        }
        throw new LeaseNotFoundException(d.label() + ": nothing offered or bound to " + Addresses.mac(mac));
    }

    /**
     * A request without a client identifier or names (the agent's host lease refresh among them) keeps the ones
     * noted.
     */
    private void noteIdentity(final int slot, final long clientKey, final ClientNames names)
    {
        if (clientKey != ClientKeys.NONE)
        {
            book.clientKey(slot, clientKey);
        }
        if (names != null && !names.isEmpty())
        {
            book.names(slot, names);
        }
    }

    /**
     * Ends the lease that the VM holds for the client identifier under another MAC (§4.2: the identifier, not the
     * MAC, names the client), so its address can go to the MAC the client now uses.
     *
     * @return the address that lease held, or 0 if there was none.
     */
    private int takeOver(final int domainId, final long vmIdMsb, final long vmIdLsb, final long clientKey)
        throws LeaseStoreException
    {
        final int same = book.findClient(domainId, vmIdMsb, vmIdLsb, clientKey);
        if (same == LeaseBook.NONE)
        {
            return 0;
        }
        final int address = book.address(same);
        end(same, JournalRecord.RELEASED);
        return address;
    }

    /**
     * A REQUEST (INIT-REBOOT, RENEWING) for the address the VM holds for the client identifier under another MAC:
     * that lease moves to this MAC, as an offer the REQUEST then binds. A REQUEST for any other address leaves it be.
     *
     * @return the new lease's slot, or {@link LeaseBook#NONE}.
     */
    private int takeOverFor(
        final DomainState s, final long mac, final long vmIdMsb, final long vmIdLsb, final long clientKey,
        final int requested, final long now) throws LeaseException
    {
        final Domain d = s.domain;
        final int same = book.findClient(d.id(), vmIdMsb, vmIdLsb, clientKey);
        if (same == LeaseBook.NONE || book.address(same) != requested)
        {
            return LeaseBook.NONE;
        }
        takeOver(d.id(), vmIdMsb, vmIdLsb, clientKey);
        if (!s.pool.isFreeFor(requested, mac, clientKey))
        {
            // Reserved for the MAC it leaves: the client starts over in INIT.
            return LeaseBook.NONE;
        }
        s.pool.take(requested);
        return book.add(d.id(), mac, requested, LeaseBook.OFFERED, now + d.offerHoldSeconds() * 1000L);
    }

    /**
     * Notes what batch entry {@code entry} binds, and what the lease was before, so that a binding that does not
     * become durable gives the client back what it had ({@link #forgetTransaction}).
     */
    private void noteBatchEntry(final int entry, final int domainId, final long mac, final int address,
        final int priorState, final long priorExpiresAt)
    {
        if (entry >= batchDomains.length)
        {
            final int length = entry * 2 + 2;
            batchDomains = Arrays.copyOf(batchDomains, length);
            batchMacs = Arrays.copyOf(batchMacs, length);
            batchAddresses = Arrays.copyOf(batchAddresses, length);
            batchPriorStates = Arrays.copyOf(batchPriorStates, length);
            batchPriorExpiries = Arrays.copyOf(batchPriorExpiries, length);
        }
        for (int i = batchSize; i < entry; i++)
        {
            batchMacs[i] = 0;
        }
        batchDomains[entry] = domainId;
        batchMacs[entry] = mac;
        batchAddresses[entry] = address;
        batchPriorStates[entry] = priorState;
        batchPriorExpiries[entry] = priorExpiresAt;
        batchSize = Math.max(batchSize, entry + 1);
    }

    /** The entry of the current batch that binds (domain, MAC), or -1. */
    private int batchEntryOf(final int domainId, final long mac)
    {
        for (int i = batchSize - 1; i >= 0; i--)
        {
            if (batchMacs[i] == mac && batchDomains[i] == domainId)
            {
                return i;
            }
        }
        return -1;
    }

    /** The binding of batch entry {@code i} may not be durable: its retransmission must be decided again. */
    private void forgetTransaction(final int i)
    {
        if (batchMacs[i] == 0)
        {
            return;
        }
        final int slot = book.find(batchDomains[i], batchMacs[i]);
        if (slot == LeaseBook.NONE || book.address(slot) != batchAddresses[i])
        {
            return;
        }
        book.transactionId(slot, 0);
        if (batchPriorStates[i] == LeaseBook.OFFERED)
        {
            // RFC 2131 §4.3.2: no ACK left, so the client still holds our offer and retransmits its REQUEST. Were
            // the binding left in the book, a reload from a store that lacks it would free the address for
            // another client, and the client's retransmission would be refused.
            final DomainState s = states.get(batchDomains[i]);
            final long hold = s == null ? 0 : clock.millis() + s.domain.offerHoldSeconds() * 1000L;
            book.unbind(slot, Math.max(batchPriorExpiries[i], hold));
        }
        else
        {
            book.expiresAt(slot, batchPriorExpiries[i]);
        }
    }

    private void takeShared(final int domainId, final int address)
    {
        final DomainState s = states.get(domainId);
        if (s != null && s.pool != null)
        {
            s.pool.take(address);
        }
    }

    /** Applies the leases other replicas bind and end to the book and the pools. */
    private final class SharedLeases implements LeaseLog.Listener
    {
        private final LongHashSet confirmed = new LongHashSet();
        private boolean snapshot;

        public void onBound(
            final int domainId,
            final int address,
            final long mac,
            final long wallExpiresAtMs,
            final long vmIdMsb,
            final long vmIdLsb,
            final int locationAddress,
            final int locationPort,
            final long transactionId,
            final long clientKey,
            final byte[] names)
        {
            // Another replica's wall clock: a bounded skew, as for every DVMC timestamp.
            final long expiresAtMs = clock.fromWall(wallExpiresAtMs);
            int slot = book.find(domainId, mac);
            if (slot != LeaseBook.NONE && book.address(slot) != address)
            {
                // The client moved to another address through another replica.
                releaseAddress(slot);
                book.remove(slot);
                slot = LeaseBook.NONE;
            }
            if (expiresAtMs <= clock.millis())
            {
                // A record left behind after its expiry: the address is free (COMMON key layout).
                onEnded(domainId, address);
                return;
            }
            final int other = book.findAddress(domainId, address);
            if (other != LeaseBook.NONE && other != slot)
            {
                // An offer (or a stale binding) of ours lost the address; it stays in use by its new holder.
                book.remove(other);
            }
            if (slot == LeaseBook.NONE)
            {
                slot = book.add(domainId, mac, address, LeaseBook.BOUND, expiresAtMs);
                takeShared(domainId, address);
            }
            book.bind(slot, expiresAtMs);
            book.client(slot, vmIdMsb, vmIdLsb, locationAddress, locationPort);
            book.transactionId(slot, transactionId);
            if (clientKey != ClientKeys.NONE)
            {
                book.clientKey(slot, clientKey);
            }
            if (names != null)
            {
                book.names(slot, names);
            }
            if (snapshot)
            {
                confirmed.add(LeaseBook.addressKey(domainId, address));
            }
        }

        public void onEnded(final int domainId, final int address)
        {
            final int slot = book.findAddress(domainId, address);
            if (slot != LeaseBook.NONE && book.state(slot) == LeaseBook.BOUND)
            {
                // Deleted well before it ran out (more than the replicas' clocks may differ): a release, by its VM
                // through another replica (whose host then holds no lease, and ignores the REVOKE) or by an operator.
                final boolean early = !snapshot && book.expiresAtMs(slot) > clock.millis() + SKEW_MS;
                final long mac = book.mac(slot);
                final long vmIdMsb = book.vmIdMsb(slot);
                final long vmIdLsb = book.vmIdLsb(slot);
                final int locationAddress = book.locationAddress(slot);
                final int locationPort = book.locationPort(slot);
                releaseAddress(slot);
                book.remove(slot);
                if (early)
                {
                    revocations.revoked(domainId, mac, address, vmIdMsb, vmIdLsb, locationAddress, locationPort,
                        false);
                }
            }
        }

        public void onDeclined(final int domainId, final int address, final long wallUntilMs)
        {
            final long untilMs = clock.fromWall(wallUntilMs);
            if (untilMs <= clock.millis())
            {
                return;
            }
            held.hold(domainId, address, untilMs);
            final DomainState s = states.get(domainId);
            if (s != null && s.pool != null)
            {
                s.pool.hold(address);
            }
        }

        public void onSnapshotBegin()
        {
            snapshot = true;
            confirmed.clear();
        }

        public void onSnapshotEnd()
        {
            snapshot = false;
            for (int slot = 0, limit = book.slotLimit(); slot < limit; slot++)
            {
                if (book.state(slot) == LeaseBook.BOUND &&
                    !confirmed.contains(LeaseBook.addressKey(book.domainId(slot), book.address(slot))))
                {
                    releaseAddress(slot);
                    book.remove(slot);
                }
            }
            confirmed.clear();
        }
    }

    /** A journal whose sync failed is rewritten first (within the backoff); until then nothing is bound. */
    private void checkJournal() throws LeaseStoreException
    {
        if (journal.hasFailed())
        {
            compactIfDue();
            if (journal.hasFailed())
            {
                throw new LeaseStoreException("lease journal sync failed earlier and is not rewritten yet");
            }
        }
    }

    private void unhold(final int domainId, final int address)
    {
        final DomainState s = states.get(domainId);
        if (s != null && s.pool != null && !held.isHeld(domainId, address))
        {
            s.pool.unhold(address);
        }
    }

    private void checkHolds(final Domain d, final int slot, final long mac, final int address)
        throws InvalidAddressException
    {
        if (address != 0 && address != book.address(slot))
        {
            throw new InvalidAddressException(DvmcStatus.REASON_WRONG_ADDRESS, d.label() + ": " +
                Addresses.mac(mac) + " holds " + Addresses.ipv4(book.address(slot)) + ", not " +
                Addresses.ipv4(address));
        }
    }

    private void fill(final Grant out, final DomainState s, final int address)
    {
        out.reset();
        out.domain = s.domain;
        out.address = address;
        out.vmLeaseSeconds = s.domain.leaseSeconds();
        out.hostLeaseSeconds = s.domain.hostLeaseSeconds();
        out.options = s.options;
        out.optionsLength = s.optionsLength;
    }

    /** Ends a lease; a bound one is journalled as {@code recordType}. */
    private void end(final int slot, final int recordType) throws LeaseStoreException
    {
        if (book.state(slot) == LeaseBook.BOUND)
        {
            journal.appendEnded(recordType, book.domainId(slot), book.mac(slot), book.address(slot));
        }
        releaseAddress(slot);
        book.remove(slot);
    }

    /** A shared binding in an address block that is not this replica's (or in none). */
    private boolean isOthers(final int slot)
    {
        if (!journal.isShared() || book.state(slot) != LeaseBook.BOUND)
        {
            return false;
        }
        final DomainState s = states.get(book.domainId(slot));
        return s != null && s.pool != null && !s.pool.isOwned(book.address(slot));
    }

    private void endQuietly(final int slot)
    {
        try
        {
            end(slot, JournalRecord.EXPIRED);
        }
        catch (final LeaseStoreException ex)
        {
            // Expiry needs no record: a replayed BOUND whose time has passed expires again at the first sweep.
            releaseAddress(slot);
            book.remove(slot);
        }
    }

    private void releaseAddress(final int slot)
    {
        final DomainState s = states.get(book.domainId(slot));
        if (s != null && s.pool != null)
        {
            s.pool.release(book.address(slot));
        }
    }

    /** Rebuilds the book and the holds from the journal, and quarantines what damaged records may hold. */
    private final class Restorer implements LeaseJournal.Replayer
    {
        private final byte[] names = new byte[ClientNames.MAX_LENGTH];
        private int namesLength;
        private int nextPart;

        public void onRecord(final JournalRecord r)
        {
            if (r.type() == JournalRecord.IDENTITY)
            {
                restoreIdentity(r);
            }
            else
            {
                nextPart = -1;
                restore(r);
            }
        }

        /**
         * The parts of an identity follow their BOUND record in order; a part out of place (damage between them)
         * drops the names, never the client identifier, which each part carries whole.
         */
        private void restoreIdentity(final JournalRecord r)
        {
            final int slot = book.find(r.domainId(), r.mac());
            if (slot == LeaseBook.NONE || book.address(slot) != r.address() || book.state(slot) != LeaseBook.BOUND)
            {
                nextPart = -1;
                return;
            }
            if (r.clientKey() != ClientKeys.NONE)
            {
                book.clientKey(slot, r.clientKey());
            }
            if (r.part() == 0)
            {
                namesLength = 0;
                nextPart = 0;
            }
            if (r.part() != nextPart || namesLength + r.partLength() > names.length)
            {
                nextPart = -1;
                return;
            }
            r.getPart(names, namesLength);
            namesLength += r.partLength();
            nextPart++;
            if (nextPart == r.parts() && ClientNames.isPacked(names, namesLength))
            {
                book.names(slot, Arrays.copyOf(names, namesLength));
            }
        }

        public void onDamage(final long offset, final long length, final JournalRecord repaired)
        {
            if (repaired == null)
            {
                held.hold(0, 0, HeldAddresses.UNTIL_LIFTED);
                LOG.error("lease journal damage at offset {} may hide any lease: no new address is handed out " +
                    "until the operator lifts the quarantine (dvmc ctl quarantine)", offset);
            }
            else
                if (repaired.type() == JournalRecord.BOUND || repaired.type() == JournalRecord.DECLINED ||
                    repaired.type() == JournalRecord.QUARANTINED)
            {
                held.hold(repaired.domainId(), repaired.address(), HeldAddresses.UNTIL_LIFTED);
                LOG.error("lease journal damage at offset {}: address {} of domain {} is quarantined until the " +
                    "operator lifts it (dvmc ctl quarantine)", offset, Addresses.ipv4(repaired.address()),
                    Integer.toUnsignedString(repaired.domainId()));
            }
        }
    }

    private void restore(final JournalRecord r)
    {
        final int slot = book.find(r.domainId(), r.mac());
        final long expiresAtMs = clock.fromWall(r.expiresAtMs());
        switch (r.type())
        {
            case JournalRecord.BOUND -> {
                int s = slot;
                if (s != LeaseBook.NONE && book.address(s) != r.address())
                {
                    book.remove(s);
                    s = LeaseBook.NONE;
                }
                if (s == LeaseBook.NONE)
                {
                    s = book.add(r.domainId(), r.mac(), r.address(), LeaseBook.BOUND, expiresAtMs);
                }
                book.bind(s, expiresAtMs);
                book.client(s, r.vmIdMsb(), r.vmIdLsb(), r.locationAddress(), r.locationPort());
                book.transactionId(s, r.transactionId());
            }
            case JournalRecord.RELEASED, JournalRecord.EXPIRED -> {
                if (slot != LeaseBook.NONE && book.address(slot) == r.address())
                {
                    book.remove(slot);
                }
            }
            case JournalRecord.DECLINED -> held.hold(r.domainId(), r.address(), expiresAtMs);
            case JournalRecord.QUARANTINED -> held.hold(r.domainId(), r.address(), HeldAddresses.UNTIL_LIFTED);
            case JournalRecord.LIFTED -> held.lift(r.domainId(), r.address());
            default -> {
                // Header, or a record type from a newer version: nothing to restore.
            }
        }
    }
}
