package io.dvmc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dvmc ctl}: the operator CLI (dvmcctl). */
@Command(name = "ctl", mixinStandardHelpOptions = true,
    description = "Operator commands: leases, live counters, domains, bindings; lease and host-lease (a " +
        "journal-mode service's and a host's leases: look up, release, expire, Kea CSV); in etcd (distributed mode): " +
        "domain, pool, reservation, bind, unbind, leases list|show|release, service list.",
    subcommands = {LeasesCommand.class, StatCommand.class, DomainsCommand.class, BindingsCommand.class,
        DomainCommand.class, PoolCommand.class, ReservationCommand.class, BindCommand.class, UnbindCommand.class,
        ServicesCommand.class, QuarantineCommand.class, LeaseAdminCommand.class,
        HostLeaseCommand.class})
final class CtlCommand implements Runnable
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public void run()
    {
        spec.commandLine().usage(System.out);
    }
}
