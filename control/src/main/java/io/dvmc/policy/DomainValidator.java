package io.dvmc.policy;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.ReplyDirectives;
import io.dvmc.lease.DomainRecord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks one {@link Domain} for consistency; every message names the domain and the field. */
final class DomainValidator
{
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern PRINTABLE_ASCII = Pattern.compile("[\\x20-\\x7E]+");
    private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    /** The address manager keeps bitsets over the span of pools and reservations: bound them to a /8. */
    static final long MAX_SPAN = 1L << 24;
    /** RFC 2132 §5.1: the minimum legal MTU is 68. */
    private static final int MIN_MTU = 68;

    private final Domain d;
    private final String where;

    private DomainValidator(final Domain domain)
    {
        this.d = domain;
        this.where = "domain " + domain.idString() + (domain.name() == null ? "" : " (" + domain.name() + ")");
    }

    static void validate(final Domain domain) throws PolicyException
    {
        new DomainValidator(domain).run();
    }

    private void run() throws PolicyException
    {
        check(d.id() != 0, "id", "0 is reserved");
        check(d.name() != null, "name", "required (1-63 letters, digits, '.', '_' or '-')");
        check(NAME.matcher(d.name()).matches(), "name",
            "'" + d.name() + "' must be 1-63 letters, digits, '.', '_' or '-'");
        check(d.prefixLength() >= 1 && d.prefixLength() <= 30, "subnet",
            "prefix length must be 1..30, is " + d.prefixLength());
        check((d.network() & ~d.subnetMask()) == 0, "subnet", d.subnet() + " has host bits set");

        if (d.router() != 0)
        {
            checkHostAddress("router", d.router());
        }
        checkHostAddress("serverIp", d.serverIp());
        checkRanges("pools", d.pools(), true);
        checkRanges("exclusions", d.exclusions(), false);
        if (d.mode() == Domain.Mode.BUILTIN)
        {
            check(!d.pools().isEmpty(), "pools", "a builtin domain needs at least one pool");
        }
        else
        {
            // A builtin domain keeps its relay fields unused, so that its mode can be switched back and forth.
            checkRelay();
        }
        checkReservations();
        checkSpan();
        checkServers("dns", d.dns());
        checkServers("ntp", d.ntp());
        if (d.domainName() != null)
        {
            checkDnsName("domainName", d.domainName());
        }
        for (int i = 0; i < d.searchList().size(); i++)
        {
            checkDnsName("searchList[" + i + "]", d.searchList().get(i));
        }
        check(d.mtu() == 0 || (d.mtu() >= MIN_MTU && d.mtu() <= 65535), "mtu",
            "must be " + MIN_MTU + "..65535, is " + d.mtu());
        checkRoutes();
        checkBoot();
        checkRawOptions();
        check(d.leaseSeconds() > 0, "leaseSeconds", "must be positive");
        check(d.hostLeaseSeconds() >= d.leaseSeconds(), "hostLeaseSeconds",
            "must be at least leaseSeconds (" + d.leaseSeconds() + "), is " + d.hostLeaseSeconds());
        check(d.offerHoldSeconds() > 0, "offerHoldSeconds", "must be positive");
        check(d.serverMac() != 0 && (d.serverMac() & ~0xFFFF_FFFF_FFFFL) == 0 &&
            (d.serverMac() & 0x0100_0000_0000L) == 0, "serverMac", "must be a unicast MAC");
        check(!d.services().isEmpty(), "services", "at least one service endpoint is needed");
        checkOptionsFitTheHost();
    }

    /**
     * A tenant server answers the relay at giaddr (RFC 1542 §4.1.1), and without link selection it picks the VM's
     * subnet by giaddr (RFC 2131 §4.3.1): a relay address outside the subnet needs link selection (RFC 3527).
     */
    private void checkRelay() throws PolicyException
    {
        check(!d.relayServers().isEmpty(), "relayServers", "a relay domain needs at least one relay server");
        for (int i = 0; i < d.relayServers().size(); i++)
        {
            final int server = Addresses.ipv4Bits(d.relayServers().get(i).getAddress());
            check(server != 0 && server != -1 && (server >>> 28) != 14, "relayServers[" + i + "]",
                Addresses.ipv4(server) + " is not a unicast address");
        }
        check(!d.relayAddresses().isEmpty(), "relayAddress",
            "a relay domain needs the address it relays from (giaddr), one its tenant servers route back to");
        for (int i = 0; i < d.relayAddresses().size(); i++)
        {
            final int relay = d.relayAddresses().get(i);
            final String field = d.relayAddresses().size() == 1 ? "relayAddress" : "relayAddresses[" + i + "]";
            check(relay != 0 && relay != -1 && (relay >>> 28) != 14 && (relay >>> 24) != 127, field,
                Addresses.ipv4(relay) + " is not a unicast address a tenant server can reach");
            check(d.linkSelection() || (d.inSubnet(relay) && relay != d.network() && relay != d.broadcast()), field,
                Addresses.ipv4(relay) + " is not a host address of " + d.subnet() + ": a tenant server would not " +
                    "know the VM's subnet; set \"linkSelection\": true (RFC 3527) if its servers support it");
        }
    }

