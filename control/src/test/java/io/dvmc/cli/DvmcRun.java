package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code dvmc} in-process through picocli, as a shell would, and keeps its exit code, stdout and stderr. */
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

    public static synchronized Run dvmc(final String... args)
    {
        final PrintStream out = System.out;
        final PrintStream err = System.err;
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try
        {
            final int exit = new CommandLine(new Dvmc()).execute(args);
            return new Run(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
