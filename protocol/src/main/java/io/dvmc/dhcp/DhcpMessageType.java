package io.dvmc.dhcp;

/**
 * Values of option 53 (RFC 2132 §9.6). {@link #BOOTP} stands for a message without option 53 (RFC 951).
 */
public final class DhcpMessageType
{
    /** No option 53: a BOOTP message. */
    public static final int BOOTP = 0;
    public static final int DISCOVER = 1;
    public static final int OFFER = 2;
    public static final int REQUEST = 3;
    public static final int DECLINE = 4;
    public static final int ACK = 5;
    public static final int NAK = 6;
    public static final int RELEASE = 7;
    public static final int INFORM = 8;

    private DhcpMessageType()
    {
    }

    /**
     * @param type a message type.
     * @return its upper-case name, or "TYPE-N" for values dvmc does not name (allocates: not for the hot path).
     */
    public static String name(final int type)
    {
        return switch (type)
        {
            case BOOTP -> "BOOTP";
            case DISCOVER -> "DISCOVER";
            case OFFER -> "OFFER";
            case REQUEST -> "REQUEST";
            case DECLINE -> "DECLINE";
            case ACK -> "ACK";
            case NAK -> "NAK";
            case RELEASE -> "RELEASE";
            case INFORM -> "INFORM";
            default -> "TYPE-" + type;
        };
    }
}
