package io.dvmc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dvmc} launcher of the control processes and the operator CLI. */
@Command(
    name = "dvmc",
    mixinStandardHelpOptions = true,
    version = "dvmc 0.1.0",
    description = "Distributed dynamic VM configuration: DHCP for multi-tenant overlay networks.",
    subcommands = {
        AgentCommand.class,
        ServiceCommand.class,
        CtlCommand.class,
        KeygenCommand.class,
        CheckCommand.class,
        JournalCommand.class,
    })
public final class Dvmc implements Runnable
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public void run()
    {
        spec.commandLine().usage(System.out);
        System.out.println("\n'dvmc dataplane --config HOST.json' runs the DPDK dataplane (bin/dvmc starts it).");
    }

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new Dvmc()).execute(args));
    }
}
