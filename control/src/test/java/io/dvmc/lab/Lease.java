package io.dvmc.lab;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A lease as a real DHCP client reported it to its script (so what the client understood, not what a server meant
 * to send). Absent numeric options are 0 (no valid MTU or lease time is 0); absent addresses are null.
 *
 * @param client udhcpc, dhclient or dhcpcd
 * @param event the client's event, lower case: bound, renew, rebind, reboot
 * @param ip yiaddr
 * @param prefix prefix length of the subnet mask (option 1)
 * @param mask subnet mask, dotted
 * @param router first router (option 3)
 * @param dns DNS servers (option 6), in the order received
 * @param mtu interface MTU (option 26), 0 if absent
 * @param leaseSeconds lease time (option 51)
 * @param serverId server identifier (option 54)
 * @param vars everything the script recorded, raw client variables under "env."
 */
public record Lease(String client, String ns, String iface, String event, String ip, int prefix, String mask,
    String router, List<String> dns, int mtu, long leaseSeconds, String serverId, Map<String, String> vars)
{

    public Lease
    {
        dns = List.copyOf(dns);
        vars = Map.copyOf(vars);
    }

    /** Builds a lease from a recorded client event that carries an address. */
    static Lease from(String ns, ClientEvent e)
    {
        Map<String, String> v = e.vars();
        String ip = blankToNull(v.get("ip"));
        if (ip == null)
        {
            throw new LabException("event " + e.name() + " of " + v.get("client") + " carries no address: " + v);
        }
        String mask = blankToNull(v.get("mask"));
        String prefixText = blankToNull(v.get("prefix"));
        int prefix = prefixText != null ? Integer.parseInt(prefixText) : mask != null ? prefixOf(mask) : 0;
        if (mask == null && prefixText != null)
        {
            mask = maskOf(prefix);
        }
        String dns = v.getOrDefault("dns", "").strip();
        return new Lease(v.get("client"), ns, v.get("interface"), e.name(), ip, prefix, mask,
            blankToNull(v.get("router")),
            dns.isEmpty() ? List.of() : Arrays.asList(dns.split("\\s+")),
            intOr0(v.get("mtu")), longOr0(v.get("lease")), blankToNull(v.get("serverid")), v);
    }

    /** The search list (option 119, RFC 3397) as the client understood it, names without a trailing dot. */
    public List<String> searchList()
    {
        return words(vars.get("search"));
    }

    /** The classless static routes (option 121, RFC 3442) as the client understood them: "destination via gw". */
    public List<String> classlessRoutes()
    {
        List<String> pairs = words(vars.get("routes"));
        List<String> routes = new java.util.ArrayList<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2)
        {
            routes.add(pairs.get(i) + " via " + pairs.get(i + 1));
        }
        return routes;
    }

    /** The domain name (option 15), null if none. */
    public String domainName()
    {
        return blankToNull(vars.get("domain"));
    }

    static List<String> words(String s)
    {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.strip().split("\\s+"));
    }

    static int prefixOf(String dottedMask)
    {
        return Integer.bitCount(InterfaceState.ipv4ToInt(dottedMask));
    }

    static String maskOf(int prefix)
    {
        int m = prefix == 0 ? 0 : -1 << (32 - prefix);
        return ((m >>> 24) & 0xff) + "." + ((m >>> 16) & 0xff) + "." + ((m >>> 8) & 0xff) + "." + (m & 0xff);
    }

    private static String blankToNull(String s)
    {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static int intOr0(String s)
    {
        return s == null || s.isBlank() ? 0 : Integer.parseInt(s.strip());
    }

    private static long longOr0(String s)
    {
        return s == null || s.isBlank() ? 0 : Long.parseLong(s.strip());
    }
}
