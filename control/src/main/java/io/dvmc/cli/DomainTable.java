package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dvmc.config.Addresses;
import io.dvmc.policy.Domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Domains as the operator reads them: one line per domain, or one line per field of one domain. */
final class DomainTable
{
    private DomainTable()
    {
    }

    /** One line per domain, by id: subnet, pools, options, services. */
    static String table(final Collection<Domain> domains)
    {
        final StringBuilder out = new StringBuilder(String.format(
            "%-10s %-10s %-18s %-31s %-15s %-23s %-5s %-7s %-8s %s%n",
            "DOMAIN", "NAME", "SUBNET", "POOLS", "ROUTER", "DNS", "MTU", "LEASE", "MODE", "SERVICES"));
        for (final Domain d : sorted(domains))
        {
            out.append(String.format("%-10s %-10s %-18s %-31s %-15s %-23s %-5d %-7d %-8s %s%n",
                d.idString(), d.name(), d.subnet(),
                d.pools().stream().map(Domain.AddressRange::toString).collect(Collectors.joining(",")),
                d.router() == 0 ? "-" : Addresses.ipv4(d.router()),
                d.dns().stream().map(Addresses::ipv4).collect(Collectors.joining(",")),
                d.mtu(), d.leaseSeconds(), d.mode().name().toLowerCase(),
                d.services().stream().map(a -> a.getHostString() + ":" + a.getPort())
                    .collect(Collectors.joining(","))));
        }
        return out.toString();
    }

    /** The domains by id. */
    static List<Domain> sorted(final Collection<Domain> domains)
    {
        return domains.stream().sorted(Comparator.comparingLong(d -> Integer.toUnsignedLong(d.id()))).toList();
    }

    /**
     * One line per field of a JSON object; list items are joined by ", ", and an item that is an object is
     * written as its option form (a pool "first-last", a reservation "mac=ip", a route "destination=gateway").
     */
    static String fields(final JsonNode object)
    {
        final StringBuilder out = new StringBuilder();
        final Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext())
        {
            final Map.Entry<String, JsonNode> f = fields.next();
            final String value;
            if (f.getValue().isArray())
            {
                final List<String> items = new ArrayList<>();
                final String join = "pools".equals(f.getKey()) ? "-" : "=";
                for (final JsonNode item : f.getValue())
                {
                    items.add(item.isObject() ? valuesJoined(item, join) : item.asText());
                }
                value = items.isEmpty() ? "-" : String.join(", ", items);
            }
            else
            {
                value = f.getValue().asText();
            }
            out.append(String.format("%-18s %s%n", f.getKey(), value));
        }
        return out.toString();
    }

    private static String valuesJoined(final JsonNode object, final String join)
    {
        final List<String> values = new ArrayList<>();
        object.forEach(v -> values.add(v.asText()));
        return String.join(join, values);
    }
}
