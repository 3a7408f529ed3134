package io.dvmc.cli;

import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/** Prints the live counters of a host's processes from their counters files, as AeronStat does. */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = "Prints the live counters of the host's dataplane and agent.")
final class StatCommand implements Callable<Integer>
{
    static final List<String> FILES = List.of("dataplane-counters.dat", "agent-counters.dat");

    @Option(names = "--config", required = true, description = "host config file")
    private Path config;

    @Option(names = "--json", description = "one JSON object of label: value")
    private boolean json;

    @Option(names = "--watch", description = "refresh every SECONDS until interrupted", paramLabel = "SECONDS")
    private int watch;

    public Integer call()
    {
        final HostConfig host;
        try
        {
            host = HostConfig.load(config);
        }
        catch (final ConfigException ex)
        {
            System.err.println("dvmc ctl stat: " + ex.getMessage());
            return 2;
        }
        do
        {
            final int found = print(host.statePath(), System.out);
            if (found == 0)
            {
                System.err.println("dvmc ctl stat: no counters in " + host.statePath() + " (is the host running?)");
                return 1;
            }
            if (watch > 0)
            {
                LockSupport.parkNanos(watch * 1_000_000_000L);
            }
        }
        while (watch > 0 && !Thread.currentThread().isInterrupted());
        return 0;
    }

    private int print(final Path stateDir, final PrintStream out)
    {
        int found = 0;
        final StringBuilder sb = new StringBuilder();
        if (json)
        {
            sb.append('{');
        }
        for (final String name : FILES)
        {
            final Path file = stateDir.resolve(name);
            if (!Files.exists(file))
            {
                continue;
            }
            try (CountersFile counters = CountersFile.openReader(file))
            {
                found++;
                final String process = name.substring(0, name.indexOf('-'));
                if (!json)
                {
                    sb.append(process).append(" (pid ").append(counters.pid())
                        .append(counters.writerAlive() ? ", running" : ", not running").append(")\n");
                }
                counters.reader().forEach((value, id, label) ->
                {
                    if (json)
                    {
                        if (sb.length() > 1)
                        {
                            sb.append(',');
                        }
                        sb.append('"').append(process).append(": ").append(label.replace("\"", "'"))
                            .append("\":").append(value);
                    }
                    else
                    {
                        sb.append(String.format("  %-10s %-45s %,20d%n",
                            CounterTypes.name(counters.reader().getCounterTypeId(id)), label, value));
                    }
                });
            }
            catch (final IOException ex)
            {
                System.err.println("dvmc ctl stat: " + ex.getMessage());
            }
        }
        if (json)
        {
            sb.append('}');
        }
        out.println(sb);
        return found;
    }
}
