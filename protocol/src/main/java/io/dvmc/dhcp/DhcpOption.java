package io.dvmc.dhcp;

/**
 * DHCP option codes used by dvmc (RFC 2132 unless noted), and their names for logs and the CLI.
 */
public final class DhcpOption
{
    public static final int PAD = 0;
    public static final int SUBNET_MASK = 1;
    public static final int ROUTER = 3;
    public static final int DOMAIN_NAME_SERVER = 6;
    public static final int HOST_NAME = 12;
    public static final int DOMAIN_NAME = 15;
    public static final int INTERFACE_MTU = 26;
    public static final int BROADCAST_ADDRESS = 28;
    public static final int NTP_SERVERS = 42;
    public static final int REQUESTED_IP = 50;
    public static final int LEASE_TIME = 51;
    public static final int OVERLOAD = 52;
    public static final int MESSAGE_TYPE = 53;
    public static final int SERVER_ID = 54;
    public static final int PARAMETER_REQUEST_LIST = 55;
    public static final int MESSAGE = 56;
    public static final int MAX_MESSAGE_SIZE = 57;
    public static final int RENEWAL_TIME = 58;
    public static final int REBINDING_TIME = 59;
    public static final int VENDOR_CLASS_ID = 60;
    public static final int CLIENT_ID = 61;
    /** RFC 4702. */
    public static final int CLIENT_FQDN = 81;
    /** TFTP server name. */
    public static final int TFTP_SERVER_NAME = 66;
    /** Boot file name. */
    public static final int BOOTFILE_NAME = 67;
    /** RFC 3004. */
    public static final int USER_CLASS = 77;
    /** RFC 3046: relay agent information, sub-options 1 circuit id, 2 remote id, 5 link selection (RFC 3527). */
    public static final int RELAY_AGENT_INFORMATION = 82;
    /** RFC 3397. */
    public static final int DOMAIN_SEARCH = 119;
    /** RFC 3442. */
    public static final int CLASSLESS_STATIC_ROUTE = 121;
    public static final int END = 255;

    private DhcpOption()
    {
    }

    /**
     * @param code option code 0..255.
     * @return a short lower-case name, or "option-N" for codes dvmc does not name (allocates: not for the hot path).
     */
    public static String name(final int code)
    {
        return switch (code)
        {
            case PAD -> "pad";
            case SUBNET_MASK -> "subnet-mask";
            case ROUTER -> "router";
            case DOMAIN_NAME_SERVER -> "dns-server";
            case HOST_NAME -> "host-name";
            case DOMAIN_NAME -> "domain-name";
            case INTERFACE_MTU -> "interface-mtu";
            case BROADCAST_ADDRESS -> "broadcast-address";
            case NTP_SERVERS -> "ntp-servers";
            case REQUESTED_IP -> "requested-ip";
            case LEASE_TIME -> "lease-time";
            case OVERLOAD -> "option-overload";
            case MESSAGE_TYPE -> "message-type";
            case SERVER_ID -> "server-id";
            case PARAMETER_REQUEST_LIST -> "parameter-request-list";
            case MESSAGE -> "message";
            case MAX_MESSAGE_SIZE -> "max-message-size";
            case RENEWAL_TIME -> "renewal-time";
            case REBINDING_TIME -> "rebinding-time";
            case VENDOR_CLASS_ID -> "vendor-class-id";
            case CLIENT_ID -> "client-id";
            case CLIENT_FQDN -> "client-fqdn";
            case TFTP_SERVER_NAME -> "tftp-server-name";
            case BOOTFILE_NAME -> "bootfile-name";
            case USER_CLASS -> "user-class";
            case RELAY_AGENT_INFORMATION -> "relay-agent-information";
            case DOMAIN_SEARCH -> "domain-search";
            case CLASSLESS_STATIC_ROUTE -> "classless-static-route";
            case END -> "end";
            default -> "option-" + code;
        };
    }
}
