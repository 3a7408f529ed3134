package io.dvmc.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What an interface inside a namespace is configured with, read from iproute2's JSON output: the state a VM is
 * actually in after its DHCP client applied a lease.
 *
 * @param addresses every IPv4 address as "a.b.c.d/len"
 * @param ip first IPv4 address, null if none
 * @param prefix its prefix length, 0 if none
 * @param defaultRouter gateway of the namespace's IPv4 default route, null if none
 * @param mtu the link MTU
 * @param mac the link address
 * @param up whether the link is administratively up
 * @param gatewayRoutes every other IPv4 route through a gateway on this interface, as "destination via gateway"
 */
public record InterfaceState(String ns, String ifname, List<String> addresses, String ip, int prefix,
    String defaultRouter, int mtu, String mac, boolean up, List<String> gatewayRoutes)
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STEP = Duration.ofSeconds(10);

    public InterfaceState
    {
        addresses = List.copyOf(addresses);
        gatewayRoutes = List.copyOf(gatewayRoutes);
    }

    /** Reads {@code ifname} inside {@code ns} (root namespace if null). */
    public static InterfaceState read(String ns, String ifname)
    {
        JsonNode addr = json(ns, "ip", "-j", "-4", "addr", "show", "dev", ifname);
        JsonNode route = json(ns, "ip", "-j", "-4", "route", "show");
        JsonNode link = json(ns, "ip", "-j", "link", "show", "dev", ifname);
        return parse(ns, ifname, addr, route, link);
    }

    static InterfaceState parse(String ns, String ifname, JsonNode addr, JsonNode route, JsonNode link)
    {
        List<String> addresses = new ArrayList<>();
        String ip = null;
        int prefix = 0;
        for (JsonNode iface : addr)
        {
            for (JsonNode a : iface.path("addr_info"))
            {
                if ("inet".equals(a.path("family").asText()))
                {
                    String local = a.path("local").asText();
                    int len = a.path("prefixlen").asInt();
                    addresses.add(local + "/" + len);
                    if (ip == null)
                    {
                        ip = local;
                        prefix = len;
                    }
                }
            }
        }
        String router = null;
        List<String> gatewayRoutes = new ArrayList<>();
        for (JsonNode r : route)
        {
            // Only routes through this interface count: the default one is the VM's router.
            if (!ifname.equals(r.path("dev").asText()) || !r.hasNonNull("gateway"))
            {
                continue;
            }
            String dst = r.path("dst").asText();
            if (!"default".equals(dst))
            {
                gatewayRoutes.add(dst + " via " + r.path("gateway").asText());
            }
            else if (router == null)
            {
                router = r.path("gateway").asText();
            }
        }
        JsonNode l = link.isArray() && !link.isEmpty() ? link.get(0) : JSON.createObjectNode();
        boolean up = false;
        for (JsonNode f : l.path("flags"))
        {
            up |= "UP".equals(f.asText());
        }
        return new InterfaceState(ns, ifname, addresses, ip, prefix, router, l.path("mtu").asInt(),
            l.path("address").asText(null), up, gatewayRoutes);
    }

    private static JsonNode json(String ns, String... cmd)
    {
        String out = Exec.run(STEP, NetnsLab.inNs(ns, cmd)).check().output().strip();
        try
        {
            return JSON.readTree(out.isEmpty() ? "[]" : out);
        }
        catch (Exception e)
        {
            throw new LabException("unparsable output of " + String.join(" ", cmd) + ": " + out, e);
        }
    }

    /** a.b.c.d as an int in network order (the project's convention, docs/CONTRACTS.md). */
    static int ipv4ToInt(String dotted)
    {
        String[] p = dotted.strip().split("\\.");
        if (p.length != 4)
        {
            throw new IllegalArgumentException("not an IPv4 address: " + dotted);
        }
        int v = 0;
        for (String octet : p)
        {
            int o = Integer.parseInt(octet);
            if (o < 0 || o > 255)
            {
                throw new IllegalArgumentException("not an IPv4 address: " + dotted);
            }
            v = (v << 8) | o;
        }
        return v;
    }
}
