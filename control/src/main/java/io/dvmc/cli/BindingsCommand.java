package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.config.PlainArgs;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.etcd.jetcd.Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * Lists port bindings: which VM, of which domain, may ask for an address on which port. With {@code --config} the
 * host's file; {@code list} the bindings of every host (or one) in etcd.
 */
@Command(name = "bindings", mixinStandardHelpOptions = true,
    description = "Lists the host's bindings (--config): port, VLAN, MAC -> domain, VM id; list: the bindings in etcd.",
    subcommands = {BindingsCommand.ListBindings.class})
final class BindingsCommand implements Callable<Integer>
{
    @Option(names = "--config", description = "host config file (required without a subcommand)")
    private Path config;

    @Option(names = "--json", description = "a JSON array of {port, device, vlan, mac, domain, vm}")
    private boolean json;

    /** {@code dvmc ctl bindings list}: the bindings in etcd, of every host or of {@code --host}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the bindings in etcd: host, port, VLAN, MAC -> domain, VM id.")
    static final class ListBindings extends EtcdCommand
    {
        @Option(names = "--host", description = "only this host id")
        String host;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final ArrayNode rows = CliJson.array();
            for (final EtcdPolicyAdmin.HostBinding hb : admin.bindings(host))
            {
                rows.add(BindCommand.binding(hb.hostId(), hb.binding()));
            }
            if (json)
            {
                CliJson.print(rows);
                return 0;
            }
            final StringBuilder out = new StringBuilder(String.format("%-6s %-10s %-5s %-17s %-10s %s%n",
                "HOST", "PORT", "VLAN", "MAC", "DOMAIN", "VM"));
            for (final JsonNode r : rows)
            {
                out.append(String.format("%-6s %-10s %-5d %-17s %-10d %s%n", r.get("host").asText(),
                    r.get("port").asText(), r.get("vlan").asInt(), r.get("mac").asText(), r.get("domain").asLong(),
                    r.get("vm").asText()));
            }
            System.out.print(out);
            return 0;
        }
    }

    /** {@code ctl bindings --config F [--json]} without picocli ({@link QuickCommands}); null for anything else. */
    static Callable<Integer> quick(final String[] args)
    {
        final PlainArgs plain = PlainArgs.parse(args, 2, Set.of("--config"), Set.of("--json"));
        if (plain == null || !plain.has("--config"))
        {
            return null;
        }
        final BindingsCommand command = new BindingsCommand();
        command.config = Path.of(plain.value("--config"));
        command.json = plain.has("--json");
        return command;
    }

    public Integer call()
    {
        if (config == null)
        {
            System.err.println("dvmc ctl bindings: --config HOST.json is required (or: bindings list --etcd URLS)");
            return 2;
        }
        final HostConfig host;
        try
        {
            host = HostConfig.load(config);
        }
        catch (final ConfigException ex)
        {
            System.err.println("dvmc ctl bindings: " + ex.getMessage());
            return 2;
        }
        final Map<String, String> devices = host.dataplane().ports().stream()
            .collect(Collectors.toMap(HostConfig.Port::name, HostConfig.Port::device));
        if (json)
        {
            final ArrayNode out = CliJson.array();
            for (final HostConfig.Binding b : host.bindings())
            {
                out.addObject().put("port", b.port()).put("device", devices.get(b.port())).put("vlan", b.vlan())
                    .put("mac", b.mac().toLowerCase()).put("domain", b.domain()).put("vm", b.vm());
            }
            CliJson.print(out);
            return 0;
        }
        System.out.printf("%-10s %-34s %-5s %-17s %-10s %s%n", "PORT", "DEVICE", "VLAN", "MAC", "DOMAIN", "VM");
        for (final HostConfig.Binding b : host.bindings())
        {
            System.out.printf("%-10s %-34s %-5d %-17s %-10d %s%n", b.port(), devices.get(b.port()), b.vlan(),
                b.mac().toLowerCase(), b.domain(), b.vm());
        }
        return 0;
    }
}