    /**
     * The agent copies the options into the host's domain record for its fast-path replies, and refuses every VM of
     * a domain whose options do not fit there: refuse such a domain here, where the operator sees why.
     */
    private void checkOptionsFitTheHost() throws PolicyException
    {
        final int length = DomainOptions.encodedLength(d);
        final String hostLimit = "the host's domain record holds at most " + DomainRecord.MAX_OPTIONS_LENGTH +
            " bytes of options (use fewer DNS or NTP servers, search domains, static routes or raw options, or " +
            "shorter boot names)";
        check(length >= 0, "options", "the encoded options take more than " + DomainOptions.MAX_LENGTH +
            " bytes; " + hostLimit);
        check(length <= DomainRecord.MAX_OPTIONS_LENGTH, "options", "the encoded options take " + length +
            " bytes; " + hostLimit);
    }

    private void checkHostAddress(final String field, final int address) throws PolicyException
    {
        check(d.inSubnet(address), field, Addresses.ipv4(address) + " is not in subnet " + d.subnet());
        check(address != d.network() && address != d.broadcast(), field,
            Addresses.ipv4(address) + " is the network or broadcast address of " + d.subnet());
    }

    private void checkRanges(final String field, final List<Domain.AddressRange> ranges, final boolean disjoint)
        throws PolicyException
    {
        for (int i = 0; i < ranges.size(); i++)
        {
            final Domain.AddressRange r = ranges.get(i);
            final String f = field + "[" + i + "]";
            check(Integer.compareUnsigned(r.first(), r.last()) <= 0, f, r + ": start is after end");
            check(d.inSubnet(r.first()) && d.inSubnet(r.last()), f, r + " is not inside subnet " + d.subnet());
        }
        if (disjoint)
        {
            final List<Domain.AddressRange> sorted = new ArrayList<>(ranges);
            sorted.sort(Comparator.comparingLong(r -> r.first() & 0xFFFF_FFFFL));
            for (int i = 1; i < sorted.size(); i++)
            {
                check(Integer.compareUnsigned(sorted.get(i - 1).last(), sorted.get(i).first()) < 0, field,
                    sorted.get(i - 1) + " overlaps " + sorted.get(i));
            }
        }
    }

    private void checkReservations() throws PolicyException
    {
        final Set<Long> macs = new HashSet<>();
        final Set<Integer> addresses = new HashSet<>();
        final Set<String> clientIds = new HashSet<>();
        for (int i = 0; i < d.reservations().size(); i++)
        {
            final Domain.Reservation r = d.reservations().get(i);
            final String f = "reservations[" + i + "]";
            if (r.byClientId())
            {
                // RFC 2132 §9.14: at least two bytes (a type and an identifier); one option holds at most 255.
                final int length = r.clientIdBytes().length;
                check(length >= 2 && length <= DhcpPacket.MAX_CLIENT_ID_LENGTH, f,
                    "a client identifier has 2.." + DhcpPacket.MAX_CLIENT_ID_LENGTH + " bytes, this one " + length);
                check(clientIds.add(r.clientId()), f, "client identifier " + r.clientId() + " is reserved twice");
            }
            else
            {
                check(r.mac() != 0 && (r.mac() & ~0xFFFF_FFFF_FFFFL) == 0 && (r.mac() & 0x0100_0000_0000L) == 0,
                    f, Addresses.mac(r.mac()) + " is not a unicast MAC");
                check(macs.add(r.mac()), f, Addresses.mac(r.mac()) + " is reserved twice");
            }
            checkHostAddress(f, r.address());
            check(r.address() != d.router() && r.address() != d.serverIp(), f,
                Addresses.ipv4(r.address()) + " is the router or server address");
            check(addresses.add(r.address()), f, Addresses.ipv4(r.address()) + " is reserved twice");
        }
    }

    private void checkSpan() throws PolicyException
    {
        long low = 0xFFFF_FFFFL;
        long high = 0;
        for (final Domain.AddressRange r : d.pools())
        {
            low = Math.min(low, r.first() & 0xFFFF_FFFFL);
            high = Math.max(high, r.last() & 0xFFFF_FFFFL);
        }
        for (final Domain.Reservation r : d.reservations())
        {
            low = Math.min(low, r.address() & 0xFFFF_FFFFL);
            high = Math.max(high, r.address() & 0xFFFF_FFFFL);
        }
        check(high < low || high - low < MAX_SPAN, "pools",
            "pools and reservations span " + (high - low + 1) + " addresses, at most " + MAX_SPAN + " are supported");
    }

