package io.dvmc.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs external commands with a deadline, capturing stdout and stderr together. */
public final class Exec
{
    /** Where Debian keeps ip, dhclient, udhcpc, dnsmasq: not always on a test runner's PATH. */
    static final String SBIN_PATH = "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin";

    private Exec()
    {
    }

    /** What a finished (or killed) command left behind. */
    public record Result(List<String> command, int exitCode, String output, boolean timedOut)
    {
        public boolean ok()
        {
            return !timedOut && exitCode == 0;
        }

        /** Returns this result, or throws with the command and its output when it failed or timed out. */
        public Result check()
        {
            if (!ok())
            {
                throw new LabException(describe());
            }
            return this;
        }

        public String describe()
        {
            return String.join(" ", command) + (timedOut ? " timed out" : " exited " + exitCode) +
                (output.isBlank() ? "" : ":\n" + output.strip());
        }
    }

    /** Runs a command to completion or until the deadline, then kills it and whatever it started. */
    public static Result run(Duration timeout, List<String> command)
    {
        Path out = null;
        try
        {
            // A file instead of a pipe: a chatty child can never block on a full pipe nobody drains.
            out = Files.createTempFile("dvmc-exec", ".out");
            Process p = builder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done)
            {
                kill(p.toHandle(), Duration.ofSeconds(2));
            }
            int code = done ? p.exitValue() : -1;
            return new Result(List.copyOf(command), code, Files.readString(out, StandardCharsets.UTF_8), !done);
        }
        catch (IOException e)
        {
            throw new LabException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted running " + String.join(" ", command), e);
        }
        finally
        {
            if (out != null)
            {
                try
                {
                    Files.deleteIfExists(out);
                }
                catch (IOException ignored)
                {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    public static Result run(Duration timeout, String... command)
    {
        return run(timeout, List.of(command));
    }

    /** Like {@link #run} but throws when the command fails or times out. */
    public static Result check(Duration timeout, String... command)
    {
        return run(timeout, List.of(command)).check();
    }

    /** What a background command started by {@link #start} wrote to {@code log} so far. */
    public static String logOf(Path log)
    {
        try
        {
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (IOException e)
        {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Starts a background command whose output goes to {@code log}; the caller owns the process. */
    public static Process start(Path log, List<String> command)
    {
        try
        {
            return builder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }
        catch (IOException e)
        {
            throw new LabException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
    }

    /** SIGTERM to a process and its descendants, then SIGKILL to whatever outlives the grace period. */
    public static void kill(ProcessHandle process, Duration grace)
    {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.addFirst(process);
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : all)
        {
            long left = deadline - System.nanoTime();
            try
            {
                if (left > 0)
                {
                    h.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            }
            catch (TimeoutException | ExecutionException e)
            {
                // falls through to SIGKILL below
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            if (h.isAlive())
            {
                h.destroyForcibly();
                try
                {
                    h.onExit().get(grace.toMillis() + 1000, TimeUnit.MILLISECONDS);
                }
                catch (TimeoutException | ExecutionException e)
                {
                    // a process stuck in the kernel: nothing more a test can do
                }
                catch (InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Sends a signal by number or name (e.g. "USR1") to one pid; Java can only send TERM and KILL itself. */
    public static void signal(long pid, String signal)
    {
        check(Duration.ofSeconds(5), "kill", "-" + signal, Long.toString(pid));
    }

    /** The executable a bare command name resolves to, searching PATH and then the sbin directories. */
    public static Optional<Path> which(String name)
    {
        if (name.contains("/"))
        {
            Path p = Path.of(name);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : searchPath().split(":"))
        {
            if (dir.isEmpty())
            {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p))
            {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static String searchPath()
    {
        String path = System.getenv("PATH");
        return path == null || path.isEmpty() ? SBIN_PATH : path + ":" + SBIN_PATH;
    }

    private static ProcessBuilder builder(List<String> command)
    {
        List<String> cmd = new ArrayList<>(command);
        // The JVM looks executables up on its own PATH, which may lack sbin: resolve here.
        which(cmd.getFirst()).ifPresent(p -> cmd.set(0, p.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // Children (ip netns exec, unshare) look up their own commands on this PATH.
        pb.environment().put("PATH", searchPath());
        return pb;
    }
}
