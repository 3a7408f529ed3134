package io.dvmc.cli;

import io.dvmc.config.Addresses;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.policy.Domain;
import io.dvmc.policy.Policy;
import io.dvmc.policy.PolicyException;
import io.dvmc.policy.PolicyFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

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
        System.out.printf("%-10s %-10s %-18s %-31s %-15s %-23s %-5s %-7s %-8s %s%n",
            "DOMAIN", "NAME", "SUBNET", "POOLS", "ROUTER", "DNS", "MTU", "LEASE", "MODE", "SERVICES");
        final List<Domain> domains = policy.domains().stream()
            .sorted(Comparator.comparingLong(d -> Integer.toUnsignedLong(d.id()))).toList();
        for (final Domain d : domains)
        {
            System.out.printf("%-10s %-10s %-18s %-31s %-15s %-23s %-5d %-7d %-8s %s%n",
                d.idString(), d.name(), d.subnet(),
                d.pools().stream().map(Domain.AddressRange::toString).collect(Collectors.joining(",")),
                d.router() == 0 ? "-" : Addresses.ipv4(d.router()),
                d.dns().stream().map(Addresses::ipv4).collect(Collectors.joining(",")),
                d.mtu(), d.leaseSeconds(), d.mode().name().toLowerCase(),
                d.services().stream().map(a -> a.getHostString() + ":" + a.getPort())
                    .collect(Collectors.joining(",")));
        }
        return 0;
    }
}
