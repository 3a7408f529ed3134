package io.dvmc.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.PlainArgs;
import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/** Prints the live counters of dvmc processes from their counters files, as AeronStat does. */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = {"Prints the live counters of the host's dataplane and agent, or of a service.",
        "Exit 0 when every process found runs; 3 when one does not (its last counters are printed, marked not " +
            "running); 1 when there are no counters (the processes never ran here); 2 for a config that cannot be read."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:every process found is running", "1:no counters in the state directory",
        "2:the host config cannot be read", "3:a process whose counters were found is not running"})
final class StatCommand implements Callable<Integer>
{
    static final String SUFFIX = "-counters.dat";
    /** As LSB init scripts and {@code systemctl status} say of a stopped service. */
    static final int NOT_RUNNING = 3;

    static final class Source
    {
        @Option(names = "--config", description = "host config file: the host's dataplane and agent")
        Path config;

        @Option(names = "--state-dir", description = "a state directory, e.g. a service's --state-dir")
        Path stateDir;
    }

    @ArgGroup(multiplicity = "1")
    private Source source;

    @Option(names = "--json", description = "JSON: {state_dir, processes: {NAME: {pid, running, started_at, " +
        "counters: {COUNTER: total}, ports: {PORT: {COUNTER: total}}, rates}}}; names as in docs/counters.md")
    private boolean json;

    @Option(names = "--watch", paramLabel = "SECONDS",
        description = "refresh every SECONDS until interrupted, with each counter's rate per second beside it")
    private int watch;

    @Option(names = "--count", paramLabel = "N", description = "with --watch: stop after N samples (default: never)")
    private int count;

    /** One process's counters as read at {@code nanos}. */
    private record Sample(String process, long pid, boolean running, long startMillis, long nanos,
        List<CountersFile.Counter> counters)
    {
    }

    /**
     * {@code ctl stat --config F|--state-dir D [--json] [--watch N [--count N]]} without picocli
     * ({@link QuickCommands}); null for anything else.
     */
    static Callable<Integer> quick(final String[] args)
    {
        final PlainArgs plain = PlainArgs.parse(args, 2, Set.of("--config", "--state-dir", "--watch", "--count"),
            Set.of("--json"));
        if (plain == null || plain.has("--config") == plain.has("--state-dir") || plain.number("--watch", 0) < 0 ||
            plain.number("--count", 0) < 0)
        {
            return null;
        }
        final StatCommand command = new StatCommand();
        command.source = new Source();
        command.source.config = plain.has("--config") ? Path.of(plain.value("--config")) : null;
        command.source.stateDir = plain.has("--state-dir") ? Path.of(plain.value("--state-dir")) : null;
        command.json = plain.has("--json");
        command.watch = plain.number("--watch", 0);
        command.count = plain.number("--count", 0);
        return command;
    }

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
        Map<String, Sample> previous = Map.of();
        for (int sample = 1;; sample++)
        {
            final List<Sample> samples = read(stateDir);
            if (samples.isEmpty())
            {
                System.err.println("dvmc ctl stat: no counters in " + stateDir + " (is the process running?)");
                return 1;
            }
            if (json)
            {
                CliJson.print(json(stateDir, samples, previous));
            }
            else
            {
                System.out.print(table(samples, previous));
            }
            if (watch <= 0 || sample == count || Thread.currentThread().isInterrupted())
            {
                return samples.stream().allMatch(Sample::running) ? 0 : NOT_RUNNING;
            }
            final Map<String, Sample> last = new HashMap<>();
            samples.forEach(s -> last.put(s.process(), s));
            previous = last;
            LockSupport.parkNanos(watch * 1_000_000_000L);
        }
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

    private static List<Sample> read(final Path stateDir)
    {
        final List<Sample> out = new ArrayList<>();
        for (final String name : counterFiles(stateDir))
        {
            try (CountersFile counters = CountersFile.openReader(stateDir.resolve(name)))
            {
                out.add(new Sample(name.substring(0, name.length() - SUFFIX.length()), counters.pid(),
                    counters.writerAlive(), counters.startMillis(), System.nanoTime(), counters.counters()));
            }
            catch (final IOException ex)
            {
                System.err.println("dvmc ctl stat: " + ex.getMessage());
            }
        }
        return out;
    }

    /**
     * The rate per second of each counter of {@code now} since {@code before}, by counter id; empty if there is no
     * earlier sample of the same process run.
     */
    private static Map<Integer, Double> rates(final Sample now, final Sample before)
    {
        final Map<Integer, Double> out = new HashMap<>();
        if (before == null || before.pid() != now.pid() || before.startMillis() != now.startMillis())
        {
            return out;
        }
        final double seconds = Math.max(1, now.nanos() - before.nanos()) / 1e9;
        final Map<String, Long> earlier = new HashMap<>();
        before.counters().forEach(c -> earlier.put(c.name() + '\0' + c.port(), c.value()));
        for (final CountersFile.Counter c : now.counters())
        {
            final Long then = earlier.get(c.name() + '\0' + c.port());
            if (then != null)
            {
                out.put(c.id(), (c.value() - then) / seconds);
            }
        }
        return out;
    }

    private static String table(final List<Sample> samples, final Map<String, Sample> previous)
    {
        final StringBuilder out = new StringBuilder();
        for (final Sample s : samples)
        {
            final Map<Integer, Double> rates = rates(s, previous.get(s.process()));
            out.append(s.process()).append(" (pid ").append(s.pid())
                .append(s.running() ? ", running" : ", not running").append(")\n");
            for (final CountersFile.Counter c : s.counters())
            {
                out.append(String.format("  %-10s %-45s %,20d", CounterTypes.name(c.typeId()), c.label(), c.value()));
                final Double rate = rates.get(c.id());
                out.append(rate == null ? "" : String.format(" %,14.1f/s", rate)).append('\n');
            }
        }
        return out.toString();
    }

    private static ObjectNode json(final Path stateDir, final List<Sample> samples,
        final Map<String, Sample> previous)
    {
        final ObjectNode out = CliJson.object().put("state_dir", stateDir.toString());
        final ObjectNode processes = out.putObject("processes");
        for (final Sample s : samples)
        {
            final ObjectNode p = processes.putObject(s.process()).put("pid", s.pid()).put("running", s.running())
                .put("started_at", Instant.ofEpochMilli(s.startMillis()).toString());
            final ObjectNode counters = p.putObject("counters");
            final ObjectNode ports = p.putObject("ports");
            final Map<Integer, Double> rates = rates(s, previous.get(s.process()));
            final ObjectNode rateCounters = rates.isEmpty() ? null : p.putObject("rates").putObject("counters");
            final ObjectNode ratePorts = rates.isEmpty() ? null : ((ObjectNode)p.get("rates")).putObject("ports");
            for (final CountersFile.Counter c : s.counters())
            {
                if (c.port().isEmpty())
                {
                    counters.put(c.name(), c.value());
                }
                else
                {
                    ports.withObjectProperty(c.port()).put(c.name(), c.value());
                }
                final Double rate = rates.get(c.id());
                if (rate != null)
                {
                    (c.port().isEmpty() ? rateCounters : ratePorts.withObjectProperty(c.port())).put(c.name(), rate);
                }
            }
        }
        return out;
    }
}
