package io.dvmc.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A script-driven client left running in a VM's namespace: udhcpc without {@code -q}, dhclient {@code -d}, dhcpcd
 * without {@code -1}. It reports its events through the lab's recording script; for udhcpc, {@link #renew()} is
 * SIGUSR1. Started by {@link DhcpClients}.
 */
public final class UdhcpcSession implements RunningClient
{
    private final String client;
    private final String ns;
    private final Process process;
    private final EventDir events;
    private final Path log;
    private final Runnable release;
    private final Set<String> returned = new HashSet<>();

    UdhcpcSession(String ns, Process process, EventDir events, Path log)
    {
        this("udhcpc", ns, process, events, log, () -> Exec.signal(process.pid(), "USR2"));
    }

    UdhcpcSession(String client, String ns, Process process, EventDir events, Path log, Runnable release)
    {
        this.client = client;
        this.ns = ns;
        this.process = process;
        this.events = events;
        this.log = log;
        this.release = release;
    }

    @Override
    public String client()
    {
        return client;
    }

    public long pid()
    {
        return process.pid();
    }

    @Override
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** Waits for the first address (the "bound" event) and returns it. */
    @Override
    public Lease awaitLease(Duration timeout)
    {
        return awaitEvent("bound", timeout).lease(ns);
    }

    @Override
    public synchronized Lease awaitLease(Predicate<Lease> match, Duration timeout)
    {
        return await(e -> e.hasLease() && match.test(e.lease(ns)), "lease", timeout).lease(ns);
    }

    /**
     * Returns the oldest event named {@code name} ("bound", "renew", "deconfig", "leasefail", "nak", "conflict") that
     * this session has not returned before, waiting for it up to {@code timeout}; throws with the client's output if
     * none comes or the client exits first.
     */
    public synchronized ClientEvent awaitEvent(String name, Duration timeout)
    {
        return await(e -> e.name().equals(name), "'" + name + "' event", timeout);
    }

    private ClientEvent await(Predicate<ClientEvent> match, String what, Duration timeout)
    {
        return events.await(e -> !returned.contains(e.id()) && match.test(e), timeout, process::isAlive)
            .map(e -> {
                returned.add(e.id());
                return e;
            })
            .orElseThrow(() -> new LabException(client + " in " + ns + ": no " + what + " within " + timeout +
                (process.isAlive() ? "" : " (" + client + " exited)") + "; events " +
                events().stream().map(ClientEvent::name).toList() + "; output:\n" + output()));
    }

    /** Asks udhcpc to renew now (SIGUSR1): a unicast REQUEST to the server if the address is applied. */
    public void renew()
    {
        Exec.signal(process.pid(), "USR1");
    }

    /** udhcpc: SIGUSR2, after which it waits for {@link #renew()} to start over. */
    @Override
    public void release()
    {
        release.run();
    }

    @Override
    public void crash()
    {
        List<ProcessHandle> all = new ArrayList<>(process.toHandle().descendants().toList());
        all.addFirst(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        all.forEach(h -> h.onExit().join());
    }

    /** nameserver, search and domain lines the script wrote for the last lease it applied. */
    @Override
    public Resolver resolver()
    {
        Path file = events.path().resolveSibling("resolv.conf");
        List<String> servers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        String domain = null;
        try
        {
            for (String line : Files.exists(file) ? Files.readAllLines(file) : List.<String>of())
            {
                String[] f = line.strip().split("\\s+");
                switch (f[0])
                {
                    case "nameserver" -> servers.add(f[1]);
                    case "search" -> search.addAll(Arrays.asList(f).subList(1, f.length));
                    case "domain" -> domain = f[1];
                    default -> {
                    }
                }
            }
        }
        catch (IOException e)
        {
            throw new LabException("unreadable " + file, e);
        }
        return new Resolver(servers, search, domain);
    }

    /** Every event recorded so far, oldest first. */
    public List<ClientEvent> events()
    {
        return events.events();
    }

    @Override
    public String output()
    {
        return Exec.logOf(log);
    }

    @Override
    public void close()
    {
        if (process.isAlive() || process.toHandle().descendants().findAny().isPresent())
        {
            Exec.kill(process.toHandle(), Duration.ofSeconds(3));
        }
    }
}