    private void checkServers(final String field, final List<Integer> servers) throws PolicyException
    {
        for (int i = 0; i < servers.size(); i++)
        {
            final int a = servers.get(i);
            check(a != 0 && a != -1, field + "[" + i + "]", Addresses.ipv4(a) + " is not a server address");
        }
    }

    private void checkRoutes() throws PolicyException
    {
        for (int i = 0; i < d.staticRoutes().size(); i++)
        {
            final Domain.StaticRoute r = d.staticRoutes().get(i);
            final String f = "staticRoutes[" + i + "]";
            check(r.prefixLength() >= 0 && r.prefixLength() <= 32, f, "prefix length must be 0..32");
            check((r.destination() & ~Domain.mask(r.prefixLength())) == 0, f,
                Addresses.ipv4(r.destination()) + "/" + r.prefixLength() + " has host bits set");
            // RFC 3442 routes are installed on the VM's interface: the gateway must be on-link.
            check(d.inSubnet(r.gateway()), f, "gateway " + Addresses.ipv4(r.gateway()) +
                " is not in subnet " + d.subnet());
        }
    }

    private void checkBoot() throws PolicyException
    {
        final Domain.Boot b = d.boot();
        if (b == null)
        {
            return;
        }
        check(b.file() != null || b.ipxeFile() != null, "boot", "give a boot file: file, ipxeFile or both");
        if (b.nextServer() != 0)
        {
            check(b.nextServer() != -1 && (b.nextServer() >>> 28) != 0xE, "boot.nextServer",
                Addresses.ipv4(b.nextServer()) + " is not a unicast address");
        }
        checkBootText("boot.tftpServer", b.tftpServer(), ReplyDirectives.MAX_SERVER_NAME);
        checkBootText("boot.file", b.file(), ReplyDirectives.MAX_BOOT_FILE);
        checkBootText("boot.ipxeFile", b.ipxeFile(), ReplyDirectives.MAX_BOOT_FILE);
    }

    /** The text goes in the fixed sname or file field too, which keeps a terminating NUL. */
    private void checkBootText(final String field, final String text, final int max) throws PolicyException
    {
        if (text != null)
        {
            check(!text.isEmpty() && text.length() <= max, field,
                "must be 1.." + max + " characters, is " + text.length());
            check(PRINTABLE_ASCII.matcher(text).matches(), field, "'" + text + "' has characters other than " +
                "printable US-ASCII");
        }
    }

    private void checkRawOptions() throws PolicyException
    {
        final Set<Integer> codes = new HashSet<>();
        for (int i = 0; i < d.rawOptions().size(); i++)
        {
            final Domain.RawOption r = d.rawOptions().get(i);
            final String f = "rawOptions[" + i + "]";
            final String owner = rawCodeOwner(r.code());
            check(owner == null, f, "code " + r.code() + ": " + owner);
            check(codes.add(r.code()), f, "code " + r.code() + " is given twice");
        }
    }

    /** Why a raw option may not have this code, or null when it may. */
    private static String rawCodeOwner(final int code)
    {
        return switch (code)
        {
            case DhcpOption.PAD, DhcpOption.END -> "0 and 255 are PAD and END, not options";
            case DhcpOption.SUBNET_MASK -> "dvmc writes the subnet mask from subnet";
            case DhcpOption.ROUTER -> "set it with router";
            case DhcpOption.DOMAIN_NAME_SERVER -> "set it with dns";
            case DhcpOption.DOMAIN_NAME -> "set it with domainName";
            case DhcpOption.INTERFACE_MTU -> "set it with mtu";
            case DhcpOption.NTP_SERVERS -> "set it with ntp";
            case DhcpOption.DOMAIN_SEARCH -> "set it with searchList";
            case DhcpOption.CLASSLESS_STATIC_ROUTE -> "set it with staticRoutes";
            case DhcpOption.TFTP_SERVER_NAME, DhcpOption.BOOTFILE_NAME -> "set it with boot";
            case DhcpOption.CLIENT_ID, DhcpOption.RELAY_AGENT_INFORMATION ->
                "dvmc owns it (client identifier, relay agent information)";
            default -> code >= DhcpOption.REQUESTED_IP && code <= DhcpOption.REBINDING_TIME
                ? "dvmc owns the DHCP protocol options 50..59"
                : null;
        };
    }

    private void checkDnsName(final String field, final String name) throws PolicyException
    {
        final String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        check(!trimmed.isEmpty() && trimmed.length() <= 253, field, "'" + name + "' is not a DNS name");
        for (final String label : trimmed.split("\\.", -1))
        {
            check(DNS_LABEL.matcher(label).matches(), field, "'" + name + "' is not a DNS name");
        }
    }

    private void check(final boolean ok, final String field, final String message) throws PolicyException
    {
        if (!ok)
        {
            throw new PolicyException(where + ": " + field + ": " + message);
        }
    }
}
