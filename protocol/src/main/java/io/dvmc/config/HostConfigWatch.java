package io.dvmc.config;

import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Watches host.json for a process that applies some of it at run time (the agent its bindings, the dataplane its
 * ports): the file is read again when its content changed (looked at once per check interval, about a second) and
 * at once after a SIGHUP ({@link #reload()}). The whole file must validate, as at start: an edit that does not is
 * refused with one logged line naming the fault (again on each SIGHUP, not at every check while it lasts), and
 * the caller keeps what is in force. The first poll gives the file as it is then, which the caller compares with
 * what it read at start: an edit made in between is not lost.
 */
public final class HostConfigWatch
{
    public static final long CHECK_INTERVAL_MS = 1_000;

    private final Path file;
    private final long checkIntervalMs;
    private final String process;
    private final AtomicCounter refused;
    private volatile boolean reloadRequested;
    private byte[] content;
    private String fault;
    private long nextCheckMs;

    /**
     * @param process the process's name for its log lines, e.g. {@code "dvmc agent"}.
     * @param refused counts the edits refused.
     */
    public HostConfigWatch(final Path file, final long checkIntervalMs, final String process,
        final AtomicCounter refused)
    {
        this.file = file;
        this.checkIntervalMs = checkIntervalMs;
        this.process = process;
        this.refused = refused;
        // No bytes known yet: the first poll reads the file and gives its configuration, so that an edit made
        // between the process's own read at start and this watch is applied, not taken as what is in force.
    }

    /** Read again at the next poll, changed or not (the operator's SIGHUP); any thread. */
    public void reload()
    {
        reloadRequested = true;
    }

    /** @return the file's configuration if it is due, changed (or a reload was asked) and valid; else null. */
    public HostConfig poll(final long nowMs)
    {
        final boolean forced = reloadRequested;
        if (!forced && nowMs - nextCheckMs < 0)
        {
            return null;
        }
        reloadRequested = false;
        nextCheckMs = nowMs + checkIntervalMs;
        final byte[] now = read(forced);
        if (now == null || !forced && Arrays.equals(now, content))
        {
            return null;
        }
        content = now;
        try
        {
            final HostConfig config = HostConfig.load(file);
            fault = null;
            return config;
        }
        catch (final ConfigException ex)
        {
            refuse(ex.getMessage(), forced);
            return null;
        }
    }

    private byte[] read(final boolean forced)
    {
        try
        {
            return Files.readAllBytes(file);
        }
        catch (final IOException ex)
        {
            refuse(file + ": cannot read: " + ex, forced);
            return null;
        }
    }

    private void refuse(final String message, final boolean forced)
    {
        if (forced || !message.equals(fault))
        {
            fault = message;
            refused.incrementRelease();
            System.err.println(process + ": host config refused, what is in force stays: " + message);
        }
    }
}
