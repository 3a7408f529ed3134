package io.dvmc.exchange;

/**
 * Message types of the DVMC protocol (DESIGN §4, patent FIG. 2A–2D). Requests travel agent → service, replies
 * service → agent. Kept as int constants so that the hot path never touches an enum array.
 */
public final class DvmcMessageType
{
    public static final int DISCOVER = 1;
    public static final int OFFER = 2;
    public static final int REQUEST = 3;
    public static final int ACK = 4;
    public static final int NAK = 5;
    public static final int RELEASE = 6;
    public static final int DECLINE = 7;
    public static final int INFORM = 8;
    /** Location-independent lookup of a lease by (domain, MAC), for migration and resync. */
    public static final int LEASEQUERY = 9;
    /**
     * A BOOTP client's request (RFC 951, no option 53): one exchange that allocates and binds at once, as
     * DISCOVER and REQUEST together; answered by an ACK (the bound address) or a NAK. A service from before this
     * type drops it as malformed, so its agent's VM gets silence, never a wrong answer.
     */
    public static final int BOOTP = 10;
    /**
     * Service to host, unsolicited: a lease of a VM on that host ended at the service before its time (an operator
     * released or expired it), so the host must stop answering the VM from its host lease. Signed bound to the host
     * agent's endpoint and kept in the agent's replay cache, as a request is at a service; answered by nothing (the
     * host lease's refresh, which the service refuses, is the fallback). An agent from before this type drops it as
     * malformed.
     */
    public static final int REVOKE = 11;

    public static final int MIN_TYPE = DISCOVER;
    public static final int MAX_TYPE = REVOKE;

    private DvmcMessageType()
    {
    }

    public static boolean isValid(final int type)
    {
        return type >= MIN_TYPE && type <= MAX_TYPE;
    }

    /** True for the types an agent sends and a service answers. */
    public static boolean isRequest(final int type)
    {
        return type == DISCOVER || type == REQUEST || type == RELEASE || type == DECLINE ||
            type == INFORM || type == LEASEQUERY || type == BOOTP;
    }

    /** True for the types a service sends. */
    public static boolean isReply(final int type)
    {
        return type == OFFER || type == ACK || type == NAK;
    }

    /**
     * True for the types whose HMAC also covers the endpoint they are sent to and whose receiver keeps them in its
     * replay cache: the requests, and REVOKE, which a service starts on its own.
     */
    public static boolean isBound(final int type)
    {
        return isRequest(type) || type == REVOKE;
    }

    /**
     * Whether {@code replyType} answers {@code requestType}: a DISCOVER is answered by an OFFER or a NAK, every
     * other request by an ACK or a NAK.
     */
    public static boolean answers(final int requestType, final int replyType)
    {
        if (replyType == NAK)
        {
            return isRequest(requestType);
        }
        return requestType == DISCOVER ? replyType == OFFER : isRequest(requestType) && replyType == ACK;
    }

    public static String name(final int type)
    {
        return switch (type)
        {
            case DISCOVER -> "DISCOVER";
            case OFFER -> "OFFER";
            case REQUEST -> "REQUEST";
            case ACK -> "ACK";
            case NAK -> "NAK";
            case RELEASE -> "RELEASE";
            case DECLINE -> "DECLINE";
            case INFORM -> "INFORM";
            case LEASEQUERY -> "LEASEQUERY";
            case BOOTP -> "BOOTP";
            case REVOKE -> "REVOKE";
            default -> "UNKNOWN(" + type + ")";
        };
    }
}
