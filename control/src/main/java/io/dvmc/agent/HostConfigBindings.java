package io.dvmc.agent;

import io.dvmc.config.HostConfig;
import io.dvmc.config.HostConfigWatch;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.file.Path;
import java.util.List;

/**
 * The bindings of host.json, read again when the file changes and after a SIGHUP ({@link HostConfigWatch}): an
 * edit that does not validate is refused, logged, and the bindings in force stay.
 */
public final class HostConfigBindings implements HostBindings
{
    private final HostConfigWatch watch;
    private List<HostConfig.Binding> current;
    private long version;

    /** @param loaded the file as the process read it at start. */
    public HostConfigBindings(final Path file, final HostConfig loaded, final long checkIntervalMs,
        final AtomicCounter refused)
    {
        this.watch = new HostConfigWatch(file, checkIntervalMs, "dvmc agent", refused);
        this.current = loaded.bindings();
    }

    /** Read again at the next poll, changed or not (the operator's SIGHUP); any thread. */
    public void reload()
    {
        watch.reload();
    }

    public long poll(final long nowMs)
    {
        final HostConfig config = watch.poll(nowMs);
        if (config != null && !config.bindings().equals(current))
        {
            current = config.bindings();
            version++;
            System.err.println("dvmc agent: host config read again: " + current.size() + " binding(s)");
        }
        return version;
    }

    public List<HostConfig.Binding> current()
    {
        return current;
    }
}
