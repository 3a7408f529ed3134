package io.dvmc.policy;

import io.dvmc.config.Addresses;

import java.net.InetSocketAddress;
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
 * @param reservations     fixed MAC → address bindings, honoured before the pools.
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
 * @param relayAddress     a relay domain's giaddr (RFC 1542 §4.1.1): the address the service relays from and the
 *                         tenant servers answer to; 0 in a builtin domain.
 * @param linkSelection    whether relayed requests carry the RFC 3527 link selection sub-option naming the subnet,
 *                         for tenant servers that cannot tell it from a relay address outside it.
 * @param services         the dvmc service endpoints of the domain (the patent's server location reply 135).
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
    int relayAddress,
    boolean linkSelection,
    List<InetSocketAddress> services)
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

    /** A fixed address for one MAC. */
    public record Reservation(long mac, int address)
    {
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
        services = List.copyOf(services);
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
        for (final Reservation r : reservations)
        {
            if (r.mac() == mac)
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
