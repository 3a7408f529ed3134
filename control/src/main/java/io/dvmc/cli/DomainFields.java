package io.dvmc.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * The fields of a domain as command-line options, each written into the domain's policy-file JSON object only if
 * given (a list option replaces the whole list). The values stay text: the policy file's parser reads and checks
 * them, so an option and a file field are refused with the same message.
 */
final class DomainFields
{
    @Option(names = "--name", description = "domain name, unique")
    String name;

    @Option(names = "--subnet", paramLabel = "A.B.C.D/N")
    String subnet;

    @Option(names = "--pool", split = ",", paramLabel = "FIRST-LAST", description = "dynamic address ranges")
    List<String> pools;

    @Option(names = "--exclusion", split = ",", paramLabel = "ADDRESS[-LAST]")
    List<String> exclusions;

    @Option(names = "--reservation", split = ",", paramLabel = "MAC=ADDRESS")
    List<String> reservations;

    @Option(names = "--router", paramLabel = "ADDRESS", description = "default gateway ('' for none)")
    String router;

    @Option(names = "--dns", split = ",", paramLabel = "ADDRESS")
    List<String> dns;

    @Option(names = "--domain-name", paramLabel = "NAME", description = "DNS domain name ('' for none)")
    String domainName;

    @Option(names = "--search", split = ",", paramLabel = "NAME", description = "DNS search list")
    List<String> searchList;

    @Option(names = "--mtu", description = "interface MTU (0 for the VM's default)")
    Integer mtu;

    @Option(names = "--route", split = ",", paramLabel = "A.B.C.D/N=GATEWAY", description = "static routes")
    List<String> routes;

    @Option(names = "--ntp", split = ",", paramLabel = "ADDRESS")
    List<String> ntp;

    @Option(names = "--lease-seconds")
    Integer leaseSeconds;

    @Option(names = "--host-lease-seconds")
    Integer hostLeaseSeconds;

    @Option(names = "--offer-hold-seconds")
    Integer offerHoldSeconds;

    @Option(names = "--server-mac", paramLabel = "MAC")
    String serverMac;

    @Option(names = "--server-ip", paramLabel = "ADDRESS")
    String serverIp;

    @Option(names = "--mode", paramLabel = "builtin|relay")
    String mode;

    @Option(names = "--relay-server", split = ",", paramLabel = "ADDRESS[:PORT]")
    List<String> relayServers;

    @Option(names = "--relay-address", paramLabel = "ADDRESS",
        description = "a relay domain's giaddr: the service's address the tenant servers answer to")
    String relayAddress;

    @Option(names = "--link-selection", paramLabel = "true|false", arity = "1",
        description = "relayed requests name the subnet in RFC 3527 link selection")
    Boolean linkSelection;

    @Option(names = "--service", split = ",", paramLabel = "ADDRESS[:PORT]", description = "dvmc service endpoints")
    List<String> services;

    /** Writes the options given into {@code domain} (a policy-file domain object) and returns it. */
    ObjectNode apply(final ObjectNode domain) throws EtcdCommand.BadInputException
    {
        text(domain, "name", name);
        text(domain, "subnet", subnet);
        if (pools != null)
        {
            final ArrayNode out = domain.putArray("pools");
            for (final String p : pools)
            {
                final int dash = p.indexOf('-');
                final String first = dash < 0 ? p : p.substring(0, dash);
                out.addObject().put("start", first.trim()).put("end", dash < 0 ? first : p.substring(dash + 1).trim());
            }
        }
        texts(domain, "exclusions", exclusions);
        pairs(domain, "reservations", "--reservation", reservations, "mac", "ip");
        text(domain, "router", router);
        texts(domain, "dns", dns);
        text(domain, "domainName", domainName);
        texts(domain, "searchList", searchList);
        number(domain, "mtu", mtu);
        pairs(domain, "staticRoutes", "--route", routes, "destination", "gateway");
        texts(domain, "ntp", ntp);
        number(domain, "leaseSeconds", leaseSeconds);
        number(domain, "hostLeaseSeconds", hostLeaseSeconds);
        number(domain, "offerHoldSeconds", offerHoldSeconds);
        text(domain, "serverMac", serverMac);
        text(domain, "serverIp", serverIp);
        text(domain, "mode", mode);
        texts(domain, "relayServers", relayServers);
        text(domain, "relayAddress", relayAddress);
        if (linkSelection != null)
        {
            domain.put("linkSelection", linkSelection.booleanValue());
        }
        texts(domain, "services", services);
        return domain;
    }

    /** Each "LEFT=RIGHT" (both non-empty) as an object {left: LEFT, right: RIGHT}. */
    private static void pairs(
        final ObjectNode domain, final String field, final String option, final List<String> values,
        final String left, final String right) throws EtcdCommand.BadInputException
    {
        if (values != null)
        {
            final ArrayNode out = domain.putArray(field);
            for (final String text : values)
            {
                final int eq = text.indexOf('=');
                if (eq <= 0 || eq == text.length() - 1)
                {
                    throw new EtcdCommand.BadInputException(
                        option + ": '" + text + "' is not " + left.toUpperCase() + "=" + right.toUpperCase());
                }
                out.addObject().put(left, text.substring(0, eq).trim()).put(right, text.substring(eq + 1).trim());
            }
        }
    }

    /** An empty text removes the field: its default (none) applies. */
    private static void text(final ObjectNode domain, final String field, final String value)
    {
        if (value != null)
        {
            if (value.isEmpty())
            {
                domain.remove(field);
            }
            else
            {
                domain.put(field, value.trim());
            }
        }
    }

    private static void texts(final ObjectNode domain, final String field, final List<String> values)
    {
        if (values != null)
        {
            final ArrayNode out = domain.putArray(field);
            values.stream().map(String::trim).filter(v -> !v.isEmpty()).forEach(out::add);
        }
    }

    private static void number(final ObjectNode domain, final String field, final Integer value)
    {
        if (value != null)
        {
            domain.put(field, value);
        }
    }
}
