package io.dvmc.cli;

import io.dvmc.lease.StoreReaderProcess;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** The {@code dvmc} launcher of the control processes and the operator CLI. */
@Command(
    name = "dvmc",
    mixinStandardHelpOptions = true,
    version = Dvmc.VERSION,
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
    static final String VERSION = "dvmc 0.1.0";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public void run()
    {
        spec.commandLine().usage(System.out);
        System.out.println("\n'dvmc dataplane --config HOST.json' runs the DPDK dataplane (bin/dvmc starts it).");
    }

    public static void main(final String[] args)
    {
        final boolean readsOnly = QuickCommands.readsOnly(args);
        if (readsOnly)
        {
            // A process of its own that only reads the stores (not so for execute(), which tests call beside an agent).
            StoreReaderProcess.declare();
        }
        final int code = execute(args);
        if (readsOnly || QuickCommands.version(args))
        {
            // System.exit logs the exit through a System.Logger, whose first use looks for a LoggerFinder service in
            // every jar of the class path (about 25 ms, most of --version). These commands write no file: the
            // shutdown hooks that halt skips (Chronicle's closing of the maps it opened) have nothing to save.
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(code);
        }
        System.exit(code);
    }

    /** Runs the command of {@code args}; returns its exit code. */
    static int execute(final String... args)
    {
        final Callable<Integer> quick = QuickCommands.of(args);
        return quick != null ? QuickCommands.run(quick) : new CommandLine(new Dvmc()).execute(args);
    }
}
