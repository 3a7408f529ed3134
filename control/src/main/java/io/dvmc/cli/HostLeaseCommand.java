package io.dvmc.cli;

import io.dvmc.config.Addresses;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.lease.LeaseStore;
import io.dvmc.service.AdminFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code dvmc ctl host-lease show|drop --config HOST.json MAC|ADDRESS|VM-ID}: a host's leases, which the dataplane's
 * fast path answers VMs from. Show reads the lease store; drop asks the running agent, the store's only writer, to
 * remove a host lease (as a VM's RELEASE does), so that the VM's next request goes to the service.
 */
@Command(name = "host-lease", mixinStandardHelpOptions = true,
    description = "A host's leases (--config): show by MAC, address or VM id; drop one so the fast path stops " +
        "answering from it.",
    subcommands = {HostLeaseCommand.Show.class, HostLeaseCommand.Drop.class})
final class HostLeaseCommand implements Runnable
{
    private static final long ANSWER_WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    private record Row(long domain, long mac, int ip, String state, UUID vm, long hostExpiry)
    {
    }

    abstract static class HostCommand implements Callable<Integer>
    {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--config", required = true, description = "host config file")
        Path config;

        @Parameters(paramLabel = "MAC|ADDRESS|VM-ID")
        String which;

        abstract int run(Path stateDir, List<Row> rows) throws Exception;

        public Integer call()
        {
            try
            {
                final Path stateDir = HostConfig.load(config).statePath();
                final LeaseAdminCommand.Selector selector = LeaseAdminCommand.Selector.of(which);
                final List<Row> rows = new ArrayList<>();
                try (LeaseStore store = LeaseStore.openReader(stateDir.resolve(LeaseStore.FILE)))
                {
                    store.forEach((domainId, mac, lease) -> {
                        final UUID vm = new UUID(lease.vmIdMsb(), lease.vmIdLsb());
                        if (selector.matches(mac, lease.ip(), vm))
                        {
                            rows.add(new Row(Integer.toUnsignedLong(domainId), mac, lease.ip(), lease.state().name(),
                                vm, lease.hostLeaseExpiryMillis()));
                        }
                    });
                }
                if (rows.isEmpty())
                {
                    System.err.println("dvmc ctl host-lease " + spec.name() + ": no host lease for " + which);
                    return 1;
                }
                return run(stateDir, rows);
            }
            catch (final ConfigException | LeaseAdminCommand.UsageException ex)
            {
                System.err.println("dvmc ctl host-lease " + spec.name() + ": " + ex.getMessage());
                return 2;
            }
            catch (final Exception ex)
            {
                System.err.println("dvmc ctl host-lease " + spec.name() + ": " + ex.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Shows the host lease(s) of a MAC, an address or a VM id.")
    static final class Show extends HostCommand
    {
        int run(final Path stateDir, final List<Row> rows)
        {
            final StringBuilder out = new StringBuilder(String.format("%-10s %-17s %-15s %-8s %-36s %s%n",
                "DOMAIN", "MAC", "ADDRESS", "STATE", "VM", "HOST LEASE UNTIL"));
            for (final Row r : rows)
            {
                out.append(String.format("%-10d %-17s %-15s %-8s %-36s %s%n", r.domain(), Addresses.mac(r.mac()),
                    Addresses.ipv4(r.ip()), r.state(), r.vm(), Instant.ofEpochMilli(r.hostExpiry())));
            }
            System.out.print(out);
            return 0;
        }
    }

    @Command(name = "drop", mixinStandardHelpOptions = true,
        description = "Has the running agent remove the host lease, as a VM's RELEASE does: the fast path stops " +
            "answering the VM from it. Release or expire the lease at the service too (dvmc ctl lease).")
    static final class Drop extends HostCommand
    {
        int run(final Path stateDir, final List<Row> rows) throws Exception
        {
            if (rows.size() > 1)
            {
                throw new LeaseAdminCommand.UsageException(
                    which + " has " + rows.size() + " host leases: give the MAC " +
                        "and the domain's address");
            }
            final Row row = rows.getFirst();
            final String id = UUID.randomUUID().toString();
            AdminFiles.request(stateDir, id, "drop " + row.domain() + " " + Addresses.mac(row.mac()), List.of());
            final AdminFiles.Result result = AdminFiles.await(stateDir, id, ANSWER_WAIT_NS, "agent");
            result.lines().forEach(result.ok() ? System.out::println : System.err::println);
            return result.ok() ? 0 : 1;
        }
    }
}
