package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dvmc.config.Addresses;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.etcd.jetcd.Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Iterator;

/** {@code dvmc ctl reservation add|remove}: a fixed MAC → address of a domain in etcd, by read-modify-write. */
@Command(name = "reservation", mixinStandardHelpOptions = true,
    description = "Adds or removes a reservation (MAC -> address) of a domain in etcd.",
    subcommands = {ReservationCommand.Add.class, ReservationCommand.Remove.class})
final class ReservationCommand extends CommandGroup
{
    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Reserves an address of the subnet for a MAC.")
    static final class Add extends EtcdCommand
    {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "id or name")
        String domain;

        @Parameters(index = "1", paramLabel = "MAC")
        String mac;

        @Parameters(index = "2", paramLabel = "ADDRESS")
        String address;

        @Option(names = "--if-revision", description = "refuse unless the domain is still at this revision")
        Long ifRevision;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            return DomainEdit.edit(this, admin, domain, ifRevision,
                d -> d.withArray("reservations").addObject().put("mac", mac).put("ip", address));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Removes the reservation of a MAC.")
    static final class Remove extends EtcdCommand
    {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "id or name")
        String domain;

        @Parameters(index = "1", paramLabel = "MAC")
        String mac;

        @Option(names = "--if-revision", description = "refuse unless the domain is still at this revision")
        Long ifRevision;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final String wanted = Addresses.mac(CtlArguments.mac("MAC", mac));
            return DomainEdit.edit(this, admin, domain, ifRevision, d ->
            {
                final Iterator<JsonNode> reservations = d.withArray("reservations").elements();
                while (reservations.hasNext())
                {
                    if (reservations.next().path("mac").asText().equals(wanted))
                    {
                        reservations.remove();
                        return;
                    }
                }
                throw new BadInputException("domain " + domain + " has no reservation for " + wanted);
            });
        }
    }
}
