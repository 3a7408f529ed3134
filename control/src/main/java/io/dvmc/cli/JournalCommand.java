package io.dvmc.cli;

import io.dvmc.service.JournalDump;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dvmc journal dump FILE}: a lease journal, record by record, for the operator; never writes it. */
@Command(name = "journal", mixinStandardHelpOptions = true,
    description = "Reads a service's lease journal (leases.journal, or a kept leases.journal.damaged-* copy).",
    subcommands = {JournalCommand.Dump.class})
final class JournalCommand implements Runnable
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Prints every record with its byte offset, and every damaged span with its offsets (and what " +
            "it held, if one byte of one record changed). Opens the file read-only: safe on a running service's " +
            "journal. Exit code 1 if it found damage.")
    static final class Dump implements Callable<Integer>
    {
        @Parameters(paramLabel = "FILE", description = "the journal file")
        Path file;

        public Integer call()
        {
            try
            {
                final JournalDump.Summary s = JournalDump.dump(file, System.out);
                System.out.println("# " + s.records() + " records, " + s.damagedSpans() + " damaged spans (" +
                    s.damagedBytes() + " bytes), " + s.tornTailBytes() + " bytes of a torn append");
                return s.damagedSpans() > 0 ? 1 : 0;
            }
            catch (final NoSuchFileException ex)
            {
                System.err.println("dvmc journal dump: no such file: " + file);
                return 2;
            }
            catch (final IOException ex)
            {
                System.err.println("dvmc journal dump: " + ex.getMessage());
                return 2;
            }
        }
    }
}
