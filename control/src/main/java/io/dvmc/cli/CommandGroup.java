package io.dvmc.cli;

import picocli.CommandLine;

/** A command that only groups subcommands: run alone, it prints its usage. */
abstract class CommandGroup implements Runnable
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public final void run()
    {
        spec.commandLine().usage(System.out);
    }
}
