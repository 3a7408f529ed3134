package io.dvmc.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.Addresses;
import io.dvmc.config.JsonSyntax;
import io.dvmc.config.JsonTrees;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;

/**
 * One {@link Domain} as the JSON object of the policy file's {@code "domains"} array: the value of a domain's key
 * in etcd ({@code /dvmc/domains/<id>}) and what {@code dvmc ctl domain} reads and prints. {@link #toJson} is the
 * exact inverse of {@link PolicyFile}'s parsing of one domain, and {@link #parse} is that parsing, so the file
 * and etcd can never disagree on a field. Every field is written explicitly (defaults included) except those
 * whose absence means "none": {@code router} 0, {@code domainName} null, {@code mtu} 0, {@code boot} null and
 * the boot fields that are unset.
 */
public final class DomainJson
{
    private DomainJson()
    {
    }

    /** The domain as a policy-file domain object, fields in the order of the policy file's documentation. */
    public static ObjectNode toJson(final Domain d)
    {
        final ObjectNode o = JsonTrees.object();
        o.put("id", Integer.toUnsignedLong(d.id()));
        o.put("name", d.name());
        o.put("subnet", d.subnet());
        final ArrayNode pools = o.putArray("pools");
        for (final Domain.AddressRange r : d.pools())
        {
            pools.addObject().put("start", Addresses.ipv4(r.first())).put("end", Addresses.ipv4(r.last()));
        }
        final ArrayNode exclusions = o.putArray("exclusions");
        d.exclusions().forEach(r -> exclusions.add(r.toString()));
        final ArrayNode reservations = o.putArray("reservations");
        for (final Domain.Reservation r : d.reservations())
        {
            final ObjectNode reservation = reservations.addObject();
            if (r.byClientId())
            {
                reservation.put("clientId", HexFormat.ofDelimiter(":").formatHex(r.clientIdBytes()));
            }
            else
            {
                reservation.put("mac", Addresses.mac(r.mac()));
            }
            reservation.put("ip", Addresses.ipv4(r.address()));
        }
        if (d.router() != 0)
        {
            o.put("router", Addresses.ipv4(d.router()));
        }
        addresses(o.putArray("dns"), d.dns());
        if (d.domainName() != null)
        {
            o.put("domainName", d.domainName());
        }
        final ArrayNode search = o.putArray("searchList");
        d.searchList().forEach(search::add);
        if (d.mtu() != 0)
        {
            o.put("mtu", d.mtu());
        }
        final ArrayNode routes = o.putArray("staticRoutes");
        for (final Domain.StaticRoute r : d.staticRoutes())
        {
            routes.addObject()
                .put("destination", Addresses.ipv4(r.destination()) + "/" + r.prefixLength())
                .put("gateway", Addresses.ipv4(r.gateway()));
        }
        addresses(o.putArray("ntp"), d.ntp());
        o.put("leaseSeconds", d.leaseSeconds());
        o.put("hostLeaseSeconds", d.hostLeaseSeconds());
        o.put("offerHoldSeconds", d.offerHoldSeconds());
        o.put("serverMac", Addresses.mac(d.serverMac()));
        o.put("serverIp", Addresses.ipv4(d.serverIp()));
        o.put("mode", d.mode().name().toLowerCase());
        endpoints(o.putArray("relayServers"), d.relayServers());
        if (d.relayAddresses().size() == 1)
        {
            o.put("relayAddress", Addresses.ipv4(d.relayAddress()));
        }
        else if (!d.relayAddresses().isEmpty())
        {
            addresses(o.putArray("relayAddresses"), d.relayAddresses());
        }
        if (d.linkSelection())
        {
            o.put("linkSelection", true);
        }
        endpoints(o.putArray("services"), d.services());
        if (d.boot() != null)
        {
            final ObjectNode boot = o.putObject("boot");
            if (d.boot().nextServer() != 0)
            {
                boot.put("nextServer", Addresses.ipv4(d.boot().nextServer()));
            }
            putIfSet(boot, "tftpServer", d.boot().tftpServer());
            putIfSet(boot, "file", d.boot().file());
            putIfSet(boot, "ipxeFile", d.boot().ipxeFile());
        }
        final ArrayNode raw = o.putArray("rawOptions");
        for (final Domain.RawOption r : d.rawOptions())
        {
            raw.addObject().put("code", r.code()).put("hex", r.hex()).put("always", r.always());
        }
        return o;
    }

    /** {@link #toJson} as compact text, the form stored in etcd. */
    public static String write(final Domain d)
    {
        return toJson(d).toString();
    }

    /**
     * Parses and validates one domain object exactly as the policy file does (same defaults, same messages; a
     * domain without {@code services} has none, since there is no file-wide default here).
     *
     * @param source names the text in messages, e.g. a file name or an etcd key; empty for none.
     */
    public static Domain parse(final String json, final String source) throws PolicyException
    {
        final JsonNode node;
        try
        {
            node = JsonTrees.read(json);
        }
        catch (final JsonProcessingException ex)
        {
            throw new PolicyException(prefixed(source, JsonSyntax.describe(ex)), ex);
        }
        return parse(node, source);
    }

    /** {@link #parse(String, String)} of an object already read. */
    public static Domain parse(final JsonNode node, final String source) throws PolicyException
    {
        if (node == null || !node.isObject())
        {
            throw new PolicyException(prefixed(source, "expected a JSON object (one domain)"));
        }
        final ObjectNode file = JsonTrees.object();
        file.putArray("domains").add(node);
        try
        {
            return PolicyFile.parse(JsonTrees.write(file), source).domains().getFirst();
        }
        catch (final PolicyException ex)
        {
            // PolicyFile prefixes every message with "<source>: ".
            throw source.isEmpty() ? new PolicyException(ex.getMessage().substring(2), ex) : ex;
        }
    }

    private static String prefixed(final String source, final String message)
    {
        return source.isEmpty() ? message : source + ": " + message;
    }

    private static void putIfSet(final ObjectNode o, final String field, final String value)
    {
        if (value != null)
        {
            o.put(field, value);
        }
    }

    private static void addresses(final ArrayNode out, final List<Integer> addresses)
    {
        addresses.forEach(a -> out.add(Addresses.ipv4(a)));
    }

    private static void endpoints(final ArrayNode out, final List<InetSocketAddress> endpoints)
    {
        endpoints.forEach(a -> out.add(a.getHostString() + ":" + a.getPort()));
    }
}
