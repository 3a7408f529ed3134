package io.dvmc.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.dvmc.config.Addresses;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.config.PlainArgs;
import io.dvmc.lease.LeaseStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

/** Lists the host's lease store, as the dataplane's fast path sees it. */
@Command(name = "leases", mixinStandardHelpOptions = true,
    description = "Lists the host's leases (--config); list|show|release|expire|export|import: the service-side " +
        "leases in etcd.",
    subcommands = {ServiceLeasesCommand.ListLeases.class, ServiceLeasesCommand.Show.class,
        ServiceLeasesCommand.Release.class, ServiceLeasesCommand.Expire.class, ServiceLeasesCommand.Export.class,
        ServiceLeasesCommand.Import.class})
final class LeasesCommand implements Callable<Integer>
{
    @Option(names = "--config", description = "host config file (required without a subcommand)")
    private Path config;

    @Option(names = "--json", description = "a JSON array of {domain, mac, ip, state, vm, host_lease_expiry, " +
        "vm_lease_expiry, vm_lease_seconds}")
    private boolean json;

    private record Row(long domain, String mac, String ip, String state, String vm, long hostExpiry, long vmExpiry,
        int vmLeaseSeconds)
    {
    }

    /** {@code ctl leases --config F [--json]} without picocli ({@link QuickCommands}); null for anything else. */
    static Callable<Integer> quick(final String[] args)
    {
        final PlainArgs plain = PlainArgs.parse(args, 2, Set.of("--config"), Set.of("--json"));
        if (plain == null || !plain.has("--config"))
        {
            return null;
        }
        final LeasesCommand command = new LeasesCommand();
        command.config = Path.of(plain.value("--config"));
        command.json = plain.has("--json");
        return command;
    }

    public Integer call()
    {
        if (config == null)
        {
            System.err.println(
                "dvmc ctl leases: --config HOST.json is required (or: leases list|show|release|expire|export|import)");
            return 2;
        }
        final HostConfig host;
        try
        {
            host = HostConfig.load(config);
        }
        catch (final ConfigException ex)
        {
            System.err.println("dvmc ctl leases: " + ex.getMessage());
            return 2;
        }
        final List<Row> rows = new ArrayList<>();
        try (LeaseStore store = LeaseStore.openReader(host.statePath().resolve(LeaseStore.FILE)))
        {
            store.forEach((domainId, mac, lease) -> rows.add(new Row(
                domainId & 0xFFFF_FFFFL,
                Addresses.mac(mac),
                Addresses.ipv4(lease.ip()),
                lease.state().name(),
                new UUID(lease.vmIdMsb(), lease.vmIdLsb()).toString(),
                lease.hostLeaseExpiryMillis(),
                lease.vmLeaseExpiryMillis(),
                lease.vmLeaseSeconds())));
        }
        catch (final RuntimeException ex)
        {
            System.err.println("dvmc ctl leases: " + ex.getMessage());
            return 1;
        }
        rows.sort(Comparator.comparingLong(Row::domain).thenComparing(Row::mac));
        if (json)
        {
            final ArrayNode out = CliJson.array();
            for (final Row r : rows)
            {
                out.addObject().put("domain", r.domain).put("mac", r.mac).put("ip", r.ip).put("state", r.state)
                    .put("vm", r.vm).put("host_lease_expiry", Instant.ofEpochMilli(r.hostExpiry).toString())
                    .put("vm_lease_expiry", Instant.ofEpochMilli(r.vmExpiry).toString())
                    .put("vm_lease_seconds", r.vmLeaseSeconds);
            }
            CliJson.print(out);
            return 0;
        }
        final StringBuilder out = new StringBuilder();
        out.append(String.format("%-10s %-17s %-15s %-8s %-36s %s%n",
            "DOMAIN", "MAC", "ADDRESS", "STATE", "VM", "HOST LEASE UNTIL"));
        for (final Row r : rows)
        {
            out.append(String.format("%-10d %-17s %-15s %-8s %-36s %s%n",
                r.domain, r.mac, r.ip, r.state, r.vm, Instant.ofEpochMilli(r.hostExpiry)));
        }
        System.out.print(out);
        return 0;
    }
}
