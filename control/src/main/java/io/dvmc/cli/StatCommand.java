package io.dvmc.cli;

import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/** Prints the live counters of dvmc processes from their counters files, as AeronStat does. */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = "Prints the live counters of the host's dataplane and agent, or of a service.")
final class StatCommand implements Callable<Integer>
{
    static final String SUFFIX = "-counters.dat";

    static final class Source
    {
        @Option(names = "--config", description = "host config file: the host's dataplane and agent")
        Path config;

        @Option(names = "--state-dir", description = "a state directory, e.g. a service's --state-dir")
        Path stateDir;
    }

    @ArgGroup(multiplicity = "1")
    private Source source;

    @Option(names = "--json", description = "one JSON object of label: value")
    private boolean json;

    @Option(names = "--watch", description = "refresh every SECONDS until interrupted", paramLabel = "SECONDS")
    private int watch;

    public Integer call()
    {
        final Path stateDir;
        try
        {
            stateDir = source.stateDir != null ? source.stateDir : HostConfig.load(source.config).statePath();
        }
        catch (final ConfigException ex)
        {
            System.err.println("dvmc ctl stat: " + ex.getMessage());
            return 2;
        }
        do
        {
            final int found = print(stateDir, System.out);
            if (found == 0)
            {
                System.err.println("dvmc ctl stat: no counters in " + stateDir + " (is the process running?)");
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

    /** The counters files of a state directory, dataplane first, then agent, then any other (a service). */
    private static List<String> counterFiles(final Path stateDir)
    {
        try (Stream<Path> files = Files.list(stateDir))
        {
            final List<String> order = List.of("dataplane" + SUFFIX, "agent" + SUFFIX);
            return files.map(f -> f.getFileName().toString())
                .filter(n -> n.endsWith(SUFFIX))
                .sorted(Comparator.comparingInt((String n) -> order.contains(n) ? order.indexOf(n) : order.size())
                    .thenComparing(Comparator.naturalOrder()))
                .toList();
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    private int print(final Path stateDir, final PrintStream out)
    {
        int found = 0;
        final StringBuilder sb = new StringBuilder();
        if (json)
        {
            sb.append('{');
        }
        for (final String name : counterFiles(stateDir))
        {
            final Path file = stateDir.resolve(name);
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
