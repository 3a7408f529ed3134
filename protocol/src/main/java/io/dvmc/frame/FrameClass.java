package io.dvmc.frame;

/**
 * Result codes of {@link FrameClassifier#classify}: what the dataplane does with a frame. Negative codes are
 * frames dvmc cannot take as they are: malformed ones, each its own drop reason, and a first fragment, which
 * waits for its datagram's other fragments.
 */
public final class FrameClass
{
    /** Not IPv4/UDP to or from port 67: the port's configured action applies. */
    public static final int OTHER = 0;
    /** UDP to port 67: a client (or relay) talking to a DHCP server. */
    public static final int CLIENT_DHCP = 1;
    /** UDP from port 67 (not to 67): a DHCP server's reply; from a VM-facing port, a rogue server. */
    public static final int SERVER_DHCP = 2;

    /** The frame ends before a header it announces (Ethernet, tag, IPv4, UDP) or before the IPv4 total length. */
    public static final int TRUNCATED = -1;
    /** IPv4 version, IHL or total length are inconsistent. */
    public static final int BAD_IP_HEADER = -2;
    /** IPv4 header checksum is wrong (checked on DHCP frames only). */
    public static final int BAD_IP_CHECKSUM = -3;
    /** First fragment of a fragmented client DHCP datagram: to reassemble ({@link FragmentReassembler}). */
    public static final int IP_FRAGMENT = -4;
    /** UDP length shorter than its header or longer than the IPv4 payload. */
    public static final int BAD_UDP_LENGTH = -5;
    /** More than two VLAN tags. */
    public static final int TOO_MANY_VLANS = -6;
    /** Client DHCP whose UDP checksum is wrong: discarded, RFC 1122 §4.1.3.4. */
    public static final int BAD_UDP_CHECKSUM = -7;

    /** Lowest code, for sizing per-class counter arrays: {@code code - MIN_CODE} is 0-based. */
    public static final int MIN_CODE = BAD_UDP_CHECKSUM;
    /** Highest code. */
    public static final int MAX_CODE = SERVER_DHCP;

    private FrameClass()
    {
    }

    /**
     * @param code a classification.
     * @return its name for counters and logs.
     */
    public static String name(final int code)
    {
        return switch (code)
        {
            case OTHER -> "other";
            case CLIENT_DHCP -> "client-dhcp";
            case SERVER_DHCP -> "server-dhcp";
            case TRUNCATED -> "truncated";
            case BAD_IP_HEADER -> "bad-ip-header";
            case BAD_IP_CHECKSUM -> "bad-ip-checksum";
            case IP_FRAGMENT -> "ip-fragment";
            case BAD_UDP_LENGTH -> "bad-udp-length";
            case TOO_MANY_VLANS -> "too-many-vlans";
            case BAD_UDP_CHECKSUM -> "bad-udp-checksum";
            default -> "unknown";
        };
    }
}
