package io.dvmc.policy;

import io.dvmc.config.Addresses;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;

/**
 * One virtual domain (DESIGN §1.5, §5): a tenant network with its own address space, options and service. Two
 * domains may use the same subnet. Addresses are IPv4 ints read big-endian, MACs the low 48 bits of a long.
 * Immutable; built and checked by {@link PolicyFile} / {@link Policy#of}.
 *
 * @param id               the domain id (patent field 205), an unsigned 32-bit value, never 0.
 * @param network          the subnet's network address.
 * @param prefixLength     the subnet's prefix length, 1..30.
 * @param pools            dynamic address ranges, inside the subnet, not overlapping.
 * @param exclusions       addresses never handed out dynamically.
 * @param reservations     fixed MAC or client identifier → address bindings, honoured before the pools.
 * @param router           the default gateway (option 3), or 0 for none.
 * @param dns              DNS servers (option 6).
 * @param domainName       DNS domain name (option 15), or null.
 * @param searchList       DNS search list (option 119).
 * @param mtu              interface MTU (option 26), or 0 to leave the VM's default.
 * @param staticRoutes     classless static routes (option 121).
 * @param ntp              NTP servers (option 42).
 * @param leaseSeconds     the lease the VM gets.
 * @param hostLeaseSeconds the lease the service gives the host, longer so that VM renewals stay on the host.
 * @param offerHoldSeconds how long an offered address is held for the client (RFC 2131 §4.3.1).
 * @param serverMac        the virtual MAC of the domain's virtual DHCP server.
 * @param serverIp         the virtual server's address (option 54), by default the router.
 * @param mode             whether the dvmc service manages addresses itself or relays to a tenant server.
 * @param relayServers     the tenant DHCP/BOOTP servers of a relay domain.
 * @param relayAddresses   a relay domain's giaddrs (RFC 1542 §4.1.1): the addresses the service relays from and the
 *                         tenant servers answer to, one per service replica or one for all (docs/relay.md); each
 *                         replica relays from the first it holds or can bind. Empty in a builtin domain.
 * @param linkSelection    whether relayed requests carry the RFC 3527 link selection sub-option naming the subnet,
 *                         for tenant servers that cannot tell it from a relay address outside it.
 * @param services         the dvmc service endpoints of the domain (the patent's server location reply 135).
 * @param boot             network boot (PXE, iPXE) for netboot clients, or null for none.
 * @param rawOptions       further options given as bytes, by code.
 */
