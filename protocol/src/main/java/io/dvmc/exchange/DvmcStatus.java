package io.dvmc.exchange;

/**
 * The acknowledgement field (patent field 230): a status and, for a NAK, the reason. Requests carry
 * {@link #NONE}; an OFFER or ACK carries {@link #ACK}; a NAK carries {@link #NAK} and one of the reasons.
 */
public final class DvmcStatus
{
    public static final int NONE = 0;
    public static final int ACK = 1;
    public static final int NAK = 2;

    public static final int REASON_NONE = 0;
    /** No free address in the domain's pools (RFC 2131 §4.3.1: the server has no address to offer). */
    public static final int REASON_NO_ADDRESS = 1;
    /** The requested address is not the one offered or bound to this (domain, MAC) (RFC 2131 §4.3.2). */
    public static final int REASON_WRONG_ADDRESS = 2;
    /** The requested address is not in the domain's subnet (RFC 2131 §4.3.2, INIT-REBOOT on a new subnet). */
    public static final int REASON_OUTSIDE_SUBNET = 3;
    /** The service does not serve this domain. */
    public static final int REASON_UNKNOWN_DOMAIN = 4;
    /**
     * The request is not one this service serves in the domain's mode (a host's own query of a relay domain), or the
     * domain's relay cannot be used here (its relay address is not this machine's).
     */
    public static final int REASON_NOT_SUPPORTED = 5;
    /** The service holds no lease for this (domain, MAC). */
    public static final int REASON_NO_LEASE = 6;
    /** The request named a server id that is not the domain's (the client chose another server). */
    public static final int REASON_WRONG_SERVER = 7;
    /** The service could not make the lease durable; try another replica. */
    public static final int REASON_STORE_FAILURE = 8;

    /** One past the highest reason this version knows; a larger one comes from a newer service. */
    public static final int REASON_COUNT = 9;

    private DvmcStatus()
    {
    }

    /**
     * Whether a NAK with this reason says "this address is wrong for you", the only meaning a DHCPNAK may carry
     * (RFC 2131 §4.3.2): the VM must drop its address and restart in INIT. Every other NAK is a fault the VM is not
     * told of; it retransmits, and its next try may reach a healthy replica.
     */
    public static boolean isAddressFault(final int reason)
    {
        return reason == REASON_WRONG_ADDRESS || reason == REASON_OUTSIDE_SUBNET;
    }

    /**
     * Whether a NAK with this reason is a fault of the service that sent it (its store, its policy, its features),
     * which another replica of the domain's services may not share, so the agent moves the domain to its next one.
     */
    public static boolean isServiceFault(final int reason)
    {
        return reason == REASON_STORE_FAILURE || reason == REASON_UNKNOWN_DOMAIN || reason == REASON_NOT_SUPPORTED;
    }

    /**
     * The reason as an index of an array of {@link #REASON_COUNT} + 1, for counting and logging by reason: a reason
     * this side does not know (a newer service's, or none in a NAK) shares the last one.
     */
    public static int reasonIndex(final int reason)
    {
        return reason > REASON_NONE && reason < REASON_COUNT ? reason : REASON_COUNT;
    }

    public static String name(final int status)
    {
        return switch (status)
        {
            case NONE -> "NONE";
            case ACK -> "ACK";
            case NAK -> "NAK";
            default -> "UNKNOWN(" + status + ")";
        };
    }

    public static String reasonName(final int reason)
    {
        return switch (reason)
        {
            case REASON_NONE -> "none";
            case REASON_NO_ADDRESS -> "no free address";
            case REASON_WRONG_ADDRESS -> "address not offered or bound to this client";
            case REASON_OUTSIDE_SUBNET -> "address outside the domain's subnet";
            case REASON_UNKNOWN_DOMAIN -> "unknown domain";
            case REASON_NOT_SUPPORTED -> "not served in the domain's mode, or its relay unavailable";
            case REASON_NO_LEASE -> "no lease for this client";
            case REASON_WRONG_SERVER -> "server id is not this domain's";
            case REASON_STORE_FAILURE -> "lease store failure";
            default -> "unknown reason " + reason;
        };
    }

    /** The reason as a snake_case word, for counter names and logs' fields. */
    public static String reasonKey(final int reason)
    {
        return switch (reason)
        {
            case REASON_NONE -> "none";
            case REASON_NO_ADDRESS -> "no_address";
            case REASON_WRONG_ADDRESS -> "wrong_address";
            case REASON_OUTSIDE_SUBNET -> "outside_subnet";
            case REASON_UNKNOWN_DOMAIN -> "unknown_domain";
            case REASON_NOT_SUPPORTED -> "not_supported";
            case REASON_NO_LEASE -> "no_lease";
            case REASON_WRONG_SERVER -> "wrong_server";
            case REASON_STORE_FAILURE -> "store_failure";
            default -> "other";
        };
    }
}
