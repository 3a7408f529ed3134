package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dvmc.config.Addresses;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.etcd.jetcd.Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Iterator;

/**
 * {@code dvmc ctl reservation add|remove}: a fixed MAC (or, with {@code --client-id}, client identifier) → address of
 * a domain in etcd, by read-modify-write.
 */
@Command(name = "reservation", mixinStandardHelpOptions = true,
    description = "Adds or removes a reservation (MAC or client identifier -> address) of a domain in etcd.",
    subcommands = {ReservationCommand.Add.class, ReservationCommand.Remove.class})
final class ReservationCommand extends CommandGroup
{
    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Reserves an address of the subnet for a MAC or a client identifier.")
    static final class Add extends EtcdCommand
    {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "id or name")
        String domain;

        @Parameters(index = "1", paramLabel = "CLIENT", description = "a MAC, or with --client-id a client identifier")
        String mac;

        @Option(names = "--client-id", description = "CLIENT is a client identifier (option 61) in hex, e.g. " +
            "01:02:00:00:00:00:10 (type 1, a MAC)")
        boolean clientId;

        @Parameters(index = "2", paramLabel = "ADDRESS")
        String address;

        @Option(names = "--if-revision", description = "refuse unless the domain is still at this revision")
        Long ifRevision;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            return DomainEdit.edit(this, admin, domain, ifRevision,
                d -> d.withArray("reservations").addObject().put(clientId ? "clientId" : "mac", mac).put("ip",
                    address));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Removes the reservation of a MAC or a client identifier.")
    static final class Remove extends EtcdCommand
    {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "id or name")
        String domain;

        @Parameters(index = "1", paramLabel = "CLIENT", description = "a MAC, or with --client-id a client identifier")
        String mac;

        @Option(names = "--client-id", description = "CLIENT is a client identifier (option 61) in hex")
        boolean clientId;

        @Option(names = "--if-revision", description = "refuse unless the domain is still at this revision")
        Long ifRevision;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final String field = clientId ? "clientId" : "mac";
            final String wanted = clientId ? bareHex(mac) : Addresses.mac(CtlArguments.mac("MAC", mac));
            if (wanted.isEmpty())
            {
                throw new BadInputException("CLIENT: a client identifier needs at least one hex byte");
            }
            return DomainEdit.edit(this, admin, domain, ifRevision, d -> {
                final Iterator<JsonNode> reservations = d.withArray("reservations").elements();
                while (reservations.hasNext())
                {
                    final String held = reservations.next().path(field).asText();
                    if ((clientId ? bareHex(held) : held).equals(wanted))
                    {
                        reservations.remove();
                        return;
                    }
                }
                throw new BadInputException("domain " + domain + " has no reservation for " + wanted);
            });
        }
    }

    /** A client identifier as the policy compares it: hex digits without ':', lower case. */
    static String bareHex(final String hex)
    {
        return hex.replace(":", "").toLowerCase(java.util.Locale.ROOT);
    }
}
