package io.dvmc.agent;

import io.dvmc.config.ConfigException;
import io.dvmc.config.HostConfig;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The bindings of host.json, re-read when the file's content changes (looked at once per check interval, about a
 * second) and at once after a SIGHUP ({@link #reload()}). The whole file must validate, as at start: an edit that
 * does not is refused with one logged line naming the fault, and the bindings in force stay until a valid edit.
 * Other fields of the file are read at process start only (the dataplane watches its ports itself).
 */
public final class HostConfigBindings implements HostBindings
{
    public static final long CHECK_INTERVAL_MS = 1_000;

    private final Path file;
    private final long checkIntervalMs;
    private final AtomicCounter refused;
    private volatile boolean reloadRequested;
    private byte[] content;
    private List<HostConfig.Binding> current;
    private String fault;
    private long version;
    private long nextCheckMs;

    /** @param loaded the file as the process read it at start. */
    public HostConfigBindings(final Path file, final HostConfig loaded, final long checkIntervalMs,
        final AtomicCounter refused)
    {
        this.file = file;
        this.checkIntervalMs = checkIntervalMs;
        this.refused = refused;
        this.current = loaded.bindings();
        this.content = read();
    }

    /** Re-read at the next poll, changed or not (the operator's SIGHUP); any thread. */
    public void reload()
    {
        reloadRequested = true;
    }

    public long poll(final long nowMs)
    {
        final boolean forced = reloadRequested;
        if (!forced && nowMs - nextCheckMs < 0)
        {
            return version;
        }
        reloadRequested = false;
        nextCheckMs = nowMs + checkIntervalMs;
        final byte[] now = read();
        if (now == null || !forced && Arrays.equals(now, content))
        {
            return version;
        }
        content = now;
        try
        {
            final List<HostConfig.Binding> bindings = HostConfig.load(file).bindings();
            fault = null;
            if (!bindings.equals(current))
            {
                current = bindings;
                version++;
                System.err.println("dvmc agent: " + file + " re-read: " + bindings.size() + " binding(s)");
            }
        }
        catch (final ConfigException ex)
        {
            refuse(ex.getMessage(), forced);
        }
        return version;
    }

    public List<HostConfig.Binding> current()
    {
        return current;
    }

    private byte[] read()
    {
        try
        {
            return Files.readAllBytes(file);
        }
        catch (final IOException ex)
        {
            refuse(file + ": cannot read: " + ex, false);
            return null;
        }
    }

    /** Logs a fault once (again after a SIGHUP), not at every check while it lasts. */
    private void refuse(final String message, final boolean forced)
    {
        if (forced || !message.equals(fault))
        {
            fault = message;
            refused.incrementRelease();
            System.err.println("dvmc agent: host config refused, the bindings in force stay: " + message);
        }
    }
}
