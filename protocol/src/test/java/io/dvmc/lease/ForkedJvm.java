package io.dvmc.lease;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM running a main class of the test sources with the test's classpath and JVM flags; its stdout lines
 * are queued for the test, its stderr goes to a file (Chronicle logs there).
 */
final class ForkedJvm implements AutoCloseable
{
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Writer stdin;
    private final Path stderr;
    private final Thread pump;

    private ForkedJvm(final Process process, final Path stderr)
    {
        this.process = process;
        this.stderr = stderr;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.pump = Thread.ofPlatform().daemon().name("forked-stdout-" + process.pid()).start(this::pumpStdout);
    }

    static ForkedJvm start(final Class<?> main, final Path workDir, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        final Path stderr = Files.createTempFile(workDir, main.getSimpleName(), ".stderr");
        final Process process = new ProcessBuilder(command)
            .redirectError(stderr.toFile())
            .start();
        return new ForkedJvm(process, stderr);
    }

    /** Surefire passes the project's flags in DVMC_JVM_FLAGS; elsewhere reuse this JVM's own. */
    private static List<String> jvmFlags()
    {
        final String env = System.getenv("DVMC_JVM_FLAGS");
        if (env != null && !env.isBlank())
        {
            return List.of(env.trim().split("\\s+"));
        }
        final List<String> flags = new ArrayList<>();
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access") || arg.startsWith("-D"))
            {
                flags.add(arg);
            }
        }
        return flags;
    }

    /** The next stdout line matching {@code wanted}, skipping others; fails at the deadline or at exit. */
    String awaitLine(final Predicate<String> wanted, final Duration deadline) throws InterruptedException
    {
        final long end = System.nanoTime() + deadline.toNanos();
        while (true)
        {
            final long left = end - System.nanoTime();
            if (left <= 0)
            {
                throw new AssertionError(
                    "no expected line from child within " + deadline + "; stderr: " + stderrTail());
            }
            final String line = lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            if (line != null)
            {
                if (wanted.test(line))
                {
                    return line;
                }
                continue;
            }
            if (!process.isAlive() && !pump.isAlive() && lines.isEmpty())
            {
                throw new AssertionError("child exited with " + process.exitValue() + " before the expected line;" +
                    " stderr: " + stderrTail());
            }
        }
    }

    /** Lines received so far (non-blocking). */
    List<String> drain()
    {
        final List<String> out = new ArrayList<>();
        lines.drainTo(out);
        return out;
    }

    void send(final String line) throws IOException
    {
        stdin.write(line);
        stdin.write('\n');
        stdin.flush();
    }

    /**
     * SIGKILL, then waits for the death and for stdout to be read to its end. Sent through the process handle:
     * {@code Process.destroyForcibly()} sends the same signal but also closes our end of the child's stdout,
     * losing lines the child wrote just before dying (the "committed" reports this test depends on).
     */
    void kill() throws InterruptedException
    {
        process.toHandle().destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            throw new AssertionError("child " + process.pid() + " survived SIGKILL");
        }
        pump.join(TimeUnit.SECONDS.toMillis(30));
    }

    /** Waits for a normal exit. */
    int await(final Duration deadline) throws InterruptedException
    {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS))
        {
            throw new AssertionError("child still running after " + deadline + "; stderr: " + stderrTail());
        }
        pump.join(TimeUnit.SECONDS.toMillis(30));
        return process.exitValue();
    }

    long pid()
    {
        return process.pid();
    }

    Process process()
    {
        return process;
    }

    String stderrTail()
    {
        try
        {
            final String all = Files.readString(stderr);
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        }
        catch (final IOException e)
        {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            try
            {
                kill();
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pumpStdout()
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                lines.add(line);
            }
        }
        catch (final IOException ignored)
        {
            // the child died; what was read is queued
        }
    }
}
