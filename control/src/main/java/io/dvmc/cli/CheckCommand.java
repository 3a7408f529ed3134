package io.dvmc.cli;

import io.dvmc.config.ClusterKeyFile;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.exchange.KeyRing;
import io.dvmc.policy.Policy;
import io.dvmc.policy.PolicyException;
import io.dvmc.policy.PolicyFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Validates configuration files without starting anything, as {@code kea-dhcp4 -t} and {@code dnsmasq --test} do:
 * an operator runs it before a reload, a deployment pipeline before it ships a file.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Validates a host config, a policy file and/or a key file without starting anything.",
        "Exit 0 when every file given is valid; exit 2 and one line per problem (file and field) when not.",
        "A host config is checked with what it names: its key file (a signing key for its host id) and its " +
            "policy file (every binding's domain in it); a policy in etcd is not contacted."})
final class CheckCommand implements Callable<Integer>
{
    @Option(names = "--config", description = "a host config (host.json) of a dataplane and agent")
    private Path config;

    @Option(names = "--policy", description = "a policy file (the domains of a service)")
    private Path policy;

    @Option(names = "--key-file", description = "a cluster key or key ring")
    private Path keyFile;

    public Integer call()
    {
        if (config == null && policy == null && keyFile == null)
        {
            System.err.println("dvmc check: give --config, --policy and/or --key-file");
            return 2;
        }
        final List<String> problems = new ArrayList<>();
        if (policy != null)
        {
            checkPolicy(policy, problems);
        }
        if (keyFile != null)
        {
            checkKeys(keyFile, KeyRing.ANY_HOST, problems);
        }
        if (config != null)
        {
            checkHost(config, problems);
        }
        problems.forEach(p -> System.err.println("dvmc check: " + p));
        return problems.isEmpty() ? 0 : 2;
    }

    private static Policy checkPolicy(final Path file, final List<String> problems)
    {
        try
        {
            final Policy p = PolicyFile.load(file);
            System.out.println(file + ": ok, " + p.domains().size() + " domains");
            return p;
        }
        catch (final PolicyException ex)
        {
            problems.add(ex.getMessage());
            return null;
        }
    }

    private static void checkKeys(final Path file, final int hostId, final List<String> problems)
    {
        try
        {
            final KeyRing ring = ClusterKeyFile.loadRing(file);
            if (hostId != KeyRing.ANY_HOST)
            {
                ring.signingKeyFor(hostId);
            }
            System.out.println(file + ": ok, keys " + ring.describe());
        }
        catch (final ConfigException | IllegalArgumentException ex)
        {
            problems.add(file + ": " + ex.getMessage());
        }
    }

    private static void checkHost(final Path file, final List<String> problems)
    {
        final HostConfig host;
        try
        {
            host = HostConfig.load(file);
        }
        catch (final ConfigException ex)
        {
            problems.add(ex.getMessage());
            return;
        }
        System.out.println(file + ": ok, host " + Integer.toUnsignedString(host.hostId()) + ", " +
            host.bindings().size() + " bindings");
        checkKeys(Path.of(host.keyFile()), host.hostId(), problems);
        if (host.policyFile() == null)
        {
            return;
        }
        final Policy p = checkPolicy(Path.of(host.policyFile()), problems);
        if (p == null)
        {
            return;
        }
        for (int i = 0; i < host.bindings().size(); i++)
        {
            final HostConfig.Binding b = host.bindings().get(i);
            if (p.domainOrNull((int)b.domain()) == null)
            {
                problems.add(file + ": bindings[" + i + "] (" + b.mac() + "): domain " + b.domain() + " is not in " +
                    host.policyFile());
            }
        }
    }
}
