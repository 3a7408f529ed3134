package io.dvmc.lease;

/**
 * What a host may grant a VM out of the host lease it holds from the domain's service (DESIGN §5). The service
 * answers for an address only as long as the host lease runs, so no lease a VM gets from the host may outlive it:
 * the fast path and the agent's slow path both give the VM its lease time, but never more than the host lease has
 * left. T1 and T2 follow from the lease given (RFC 2131 §4.4.5 defaults, {@code DhcpReplyWriter}).
 */
public final class HostLease
{
    /**
     * Below this the host stops answering on its own and hands the request to the agent, which asks the service:
     * a lease of a second or less would have the VM back (T1) before the reply is out.
     */
    public static final int MIN_GRANT_SECONDS = 2;
    /**
     * An infinite lease (0xFFFFFFFF, RFC 2132 §9.2): the VM lease of a BOOTP client (RFC 1534 §2), which never
     * renews. Domains' VM leases are finite, so a lease record holding it is a BOOTP client's.
     */
    public static final int INFINITE = -1;

    /** The largest finite lease time of option 51; 0xFFFFFFFF means infinite (RFC 2132 §9.2). */
    private static final long MAX_FINITE_SECONDS = 0xFFFF_FFFEL;

    private HostLease()
    {
    }

    /**
     * @param vmLeaseSeconds  the domain's VM lease (option 51, unsigned; -1 is infinite).
     * @param hostLeaseLeftMs how long the host lease still runs; zero or less when it has run out.
     * @return the lease time to give the VM: the smaller of the two, whole seconds rounded down (unsigned).
     */
    public static int grantSeconds(final int vmLeaseSeconds, final long hostLeaseLeftMs)
    {
        if (hostLeaseLeftMs <= 0)
        {
            return 0;
        }
        final long hostSeconds = Math.min(hostLeaseLeftMs / 1000, MAX_FINITE_SECONDS);
        return (int)Math.min(vmLeaseSeconds & 0xFFFF_FFFFL, hostSeconds);
    }

    /**
     * The host lease as this host counts it, from when its request went out: what the service granted, less a margin
     * of max(1 s, 0.1 %) against the two machines' clocks running at different rates. The service counts the same
     * lease from when it decided, later in real time, so with the margin the service's lease outlives the host's and
     * the address is never free at the service while this host still answers for it (DESIGN §5).
     *
     * @param hostLeaseSeconds the host lease of the service's reply (unsigned).
     */
    public static long hostLeaseMillis(final int hostLeaseSeconds)
    {
        final long granted = (hostLeaseSeconds & 0xFFFF_FFFFL) * 1000L;
        return Math.max(0, granted - Math.max(1000L, granted / 1000));
    }

    /** Whether a grant of {@link #grantSeconds} is long enough for the host to answer with it on its own. */
    public static boolean answerable(final int grantSeconds)
    {
        return Integer.compareUnsigned(grantSeconds, MIN_GRANT_SECONDS) >= 0;
    }
}
