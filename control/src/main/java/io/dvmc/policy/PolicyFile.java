package io.dvmc.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.dvmc.config.Addresses;
import io.dvmc.config.JsonSyntax;
import io.dvmc.config.JsonTrees;
import io.dvmc.config.TextFiles;
import io.dvmc.exchange.DvmcMessage;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the policy file (DESIGN §5):
 *
 * <pre>{@code
 * { "services": ["127.0.0.1:6767"],                 // default endpoints for domains that name none
 *   "domains": [
 *     { "id": 100, "name": "blue", "subnet": "10.0.0.0/24",
 *       "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ],
 *       "exclusions": [ "10.0.0.150", "10.0.0.160-10.0.0.165" ],
 *       "reservations": [ { "mac": "02:00:00:00:00:10", "ip": "10.0.0.10" },
 *                         { "clientId": "01:02:00:00:00:00:11", "ip": "10.0.0.11" } ],
 *       "router": "10.0.0.1", "dns": ["10.0.0.53"], "domainName": "blue.example", "searchList": ["blue.example"],
 *       "mtu": 1450, "staticRoutes": [ { "destination": "192.168.0.0/16", "gateway": "10.0.0.1" } ],
 *       "ntp": ["10.0.0.123"], "leaseSeconds": 600, "hostLeaseSeconds": 2400, "offerHoldSeconds": 30,
 *       "serverMac": "02:44:00:00:00:64", "serverIp": "10.0.0.1",
 *       "mode": "builtin", "relayServers": [], "services": ["127.0.0.1:6767"],
 *       "boot": { "nextServer": "10.0.0.5", "tftpServer": "tftp.blue.example", "file": "undionly.kpxe",
 *                 "ipxeFile": "http://10.0.0.5/boot.ipxe" },
 *       "rawOptions": [ { "code": 252, "hex": "68:74:74:70", "always": false } ] } ] }
 *   // a relay domain instead: "mode": "relay", "relayServers": ["192.0.2.10", "192.0.2.11:67"],
 *   //   "relayAddress": "192.0.2.1", "linkSelection": true
 *   //   (or "relayAddresses": ["192.0.2.1", "192.0.2.2"], one per service replica: docs/relay.md)
 * }</pre>
 *
 * Defaults: hostLeaseSeconds 4 × leaseSeconds, offerHoldSeconds 30, leaseSeconds 3600, serverIp the router,
 * serverMac {@link Domain#defaultServerMac}, mode builtin, service port 6767, relay server port 67. Comments are
 * allowed; unknown fields are errors.
 */
public final class PolicyFile
{
    public static final int DEFAULT_LEASE_SECONDS = 3600;
    public static final int HOST_LEASE_FACTOR = 4;
    public static final int DEFAULT_OFFER_HOLD_SECONDS = 30;
    private static final int DHCP_SERVER_PORT = 67;

    private PolicyFile()
    {
    }

    public static Policy load(final Path file) throws PolicyException
    {
        final String text;
        try
        {
            text = TextFiles.readUtf8(file);
        }
        catch (final NoSuchFileException ex)
        {
            throw new PolicyException(file + ": no such policy file");
        }
        catch (final IOException ex)
        {
            throw new PolicyException(file + ": " + ex.getMessage(), ex);
        }
        return parse(text, file.toString());
    }

    /** @param source names the text in messages, e.g. the file name. */
    public static Policy parse(final String json, final String source) throws PolicyException
    {
        final JsonNode root = readTree(json, source);
        final JsonFields top = new JsonFields(root, source);
        final List<InetSocketAddress> defaultServices = endpoints(top, "services", top.stringList("services"),
            DvmcMessage.DEFAULT_PORT);
        final List<JsonNode> items = top.array("domains");
        top.rejectUnknown();
        final List<Domain> domains = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++)
        {
            domains.add(domain(items.get(i), source + ": domains[" + i + "]", defaultServices));
        }
        try
        {
            return Policy.of(domains);
        }
        catch (final PolicyException ex)
        {
            throw new PolicyException(source + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * One domain object as it stands in the {@code "domains"} array, read and checked alone (the value of an etcd
     * key {@code <prefix>/domains/<id>}). A domain without {@code "services"} has none.
     *
     * @param source names the text in messages, e.g. the etcd key.
     */
    public static Domain parseDomain(final String json, final String source) throws PolicyException
    {
        final Domain domain = domain(readTree(json, source), source + ": value", List.of());
        try
        {
            DomainValidator.validate(domain);
        }
        catch (final PolicyException ex)
        {
            throw new PolicyException(source + ": " + ex.getMessage(), ex);
        }
        return domain;
    }

    private static JsonNode readTree(final String json, final String source) throws PolicyException
    {
        try
        {
            return JsonTrees.read(json);
        }
        catch (final JsonProcessingException ex)
        {
            throw new PolicyException(source + ": " + JsonSyntax.describe(ex), ex);
        }
    }

    private static Domain domain(final JsonNode node, final String position, final List<InetSocketAddress> defaults)
        throws PolicyException
    {
        final JsonFields pre = new JsonFields(node, position);
        final int id = (int)pre.requiredInteger("id", 1, 0xFFFF_FFFFL);
        final String name = pre.string("name", null);
        final JsonFields f = new JsonFields(node, position.substring(0, position.lastIndexOf(':')) +
            ": domain " + Integer.toUnsignedString(id) + (name == null ? "" : " (" + name + ")"));
        f.get("id");
        f.get("name");

        final int[] subnet = f.parseCidr("subnet", f.requiredString("subnet"));
        final List<Domain.AddressRange> pools = new ArrayList<>();
        final List<JsonNode> poolNodes = f.array("pools");
        for (int i = 0; i < poolNodes.size(); i++)
        {
            final JsonFields p = new JsonFields(poolNodes.get(i), f.where() + ": pools[" + i + "]");
            pools.add(new Domain.AddressRange(
                p.parseIpv4("start", p.requiredString("start")), p.parseIpv4("end", p.requiredString("end"))));
            p.rejectUnknown();
        }
        final List<String> exclusionTexts = f.stringList("exclusions");
        final List<Domain.AddressRange> exclusions = new ArrayList<>();
        for (int i = 0; i < exclusionTexts.size(); i++)
        {
            exclusions.add(range(f, "exclusions[" + i + "]", exclusionTexts.get(i)));
        }
        final List<Domain.Reservation> reservations = new ArrayList<>();
        final List<JsonNode> reservationNodes = f.array("reservations");
        for (int i = 0; i < reservationNodes.size(); i++)
        {
            reservations.add(reservation(new JsonFields(reservationNodes.get(i),
                f.where() + ": reservations[" + i + "]")));
        }
        final int router = f.ipv4("router", 0);
        final List<Integer> dns = f.ipv4List("dns");
        final String domainName = f.string("domainName", null);
        final List<String> searchList = f.stringList("searchList");
        final int mtu = (int)f.integer("mtu", 0, 65535, 0);
        final List<Domain.StaticRoute> routes = new ArrayList<>();
        final List<JsonNode> routeNodes = f.array("staticRoutes");
        for (int i = 0; i < routeNodes.size(); i++)
        {
            final JsonFields r = new JsonFields(routeNodes.get(i), f.where() + ": staticRoutes[" + i + "]");
            final int[] destination = r.parseCidr("destination", r.requiredString("destination"));
            routes.add(new Domain.StaticRoute(destination[0], destination[1],
                r.parseIpv4("gateway", r.requiredString("gateway"))));
            r.rejectUnknown();
        }
        final List<Integer> ntp = f.ipv4List("ntp");
        final int lease = (int)f.integer("leaseSeconds", 1, Integer.MAX_VALUE, DEFAULT_LEASE_SECONDS);
        final int hostLease = (int)f.integer("hostLeaseSeconds", 1, Integer.MAX_VALUE,
            Math.min(Integer.MAX_VALUE, (long)lease * HOST_LEASE_FACTOR));
        final int offerHold = (int)f.integer("offerHoldSeconds", 1, 3600, DEFAULT_OFFER_HOLD_SECONDS);
        final String serverMacText = f.string("serverMac", null);
        final long serverMac = serverMacText == null
            ? Domain.defaultServerMac(id)
            : f.parseMac("serverMac", serverMacText);
        final int serverIp = f.ipv4("serverIp", router);
        if (serverIp == 0)
        {
            throw f.error("serverIp", "required when the domain has no router");
        }
        final String modeText = f.string("mode", "builtin");
        final Domain.Mode mode = switch (modeText)
        {
            case "builtin" -> Domain.Mode.BUILTIN;
            case "relay" -> Domain.Mode.RELAY;
            default -> throw f.error("mode", "'" + modeText + "' is not builtin or relay");
        };
        final List<InetSocketAddress> relayServers = endpoints(f, "relayServers", f.stringList("relayServers"),
            DHCP_SERVER_PORT);
        if (f.has("relayAddress") && f.has("relayAddresses"))
        {
            throw f.error("relayAddresses", "give either relayAddress or relayAddresses, not both");
        }
        final int relayAddress = f.ipv4("relayAddress", 0);
        final List<Integer> relayAddresses = relayAddress != 0 ? List.of(relayAddress) : f.ipv4List("relayAddresses");
        final boolean linkSelection = f.bool("linkSelection", false);
        final List<InetSocketAddress> services = f.has("services")
            ? endpoints(f, "services", f.stringList("services"), DvmcMessage.DEFAULT_PORT)
            : defaults;
        final Domain.Boot boot = f.has("boot") ? boot(new JsonFields(f.get("boot"), f.where() + ": boot")) : null;
        final List<Domain.RawOption> rawOptions = new ArrayList<>();
        final List<JsonNode> rawNodes = f.array("rawOptions");
        for (int i = 0; i < rawNodes.size(); i++)
        {
            final JsonFields r = new JsonFields(rawNodes.get(i), f.where() + ": rawOptions[" + i + "]");
            rawOptions.add(new Domain.RawOption((int)r.requiredInteger("code", 0, 255),
                r.parseHex("hex", r.requiredString("hex")), r.bool("always", false)));
            r.rejectUnknown();
        }
        f.rejectUnknown();

        return new Domain(id, name, subnet[0], subnet[1], pools, exclusions, reservations, router, dns, domainName,
            searchList, mtu, routes, ntp, lease, hostLease, offerHold, serverMac, serverIp, mode, relayServers,
            relayAddresses, linkSelection, services, boot, rawOptions);
    }

    /** By MAC ({@code "mac"}) or by client identifier ({@code "clientId"}, hex), never both. */
    private static Domain.Reservation reservation(final JsonFields r) throws PolicyException
    {
        final int ip = r.parseIpv4("ip", r.requiredString("ip"));
        final String mac = r.string("mac", null);
        final String clientId = r.string("clientId", null);
        r.rejectUnknown();
        if ((mac == null) == (clientId == null))
        {
            throw r.error("mac", "give either mac or clientId");
        }
        return mac != null
            ? new Domain.Reservation(r.parseMac("mac", mac), ip)
            : new Domain.Reservation(0, r.parseHex("clientId", clientId), ip);
    }

    private static Domain.Boot boot(final JsonFields b) throws PolicyException
    {
        final Domain.Boot boot = new Domain.Boot(b.ipv4("nextServer", 0), b.string("tftpServer", null),
            b.string("file", null), b.string("ipxeFile", null));
        b.rejectUnknown();
        return boot;
    }

    private static Domain.AddressRange range(final JsonFields f, final String field, final String text)
        throws PolicyException
    {
        final int dash = text.indexOf('-');
        if (dash < 0)
        {
            final int a = f.parseIpv4(field, text);
            return new Domain.AddressRange(a, a);
        }
        return new Domain.AddressRange(
            f.parseIpv4(field, text.substring(0, dash)), f.parseIpv4(field, text.substring(dash + 1)));
    }

    /** "a.b.c.d:port" or "a.b.c.d" (default port); literal IPv4 only, so loading never waits on DNS. */
    private static List<InetSocketAddress> endpoints(
        final JsonFields f, final String field, final List<String> texts, final int defaultPort)
        throws PolicyException
    {
        final List<InetSocketAddress> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++)
        {
            final String text = texts.get(i).trim();
            final String f1 = field + "[" + i + "]";
            try
            {
                out.add(text.indexOf(':') < 0
                    ? Addresses.socketAddress(text + ":" + defaultPort)
                    : Addresses.socketAddress(text));
            }
            catch (final IllegalArgumentException ex)
            {
                throw f.error(f1, ex.getMessage());
            }
            if (out.get(i).getPort() == 0)
            {
                throw f.error(f1, "port 0 is not a service port");
            }
        }
        return out;
    }
}
