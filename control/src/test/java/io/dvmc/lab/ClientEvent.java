package io.dvmc.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One call of a DHCP client's script, as recorded by the lab's script: the normalised event name (udhcpc's $1 or
 * dhclient's/dhcpcd's $reason, lower case) and the recorded variables.
 *
 * @param id the event file's name; names sort in the order the events happened
 */
public record ClientEvent(String id, String name, Map<String, String> vars)
{
    /** Events after which the client holds an address. */
    static final Set<String> BOUND = Set.of("bound", "renew", "rebind", "reboot");

    public ClientEvent
    {
        vars = Map.copyOf(vars);
    }

    public boolean hasLease()
    {
        return BOUND.contains(name) && !vars.getOrDefault("ip", "").isBlank();
    }

    /** The lease carried by this event; throws if it carries none. */
    public Lease lease(String ns)
    {
        return Lease.from(ns, this);
    }

    static ClientEvent read(Path file) throws IOException
    {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file))
        {
            int eq = line.indexOf('=');
            if (eq > 0)
            {
                vars.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new ClientEvent(file.getFileName().toString(), vars.getOrDefault("event", ""), vars);
    }
}
