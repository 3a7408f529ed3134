package io.dvmc.policy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The embedded policy store (DESIGN §5): the policy file, reloaded when it changes. A lookup checks the file's
 * modification time and size at most once per {@link #CHECK_INTERVAL_MS}; a changed file that fails to load or
 * validate is reported by {@link #lastError()} and the previous policy stays in force. Readers on any thread see
 * one whole policy at a time. Listeners hear of the domains a reload changed on the reader's thread that noticed it.
 */
public final class FilePolicyStore implements PolicyStore
{
    public static final long CHECK_INTERVAL_MS = 1000;

    private final Path file;
    private final Clock clock;
    private volatile Policy policy;
    private volatile long nextCheckMs;
    private volatile String lastError;
    private volatile long generation;
    private final List<PolicyListener> listeners = new CopyOnWriteArrayList<>();
    private FileTime loadedModified;
    private long loadedSize;

    public FilePolicyStore(final Path file) throws PolicyException
    {
        this(file, Clock.systemUTC());
    }

    /** Loads the file now; a bad file at start is an error, not a retry. */
    public FilePolicyStore(final Path file, final Clock clock) throws PolicyException
    {
        this.file = file;
        this.clock = clock;
        final BasicFileAttributes attributes = attributes();
        this.policy = PolicyFile.load(file);
        this.loadedModified = attributes == null ? null : attributes.lastModifiedTime();
        this.loadedSize = attributes == null ? -1 : attributes.size();
        this.nextCheckMs = clock.millis() + CHECK_INTERVAL_MS;
    }

    public Optional<Domain> domain(final int id)
    {
        return current().domain(id);
    }

    public Domain domainOrNull(final int id)
    {
        return current().domainOrNull(id);
    }

    public List<InetSocketAddress> serviceLocations(final int domainId)
    {
        return current().serviceLocations(domainId);
    }

    public Collection<Domain> domains()
    {
        return current().domains();
    }

    public void addListener(final PolicyListener listener)
    {
        listeners.add(listener);
    }

    public Path file()
    {
        return file;
    }

    /** Bumped by every successful reload, so callers can drop what they cached from the previous policy. */
    public long generation()
    {
        return generation;
    }

    /** Why the latest change of the file was not taken, if it was not. */
    public Optional<String> lastError()
    {
        return Optional.ofNullable(lastError);
    }

    /** Checks the file now rather than at the next interval. */
    public void reload()
    {
        synchronized (this)
        {
            nextCheckMs = clock.millis() + CHECK_INTERVAL_MS;
            check();
        }
    }

    private Policy current()
    {
        if (clock.millis() >= nextCheckMs)
        {
            synchronized (this)
            {
                final long now = clock.millis();
                if (now >= nextCheckMs)
                {
                    nextCheckMs = now + CHECK_INTERVAL_MS;
                    check();
                }
            }
        }
        return policy;
    }

    private void check()
    {
        final BasicFileAttributes attributes = attributes();
        if (attributes == null)
        {
            // A file being replaced can be missing for a moment: keep serving the policy we have.
            return;
        }
        if (attributes.lastModifiedTime().equals(loadedModified) && attributes.size() == loadedSize)
        {
            return;
        }
        loadedModified = attributes.lastModifiedTime();
        loadedSize = attributes.size();
        try
        {
            final Policy previous = policy;
            policy = PolicyFile.load(file);
            lastError = null;
            generation++;
            final int[] changed = Policy.changedDomains(previous, policy);
            if (changed.length > 0)
            {
                listeners.forEach(listener -> listener.domainsChanged(changed));
            }
        }
        catch (final PolicyException ex)
        {
            lastError = ex.getMessage();
            // Once per bad edit (the file is re-read only when it changes): operators see why it was refused.
            System.err.println("dvmc: policy change refused, previous policy stays in force: " + lastError);
        }
    }

    private BasicFileAttributes attributes()
    {
        try
        {
            return Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }
}
