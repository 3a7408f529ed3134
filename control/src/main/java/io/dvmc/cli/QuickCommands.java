package io.dvmc.cli;

import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * The commands that start without picocli when their arguments are plain (io.dvmc.config.PlainArgs): the agent,
 * whose restart time counts, and the read-only commands an operator or a script calls often. Building picocli's
 * tree of every command cost each call most of its time. Help, errors and every other command stay picocli's.
 */
final class QuickCommands
{
    private QuickCommands()
    {
    }

    /** The command of {@code args}, or null when picocli must parse them. */
    static Callable<Integer> of(final String[] args)
    {
        if (version(args))
        {
            return () -> {
                System.out.println(Dvmc.VERSION);
                return 0;
            };
        }
        if (args.length >= 1 && args[0].equals("agent"))
        {
            return AgentCommand.quick(args);
        }
        if (args.length < 2 || !args[0].equals("ctl"))
        {
            return null;
        }
        return switch (args[1])
        {
            case "stat" -> StatCommand.quick(args);
            case "leases" -> LeasesCommand.quick(args);
            case "domains" -> DomainsCommand.quick(args);
            case "bindings" -> BindingsCommand.quick(args);
            default -> null;
        };
    }

    /** Whether {@code args} ask for the version only. */
    static boolean version(final String[] args)
    {
        return Arrays.equals(args, new String[]{"--version"}) || Arrays.equals(args, new String[]{"-V"});
    }

    /** Whether {@code args} are a quick command that only reads the stores (ctl stat, leases, domains, bindings). */
    static boolean readsOnly(final String[] args)
    {
        return args.length >= 2 && args[0].equals("ctl") && of(args) != null;
    }

    /** Runs the command as picocli would: its result is the exit code, a fault a stack trace and exit code 1. */
    static int run(final Callable<Integer> command)
    {
        try
        {
            return command.call();
        }
        catch (final Exception ex)
        {
            ex.printStackTrace();
            return 1;
        }
    }
}
