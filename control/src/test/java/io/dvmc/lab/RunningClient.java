package io.dvmc.lab;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real DHCP client left running in a VM's namespace, as a VM runs one: it binds, renews and rebinds on its own
 * timers, and is released, crashed or stopped on demand. {@link UdhcpcSession} drives the script-based clients
 * (udhcpc, dhclient, dhcpcd), {@link NetworkdSession} systemd-networkd.
 */
public interface RunningClient extends AutoCloseable
{
    /** What the client would hand its resolver (resolv.conf or resolved): servers, search list, domain. */
    record Resolver(List<String> nameservers, List<String> search, String domain)
    {
        public Resolver
        {
            nameservers = List.copyOf(nameservers);
            search = List.copyOf(search);
        }
    }

    /** udhcpc, dhclient, dhcpcd or systemd-networkd. */
    String client();

    /**
     * Waits for the oldest lease the client reported that {@code match} accepts and that no earlier call returned;
     * throws with the client's output if none comes within {@code timeout} or the client exits first.
     */
    Lease awaitLease(Predicate<Lease> match, Duration timeout);

    /** Waits for the first lease (see {@link #awaitLease(Predicate, Duration)}). */
    default Lease awaitLease(Duration timeout)
    {
        return awaitLease(l -> true, timeout);
    }

    /** What the client last configured for name resolution. */
    Resolver resolver();

    /** Releases the lease the way an operator asks this client to (RFC 2131 §4.4.6 DHCPRELEASE). */
    void release();

    /** SIGKILL to the client and its helpers: a VM powered off; the address stays on the interface. */
    void crash();

    boolean isAlive();

    /** What the client printed so far. */
    String output();

    @Override
    void close();
}
