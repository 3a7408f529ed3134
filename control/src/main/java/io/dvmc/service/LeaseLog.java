package io.dvmc.service;

/**
 * Where the address manager makes its bindings durable (DESIGN §5, "service lease state"): the file journal of the
 * embedded default ({@link LeaseJournal}) or etcd shared by active replicas ({@link EtcdLeaseLog}). Decisions are
 * appended while a receive batch is decided and made durable together by one {@link #sync()} before any reply of
 * the batch leaves the service (group commit): no ACK is sent for a binding that is not durable.
 *
 * <p>A shared log can refuse a single binding of a synced batch, because another replica changed the address in
 * between: {@link #outcome} tells the service, per binding, whether its ACK may leave. A shared log also reports
 * what other replicas bound, ended and declined ({@link #poll}) and hands out address blocks ({@link #claimBlock}).
 *
 * <p>Single-threaded: the service's agent thread.
 */
interface LeaseLog extends AutoCloseable
{
    /** The binding is durable: its ACK may leave. */
    int OK = 0;
    /** The address is bound to another MAC of the domain: the request gets a NAK (RFC 2131 §4.3.2). */
    int TAKEN = 1;
    /** Whether the binding is durable is not known: no reply, the client retransmits. */
    int UNCERTAIN = 2;

    /** Receives the leases other replicas bind and end, on the service thread. */
    interface Listener
    {
        /** (domain, address) is bound to {@code mac} until {@code expiresAtMs}. */
        void onBound(int domainId, int address, long mac, long expiresAtMs, long vmIdMsb, long vmIdLsb,
            int locationAddress, int locationPort, long transactionId, long clientKey, byte[] names);

        /** (domain, address) holds no binding any more. */
        void onEnded(int domainId, int address);

        /** A client declined (domain, address) (RFC 2131 §4.3.3): nobody may have it until {@code untilMs}. */
        void onDeclined(int domainId, int address, long untilMs);

        /** Every lease is about to be reported again by {@link #onBound}; bound leases not reported are gone. */
        void onSnapshotBegin();

        /** The end of a snapshot begun by {@link #onSnapshotBegin}. */
        void onSnapshotEnd();
    }

    /**
     * Appends a binding (a BOUND record) with who its client is: the key of its client identifier
     * ({@link ClientKeys#NONE} for none) and its packed names ({@link ClientNames}, null for none); durable at the
     * next {@link #sync()}.
     *
     * @return the entry, for {@link #outcome} after the sync.
     */
    int appendBound(int domainId, long mac, int address, long expiresAtMs, long vmIdMsb, long vmIdLsb,
        int locationAddress, int locationPort, long transactionId, long clientKey, byte[] names)
        throws LeaseStoreException;

    /** Appends the end of a binding ({@link JournalRecord#RELEASED} or {@link JournalRecord#EXPIRED}). */
    void appendEnded(int type, int domainId, long mac, int address) throws LeaseStoreException;

    /**
     * Appends a hold on an address: {@link JournalRecord#DECLINED} until {@code untilMs},
     * {@link JournalRecord#QUARANTINED} or {@link JournalRecord#LIFTED}. A log that does not keep holds ignores it.
     */
    void appendHeld(int type, int domainId, int address, long mac, long untilMs) throws LeaseStoreException;

    /** Whether entries were appended since the last sync. */
    boolean isDirty();

    /** Whether the log failed; a failed log refuses every binding until a {@link #compact} mends it. */
    boolean hasFailed();

    /**
     * Makes every appended entry durable.
     *
     * @throws LeaseStoreException if none of them can be known to be durable (no reply of the batch may leave).
     */
    void sync() throws LeaseStoreException;

    /** {@link #OK}, {@link #TAKEN} or {@link #UNCERTAIN} for an entry of the current batch after its sync. */
    int outcome(int entry);

    /** Forgets the entries of the batch whose replies were sent. */
    void endBatch();

    boolean shouldCompact(long liveLeases);

    /** Rewrites the log to the live leases of {@code book} and the holds of {@code held}, if it keeps history. */
    void compact(LeaseBook book, HeldAddresses held, long nowMs, long wallOffsetMs) throws LeaseStoreException;

    /** Whether other replicas share the leases: bindings arrive through {@link #poll} and addresses by block. */
    boolean isShared();

    /** Full reads of the shared leases: at start, then after a watch failed or went silent (0 when not shared). */
    default long reloads()
    {
        return 0;
    }

    /**
     * Runs {@code wake} whenever another thread of the log makes progress the service thread should act on: a sync
     * done, a change of another replica queued. A service thread asleep between requests wakes for it at once.
     */
    default void wakeOnChange(final Runnable wake)
    {
    }

    /**
     * Hands what other replicas did to {@code listener}.
     *
     * @return the number of changes applied, or -1 while the log does not know the shared leases yet (no request
     *     may be decided then).
     */
    int poll(Listener listener);

    /**
     * Claims one of the address blocks starting at {@code firsts[0 ..< count]} (each of {@link AddressPool#BLOCK}
     * addresses) for this replica, and reports the leases bound in the domain to {@code listener} before returning.
     *
     * @return the first address of the block claimed, or 0 if none could be.
     */
    int claimBlock(int domainId, int[] firsts, int count, Listener listener) throws LeaseStoreException;

    void close();
}
