package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.policy.Domain;
import io.dvmc.policy.PolicyStore;
import org.agrona.collections.Int2ObjectHashMap;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

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
 * Time comes from the injected clock. Single-threaded: the service's agent thread.
 */
public final class AddressManager implements AutoCloseable
{
    /** RFC 2131 §4.3.3 leaves the duration to the server; ten minutes lets an address conflict clear. */
    public static final long DECLINE_HOLD_MS = 10 * 60 * 1000;

    private final PolicyStore policy;
    private final Clock clock;
    private final LeaseBook book = new LeaseBook();
    private final Int2ObjectHashMap<DomainState> states = new Int2ObjectHashMap<>();
    private final LeaseJournal journal;

    /** Opens (and replays) the journal in {@code journalDir}. */
    public AddressManager(final PolicyStore policy, final Path journalDir, final Clock clock) throws IOException
    {
        this(policy, journalDir, clock, LeaseJournal.DEFAULT_COMPACT_FACTOR, LeaseJournal.DEFAULT_MIN_COMPACT_RECORDS);
    }

    AddressManager(
        final PolicyStore policy, final Path journalDir, final Clock clock, final int compactFactor,
        final long minCompactRecords) throws IOException
    {
        this.policy = policy;
        this.clock = clock;
        this.journal = LeaseJournal.open(journalDir, compactFactor, minCompactRecords, this::restore);
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
        final long now = clock.millis();
        final DomainState s = state(domainId);
        final Domain d = s.domain;
        int slot = book.find(domainId, mac);
        if (slot != LeaseBook.NONE && !d.inSubnet(book.address(slot)))
        {
            // A lease from before the domain's subnet changed: useless to the client now.
            end(slot, JournalRecord.RELEASED);
            slot = LeaseBook.NONE;
        }
        if (slot == LeaseBook.NONE)
        {
            final int address = s.pool.allocate(mac, book.previousAddress(domainId, mac), requested);
            slot = book.add(domainId, mac, address, LeaseBook.OFFERED, now + d.offerHoldSeconds() * 1000L);
        }
        else if (book.state(slot) == LeaseBook.OFFERED)
        {
            book.expiresAt(slot, now + d.offerHoldSeconds() * 1000L);
        }
        book.client(slot, vmIdMsb, vmIdLsb, locationAddress, locationPort);
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
        final long now = clock.millis();
        final DomainState s = state(domainId);
        final Domain d = s.domain;
        // Even a retransmission is refused: its first ACK may never have become durable.
        checkJournal();
        final int slot = book.find(domainId, mac);
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
        if (slot == LeaseBook.NONE)
        {
            throw new LeaseNotFoundException(d.label() + ": nothing offered or bound to " + Addresses.mac(mac));
        }
        if (book.address(slot) != requested)
        {
            throw new InvalidAddressException(DvmcStatus.REASON_WRONG_ADDRESS, d.label() + ": " +
                Addresses.mac(mac) + " holds " + Addresses.ipv4(book.address(slot)) + ", not " +
                Addresses.ipv4(requested));
        }
        if (book.state(slot) == LeaseBook.BOUND && book.transactionId(slot) == transactionId)
        {
            // A retransmission of the REQUEST that bound the lease: the same ACK, nothing new to journal.
            book.client(slot, vmIdMsb, vmIdLsb, locationAddress, locationPort);
            fill(out, s, requested);
            return;
        }
        final long expiresAt = now + d.hostLeaseSeconds() * 1000L;
        journal.appendBound(domainId, mac, requested, expiresAt, vmIdMsb, vmIdLsb, locationAddress, locationPort,
            transactionId);
        book.bind(slot, expiresAt);
        book.client(slot, vmIdMsb, vmIdLsb, locationAddress, locationPort);
        book.transactionId(slot, transactionId);
        fill(out, s, requested);
        out.durable = true;
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
        out.durable = book.state(slot) == LeaseBook.BOUND;
        final int declined = book.address(slot);
        end(slot, JournalRecord.RELEASED);
        book.forgetPrevious(domainId, mac);
        s.pool.decline(declined, now + DECLINE_HOLD_MS);
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
                endQuietly(slot);
                ended++;
            }
        }
        for (final DomainState s : states.values())
        {
            if (s.pool != null)
            {
                s.pool.sweepDeclined(now);
            }
        }
        return ended;
    }

    /** Rewrites the journal when it has grown past its bound; see {@link LeaseJournal#compact}. */
    public boolean compactIfDue() throws LeaseStoreException
    {
        if (!journal.shouldCompact(book.boundCount()))
        {
            return false;
        }
        journal.compact(book, clock.millis());
        return true;
    }

    /** Whether a reply that depends on the journal must wait for {@link #sync()}. */
    public boolean needsSync()
    {
        return journal.isDirty();
    }

    /** Makes every journalled decision durable. */
    public void sync() throws LeaseStoreException
    {
        journal.sync();
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

    LeaseJournal journal()
    {
        return journal;
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
                s = new DomainState(d, book);
                states.put(domainId, s);
            }
        }
        if (d.mode() != Domain.Mode.BUILTIN)
        {
            throw new UnsupportedModeException(d.label() + ": relay mode is not yet supported");
        }
        return s;
    }

    private void checkJournal() throws LeaseStoreException
    {
        if (journal.hasFailed())
        {
            throw new LeaseStoreException("lease journal failed; restart the service");
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

    private void restore(final JournalRecord r)
    {
        final int slot = book.find(r.domainId(), r.mac());
        switch (r.type())
        {
            case JournalRecord.BOUND ->
            {
                int s = slot;
                if (s != LeaseBook.NONE && book.address(s) != r.address())
                {
                    book.remove(s);
                    s = LeaseBook.NONE;
                }
                if (s == LeaseBook.NONE)
                {
                    s = book.add(r.domainId(), r.mac(), r.address(), LeaseBook.BOUND, r.expiresAtMs());
                }
                book.bind(s, r.expiresAtMs());
                book.client(s, r.vmIdMsb(), r.vmIdLsb(), r.locationAddress(), r.locationPort());
                book.transactionId(s, r.transactionId());
            }
            case JournalRecord.RELEASED, JournalRecord.EXPIRED ->
            {
                if (slot != LeaseBook.NONE && book.address(slot) == r.address())
                {
                    book.remove(slot);
                }
            }
            default ->
            {
                // Header, or a record type from a newer version: nothing to restore.
            }
        }
    }
}
