package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/** Runs {@code dvmc} in-process, as a shell would, and keeps its exit code, stdout and stderr. */
public final class DvmcRun
{
    static final ObjectMapper JSON = new ObjectMapper();

    private DvmcRun()
    {
    }

    public record Run(int exit, String out, String err)
    {
        /** stdout read as JSON (a --json run). */
        public JsonNode json() throws IOException
        {
            return JSON.readTree(out);
        }
    }

    /** As bin/dvmc runs it: plain arguments of the commands that have them without picocli, the rest through it. */
    public static Run dvmc(final String... args)
    {
        return capture(() -> Dvmc.execute(args));
    }

    /** Through picocli's command tree whatever the arguments. */
    static Run picocli(final String... args)
    {
        return capture(() -> new CommandLine(new Dvmc()).execute(args));
    }

    private static synchronized Run capture(final IntSupplier command)
    {
        final PrintStream out = System.out;
        final PrintStream err = System.err;
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try
        {
            final int exit = command.getAsInt();
            return new Run(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
