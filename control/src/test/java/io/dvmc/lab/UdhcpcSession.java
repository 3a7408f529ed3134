package io.dvmc.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A udhcpc left running in a VM's namespace (no {@code -q}), for what happens after the first bind: RENEWING on
 * demand ({@link #renew()}, SIGUSR1), release (SIGUSR2), and the events the client reports meanwhile.
 * Started by {@link DhcpClients#start(String, String)}.
 */
public final class UdhcpcSession implements AutoCloseable {
    private final String ns;
    private final Process process;
    private final EventDir events;
    private final Path log;
    private final Set<String> returned = new HashSet<>();

    UdhcpcSession(String ns, Process process, EventDir events, Path log) {
        this.ns = ns;
        this.process = process;
        this.events = events;
        this.log = log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the first address (the "bound" event) and returns it. */
    public Lease awaitLease(Duration timeout) {
        return awaitEvent("bound", timeout).lease(ns);
    }

    /**
     * Returns the oldest event named {@code name} ("bound", "renew", "deconfig", "leasefail", "nak") that this
     * session has not returned before, waiting for it up to {@code timeout}; throws with the client's output if none
     * comes or the client exits first.
     */
    public synchronized ClientEvent awaitEvent(String name, Duration timeout) {
        return events.await(e -> e.name().equals(name) && !returned.contains(e.id()), timeout, process::isAlive)
                .map(e -> {
                    returned.add(e.id());
                    return e;
                })
                .orElseThrow(() -> new LabException("udhcpc in " + ns + ": no '" + name + "' event within "
                        + timeout + (process.isAlive() ? "" : " (udhcpc exited)") + "; events "
                        + events().stream().map(ClientEvent::name).toList() + "; output:\n" + output()));
    }

    /** Asks udhcpc to renew now (SIGUSR1): a unicast REQUEST to the server if the address is applied. */
    public void renew() {
        Exec.signal(process.pid(), "USR1");
    }

    /** Asks udhcpc to release its lease (SIGUSR2); it then waits for {@link #renew()} to start over. */
    public void release() {
        Exec.signal(process.pid(), "USR2");
    }

    /** Every event recorded so far, oldest first. */
    public List<ClientEvent> events() {
        return events.events();
    }

    /** What udhcpc printed so far. */
    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive() || process.toHandle().descendants().findAny().isPresent()) {
            Exec.kill(process.toHandle(), Duration.ofSeconds(3));
        }
    }
}
