package io.dvmc.dhcp;

/**
 * Negative result codes of the DHCP codec. The hot path returns these instead of throwing.
 */
public final class DhcpError
{
    /** Shorter than the 236-byte BOOTP fixed part. */
    public static final int TOO_SHORT = -1;
    /** op is neither BOOTREQUEST (1) nor BOOTREPLY (2). */
    public static final int BAD_OP = -2;
    /** htype is not Ethernet (1): dvmc answers on Ethernet ports only. */
    public static final int BAD_HTYPE = -3;
    /** hlen is not 6 for Ethernet. */
    public static final int BAD_HLEN = -4;
    /** An option's length byte or value runs past the end of its field or of the packet. */
    public static final int OPTION_OVERRUN = -5;
    /** Option 52 (overload) is not one byte of value 1, 2 or 3. */
    public static final int BAD_OVERLOAD = -6;
    /** Option 53 (message type) is not one byte long. */
    public static final int BAD_MESSAGE_TYPE = -7;
    /** A fixed-size option (50, 51, 54, 57) has the wrong length, or a client id (61) is over 255 bytes joined. */
    public static final int BAD_OPTION_LENGTH = -8;
    /** A reply was asked for a packet that is not a BOOTREQUEST. */
    public static final int NOT_A_REQUEST = -9;
    /** The output buffer cannot hold the reply. */
    public static final int BUFFER_TOO_SMALL = -10;
    /** The reply writer was asked for a message type other than OFFER, ACK, NAK or BOOTP. */
    public static final int UNSUPPORTED_REPLY_TYPE = -11;
    /** The domain option block is not a well-formed sequence of option TLVs. */
    public static final int BAD_DOMAIN_OPTIONS = -12;

    private DhcpError()
    {
    }

    /**
     * @param code a result code.
     * @return a short description (allocates nothing for known codes).
     */
    public static String describe(final int code)
    {
        return switch (code)
        {
            case TOO_SHORT -> "shorter than the BOOTP fixed part";
            case BAD_OP -> "bad op";
            case BAD_HTYPE -> "htype is not Ethernet";
            case BAD_HLEN -> "hlen is not 6";
            case OPTION_OVERRUN -> "option runs past its field";
            case BAD_OVERLOAD -> "bad option overload (52)";
            case BAD_MESSAGE_TYPE -> "bad message type option (53)";
            case BAD_OPTION_LENGTH -> "option with a length it may not have";
            case NOT_A_REQUEST -> "not a BOOTREQUEST";
            case BUFFER_TOO_SMALL -> "output buffer too small";
            case UNSUPPORTED_REPLY_TYPE -> "unsupported reply message type";
            case BAD_DOMAIN_OPTIONS -> "malformed domain option block";
            default -> code >= 0 ? "ok" : "unknown error";
        };
    }
}
