package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.etcd.jetcd.Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Iterator;

/** {@code dvmc ctl pool add|remove}: one dynamic range of a domain in etcd, by read-modify-write. */
@Command(name = "pool", mixinStandardHelpOptions = true, description = "Adds or removes a pool of a domain in etcd.",
    subcommands = {PoolCommand.Add.class, PoolCommand.Remove.class})
final class PoolCommand extends CommandGroup
{
    /** The arguments of both: the domain, the range, the revision the operator read. */
    abstract static class PoolEdit extends EtcdCommand
    {
        @Parameters(index = "0", paramLabel = "DOMAIN", description = "id or name")
        String domain;

        @Parameters(index = "1", paramLabel = "FIRST-LAST", description = "the range (one address: FIRST)")
        String range;

        @Option(names = "--if-revision", description = "refuse unless the domain is still at this revision")
        Long ifRevision;

        String first()
        {
            final int dash = range.indexOf('-');
            return (dash < 0 ? range : range.substring(0, dash)).trim();
        }

        String last()
        {
            final int dash = range.indexOf('-');
            return (dash < 0 ? range : range.substring(dash + 1)).trim();
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Adds a pool; refused if outside the subnet or overlapping another pool.")
    static final class Add extends PoolEdit
    {
        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            return DomainEdit.edit(this, admin, domain, ifRevision,
                d -> ((ArrayNode)d.withArray("pools")).addObject().put("start", first()).put("end", last()));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Removes a pool given exactly.")
    static final class Remove extends PoolEdit
    {
        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            return DomainEdit.edit(this, admin, domain, ifRevision, d -> {
                final Iterator<JsonNode> pools = d.withArray("pools").elements();
                while (pools.hasNext())
                {
                    final JsonNode p = pools.next();
                    if (p.path("start").asText().equals(first()) && p.path("end").asText().equals(last()))
                    {
                        pools.remove();
                        return;
                    }
                }
                throw new BadInputException("domain " + domain + " has no pool " + range);
            });
        }
    }
}
