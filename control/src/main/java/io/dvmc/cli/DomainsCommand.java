package io.dvmc.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.config.PlainArgs;
import io.dvmc.policy.DomainJson;
import io.dvmc.policy.Policy;
import io.dvmc.policy.PolicyException;
import io.dvmc.policy.PolicyFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

/** Lists the virtual domains of a policy, as the services and agents read it (validated). */
@Command(name = "domains", mixinStandardHelpOptions = true,
    description = "Lists the virtual domains of the policy: subnet, pools, options, services.")
final class DomainsCommand implements Callable<Integer>
{
    static final class Source
    {
        @Option(names = "--config", description = "host config file (its policyFile)")
        Path config;

        @Option(names = "--policy", description = "policy file")
        Path policy;
    }

    @ArgGroup(multiplicity = "1")
    private Source source;

    @Option(names = "--json", description = "a JSON array of domain objects, as the policy file holds them")
    private boolean json;

    /**
     * {@code ctl domains --config F|--policy F [--json]} without picocli ({@link QuickCommands}); null for anything
     * else.
     */
    static Callable<Integer> quick(final String[] args)
    {
        final PlainArgs plain = PlainArgs.parse(args, 2, Set.of("--config", "--policy"), Set.of("--json"));
        if (plain == null || plain.has("--config") == plain.has("--policy"))
        {
            return null;
        }
        final DomainsCommand command = new DomainsCommand();
        command.source = new Source();
        command.source.config = plain.has("--config") ? Path.of(plain.value("--config")) : null;
        command.source.policy = plain.has("--policy") ? Path.of(plain.value("--policy")) : null;
        command.json = plain.has("--json");
        return command;
    }

    public Integer call()
    {
        final Policy policy;
        try
        {
            Path file = source.policy;
            if (file == null)
            {
                final String named = HostConfig.load(source.config).policyFile();
                if (named == null)
                {
                    System.err.println("dvmc ctl domains: " + source.config + " names no policyFile");
                    return 2;
                }
                file = Path.of(named);
            }
            policy = PolicyFile.load(file);
        }
        catch (final ConfigException | PolicyException ex)
        {
            System.err.println("dvmc ctl domains: " + ex.getMessage());
            return 2;
        }
        if (json)
        {
            final ArrayNode out = CliJson.array();
            DomainTable.sorted(policy.domains()).forEach(d -> out.add(DomainJson.toJson(d)));
            CliJson.print(out);
        }
        else
        {
            System.out.print(DomainTable.table(policy.domains()));
        }
        return 0;
    }
}
