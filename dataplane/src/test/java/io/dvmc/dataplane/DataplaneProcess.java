package io.dvmc.dataplane;

import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real dataplane ({@link DataplaneMain}: EAL, ports, poll loop, worker) in its own JVM, on a host.json this
 * fixture writes, with no agent: the test reads the counters file as {@code dvmc ctl stat} does and may play the
 * agent's side of the rings ({@link #rings()}). One EAL per process, so each run is its own JVM.
 */
final class DataplaneProcess implements AutoCloseable
{
    static final Duration START = Duration.ofSeconds(60);

    private final Path stateDir;
    private final Path log;
    private final Process process;
    private RingFiles rings;

    private DataplaneProcess(final Path stateDir, final Path log, final Process process)
    {
        this.stateDir = stateDir;
        this.log = log;
        this.process = process;
    }

    /**
     * @param ports    JSON objects of {@code dataplane.ports}.
     * @param bindings JSON objects of {@code bindings}.
     */
    static DataplaneProcess start(final Path dir, final List<String> ports, final List<String> bindings)
        throws IOException
    {
        return start(dir, "", ports, bindings);
    }

    /** @param fields more JSON members of {@code dataplane} ({@code "lcore": 1}, ...), or "". */
    static DataplaneProcess start(final Path dir, final String fields, final List<String> ports,
        final List<String> bindings) throws IOException
    {
        return start(dir, fields, ports, bindings, List.of());
    }

    /** @param javaOptions options of the dataplane's JVM ({@code -Dname=value}). */
    static DataplaneProcess start(final Path dir, final String fields, final List<String> ports,
        final List<String> bindings, final List<String> javaOptions) throws IOException
    {
        final Path stateDir = dir.resolve("host");
        Files.createDirectories(stateDir);
        final Path config = writeConfig(dir, fields, ports, bindings);
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final String flags = System.getenv("DVMC_JVM_FLAGS");
        if (flags != null && !flags.isBlank())
        {
            command.addAll(Arrays.asList(flags.trim().split("\\s+")));
        }
        final String nativeDir = System.getProperty("dvmc.native.dir");
        if (nativeDir != null)
        {
            command.add("-Ddvmc.native.dir=" + nativeDir);
        }
        command.addAll(javaOptions);
        command.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"),
            DataplaneMain.class.getName(), "--config", config.toString()));
        final Path log = dir.resolve("dataplane.log");
        final Process process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
        final DataplaneProcess dataplane = new DataplaneProcess(stateDir, log, process);
        dataplane.await("the dataplane's ports are up", START,
            () -> Files.exists(stateDir.resolve(Dataplane.READY_FILE)));
        return dataplane;
    }

    /** The binding of the MAC of the captured udhcpc frames, on port vm1, to domain 100. */
    static final String UDHCPC_BINDING = "{ \"port\": \"vm1\", \"mac\": \"02:dc:00:00:00:01\", \"domain\": 100," +
        " \"vm\": \"6f1c1d2e-0000-4000-8000-000000000001\" }";

    /**
     * @param extra more JSON members of the port ({@code "other": ...}, {@code "role": ...}), or "".
     * @return a net_pcap port reading {@code rx} and writing {@code tx}.
     */
    static String pcapPort(final String name, final int index, final Path rx, final Path tx, final String extra)
    {
        return "{ \"name\": \"" + name + "\", \"device\": \"net_pcap" + index + ",rx_pcap=" + rx + ",tx_pcap=" + tx +
            "\"" + (extra.isEmpty() ? "" : ", " + extra) + " }";
    }

    /** Writes host.json whole and renames it into place, as an operator's edit; the dataplane applies its ports. */
    static Path writeConfig(final Path dir, final List<String> ports, final List<String> bindings) throws IOException
    {
        return writeConfig(dir, "", ports, bindings);
    }

    static Path writeConfig(final Path dir, final String fields, final List<String> ports,
        final List<String> bindings) throws IOException
    {
        final Path config = dir.resolve("host.json");
        final Path tmp = dir.resolve("host.json.tmp");
        Files.writeString(tmp, "{ \"hostId\": 1, \"stateDir\": \"host\", \"keyFile\": \"cluster.key\"," +
            " \"policyFile\": \"policy.json\", \"dataplane\": { \"memoryMb\": 128, \"idle\": \"wait\"," +
            (fields.isEmpty() ? "" : " " + fields + ",") +
            " \"ports\": [" + String.join(", ", ports) + "] }, \"bindings\": [" + String.join(", ", bindings) + "] }");
        Files.move(tmp, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return config;
    }

    /** The rings between agent and dataplane, opened as the agent opens them. */
    RingFiles rings()
    {
        if (rings == null)
        {
            rings = RingFiles.open(stateDir);
        }
        return rings;
    }

    Path stateDir()
    {
        return stateDir;
    }

    long pid()
    {
        return process.pid();
    }

    /** Label to value of every counter, read live from the counters file. */
    Map<String, Long> counters()
    {
        final Map<String, Long> values = new HashMap<>();
        try (CountersFile counters = CountersFile.openReader(stateDir.resolve(Dataplane.COUNTERS_FILE)))
        {
            counters.reader().forEach((value, id, label) -> values.put(label, value));
        }
        catch (final NoSuchFileException ex)
        {
            return values;
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
        return values;
    }

    long counter(final String label)
    {
        return counters().getOrDefault(label, 0L);
    }

    void awaitCounter(final String label, final long atLeast)
    {
        await("counter '" + label + "' >= " + atLeast, START, () -> counter(label) >= atLeast);
    }

    /** Waits for a condition while the process lives; fails with the counters and the log otherwise. */
    void await(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (!process.isAlive())
            {
                throw new AssertionError("the dataplane exited with " + process.exitValue() + " before " + what +
                    "\n" + log());
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting for " + what + "\ncounters: " + counters() + "\n" + log());
            }
            try
            {
                process.waitFor(10, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** Stops it as systemd does (SIGTERM: ports closed, pcap files flushed); returns its exit code. */
    int stop()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new AssertionError("the dataplane did not stop on SIGTERM\n" + log());
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted stopping the dataplane");
        }
        return process.exitValue();
    }

    String log()
    {
        try
        {
            return "--- dataplane log ---\n" + Files.readString(log);
        }
        catch (final IOException ex)
        {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            stop();
        }
        if (rings != null)
        {
            rings.close();
        }
    }
}
