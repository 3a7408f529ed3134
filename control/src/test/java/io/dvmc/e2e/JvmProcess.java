package io.dvmc.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A dvmc process (service, agent or dataplane) run as its own JVM from the test classpath, with the project's
 * JVM flags, its output in a log file, optionally inside a network namespace. Closing it stops it with SIGTERM
 * (SIGKILL after a grace period); {@link #kill()} is kill -9.
 */
public final class JvmProcess implements AutoCloseable
{
    private final String name;
    private final Process process;
    private final Path log;
    /** Where this run's output begins in the log, which a restarted process of the same name appends to. */
    private final long logStart;

    private JvmProcess(final String name, final Process process, final Path log, final long logStart)
    {
        this.name = name;
        this.process = process;
        this.log = log;
        this.logStart = logStart;
    }

    public static JvmProcess start(final String name, final Path logDir, final String netns, final String mainClass,
        final String... args) throws IOException
    {
        return start(name, logDir, netns, Map.of(), mainClass, args);
    }

    /** @param environment variables set for the process on top of this JVM's, e.g. a service manager's. */
    public static JvmProcess start(final String name, final Path logDir, final String netns,
        final Map<String, String> environment, final String mainClass, final String... args) throws IOException
    {
        return start(name, logDir, netns == null ? List.of() : List.of("ip", "netns", "exec", netns), environment,
            mainClass, args);
    }

    /** Started under nohup, as some supervisors and CI runners start their children: SIGHUP ignored from birth. */
    public static JvmProcess startUnderNohup(final String name, final Path logDir, final String mainClass,
        final String... args) throws IOException
    {
        return start(name, logDir, List.of("nohup"), Map.of(), mainClass, args);
    }

    private static JvmProcess start(final String name, final Path logDir, final List<String> prefix,
        final Map<String, String> environment, final String mainClass, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>(prefix);
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
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        Files.createDirectories(logDir);
        final Path log = logDir.resolve(name + ".log");
        final long logStart = Files.exists(log) ? Files.size(log) : 0;
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        final Process process = builder
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        return new JvmProcess(name, process, log, logStart);
    }

    public String name()
    {
        return name;
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    public long pid()
    {
        return process.pid();
    }

    /**
     * What this run wrote, without what an earlier process of the same name left in the log: a restarted service's
     * "listening on" is its own, not its predecessor's.
     */
    public String logOfThisRun()
    {
        try
        {
            final byte[] all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
            final int from = (int)Math.min(logStart, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(cannot read " + log + ": " + ex.getMessage() + ")";
        }
    }

    public String log()
    {
        try
        {
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (final IOException ex)
        {
            return "(cannot read " + log + ": " + ex.getMessage() + ")";
        }
    }

    /** Waits for a condition while the process lives; fails with the process's log otherwise. */
    public void await(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        await(() -> what, timeout, condition);
    }

    /**
     * As {@link #await(String, Duration, BooleanSupplier)}, with a description made when the wait fails: counters
     * read then rather than at its start.
     */
    public void await(final Supplier<String> what, final Duration timeout, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (!process.isAlive())
            {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before " + what.get() +
                    "\n--- " + name + " log ---\n" + log());
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting for " + what.get() + "\n--- " + name + " log ---\n" +
                    log());
            }
            try
            {
                process.waitFor(20, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** Waits for the process to exit by itself; kills it and fails after {@code timeout}. */
    public int waitFor(final Duration timeout)
    {
        try
        {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                kill();
                throw new AssertionError(name + " did not exit within " + timeout + "\n" + log());
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            kill();
            throw new AssertionError("interrupted waiting for " + name);
        }
        return process.exitValue();
    }

    /** kill -9 of the whole process tree (an {@code ip netns exec} wrapper execs, so the pid is the JVM's). */
    public void kill()
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM and wait: the process runs its shutdown hooks (the dataplane flushes pcap files then). */
    public int stop(final Duration grace)
    {
        process.destroy();
        try
        {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS))
            {
                kill();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            kill();
        }
        return process.exitValue();
    }

    public void close()
    {
        if (process.isAlive())
        {
            stop(Duration.ofSeconds(10));
        }
    }
}
