package io.dvmc.cli;

import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Lists the host's port bindings: which VM, of which domain, may ask for an address on which port. */
@Command(name = "bindings", mixinStandardHelpOptions = true,
    description = "Lists the host's bindings: port, VLAN, MAC -> domain, VM id.")
final class BindingsCommand implements Callable<Integer>
{
    @Option(names = "--config", required = true, description = "host config file")
    private Path config;

    public Integer call()
    {
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
        System.out.printf("%-10s %-34s %-5s %-17s %-10s %s%n", "PORT", "DEVICE", "VLAN", "MAC", "DOMAIN", "VM");
        for (final HostConfig.Binding b : host.bindings())
        {
            System.out.printf("%-10s %-34s %-5d %-17s %-10d %s%n", b.port(), devices.get(b.port()), b.vlan(),
                b.mac().toLowerCase(), b.domain(), b.vm());
        }
        return 0;
    }
}