public record Domain(
    int id,
    String name,
    int network,
    int prefixLength,
    List<AddressRange> pools,
    List<AddressRange> exclusions,
    List<Reservation> reservations,
    int router,
    List<Integer> dns,
    String domainName,
    List<String> searchList,
    int mtu,
    List<StaticRoute> staticRoutes,
    List<Integer> ntp,
    int leaseSeconds,
    int hostLeaseSeconds,
    int offerHoldSeconds,
    long serverMac,
    int serverIp,
    Mode mode,
    List<InetSocketAddress> relayServers,
    List<Integer> relayAddresses,
    boolean linkSelection,
    List<InetSocketAddress> services,
    Boot boot,
    List<RawOption> rawOptions)
{
    /** How the domain's addresses are managed. */
    public enum Mode
    {
        /** dvmc's own address manager. */
        BUILTIN,
        /** Relay to the tenant's own DHCP/BOOTP servers (patent FIG. 3). */
        RELAY
    }

    /** An inclusive range of addresses; a single address has {@code first == last}. */
    public record AddressRange(int first, int last)
    {
        public boolean contains(final int address)
        {
            return Integer.compareUnsigned(address, first) >= 0 && Integer.compareUnsigned(address, last) <= 0;
        }

        public long size()
        {
            return (last & 0xFFFF_FFFFL) - (first & 0xFFFF_FFFFL) + 1;
        }

        public String toString()
        {
            return first == last ? Addresses.ipv4(first) : Addresses.ipv4(first) + "-" + Addresses.ipv4(last);
        }
    }

    /**
     * A fixed address for one client, named by its MAC or by its client identifier (option 61, RFC 2132 §9.14).
     *
     * @param mac      the client's MAC, or 0 when it is named by its client identifier.
     * @param clientId the client identifier as lower-case hex without separators, or null when named by MAC.
     */
    public record Reservation(long mac, String clientId, int address)
    {
        /** A reservation by MAC. */
        public Reservation(final long mac, final int address)
        {
            this(mac, null, address);
        }

        public boolean byClientId()
        {
            return clientId != null;
        }

        /** The client identifier's bytes; empty for a reservation by MAC. */
        public byte[] clientIdBytes()
        {
            return clientId == null ? new byte[0] : HexFormat.of().parseHex(clientId);
        }
    }

    /**
     * What a netboot client is told (RFC 2132 §9.4, §9.5; siaddr, sname and file of RFC 2131 §2). Any field may be
     * null (nextServer 0), not all of them.
     *
     * @param nextServer the TFTP server's address (siaddr), or 0.
     * @param tftpServer the TFTP server's name (option 66 and sname), or null.
     * @param file       the boot file of PXE clients (option 67 and file), or null.
     * @param ipxeFile   the boot file of clients whose user class is iPXE, usually a script URL, or null.
     */
    public record Boot(int nextServer, String tftpServer, String file, String ipxeFile)
    {
    }

    /**
     * An option the domain gives as bytes.
     *
     * @param code   1..254.
     * @param hex    the value as lower-case hex without separators (may be empty).
     * @param always sent to every client, not only to those that ask for it in option 55.
     */
    public record RawOption(int code, String hex, boolean always)
    {
        public byte[] value()
        {
            return HexFormat.of().parseHex(hex);
        }
    }

    /** A domain without relay address, link selection, network boot and raw options. */
    public Domain(
        final int id,
        final String name,
        final int network,
        final int prefixLength,
        final List<AddressRange> pools,
        final List<AddressRange> exclusions,
        final List<Reservation> reservations,
        final int router,
        final List<Integer> dns,
        final String domainName,
        final List<String> searchList,
        final int mtu,
        final List<StaticRoute> staticRoutes,
        final List<Integer> ntp,
        final int leaseSeconds,
        final int hostLeaseSeconds,
        final int offerHoldSeconds,
        final long serverMac,
        final int serverIp,
        final Mode mode,
        final List<InetSocketAddress> relayServers,
        final List<InetSocketAddress> services)
    {
        this(id, name, network, prefixLength, pools, exclusions, reservations, router, dns, domainName, searchList,
            mtu, staticRoutes, ntp, leaseSeconds, hostLeaseSeconds, offerHoldSeconds, serverMac, serverIp, mode,
            relayServers, List.of(), false, services, null, List.of());
    }

    /** A classless static route (RFC 3442). */
    public record StaticRoute(int destination, int prefixLength, int gateway)
    {
    }

    public Domain
    {
        pools = List.copyOf(pools);
        exclusions = List.copyOf(exclusions);
        reservations = List.copyOf(reservations);
        dns = List.copyOf(dns);
        searchList = List.copyOf(searchList);
        staticRoutes = List.copyOf(staticRoutes);
        ntp = List.copyOf(ntp);
        relayServers = List.copyOf(relayServers);
        relayAddresses = List.copyOf(relayAddresses);
        services = List.copyOf(services);
        rawOptions = List.copyOf(rawOptions);
    }

    /** The first relay address, or 0 in a builtin domain. */
    public int relayAddress()
    {
        return relayAddresses.isEmpty() ? 0 : relayAddresses.getFirst();
    }

    /** The locally administered MAC a domain's virtual server gets unless configured: 02:44 ("D") + the id. */
    public static long defaultServerMac(final int domainId)
    {
        return 0x0244_0000_0000L | (domainId & 0xFFFF_FFFFL);
    }

    public static int mask(final int prefixLength)
    {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public int subnetMask()
    {
        return mask(prefixLength);
    }

    public int broadcast()
    {
        return network | ~subnetMask();
    }

    /** Whether an address is in the subnet, network and broadcast addresses included. */
    public boolean inSubnet(final int address)
    {
        return (address & subnetMask()) == network;
    }

    /** The address reserved for a MAC, or 0. */
    public int reservedAddress(final long mac)
    {
        // Indexed: an iterator per allocation would be garbage on the service's request path.
        for (int i = 0; i < reservations.size(); i++)
        {
            final Reservation r = reservations.get(i);
            if (!r.byClientId() && r.mac() == mac)
            {
                return r.address();
            }
        }
        return 0;
    }

    public String subnet()
    {
        return Addresses.ipv4(network) + "/" + prefixLength;
    }

    /** The id as an operator writes it (unsigned). */
    public String idString()
    {
        return Integer.toUnsignedString(id);
    }

    /** "domain 100 (blue)", for messages. */
    public String label()
    {
        return "domain " + idString() + " (" + name + ")";
    }
}
