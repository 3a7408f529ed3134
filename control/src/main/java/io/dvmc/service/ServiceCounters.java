package io.dvmc.service;

import io.dvmc.exchange.DvmcError;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.relay.RelayEvent;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The service's counters, in {@code service-counters.dat} of its state directory so that {@code dvmc ctl stat}
 * reads them live from another process, as it reads the host's. Written by the service's agent thread only
 * (single writer, ordered stores), readable from any thread. Drops are counted by {@link DvmcError} code.
 */
public final class ServiceCounters implements AutoCloseable
{
    public static final String FILE = "service-counters.dat";

    /** What the service counts besides drops. */
    public enum Counter
    {
        RECEIVED, OFFERS, ACKS, NAKS, RELEASES, DECLINES, INFORMS, LEASE_QUERIES, SENT, SEND_FAILURES, EXPIRED, JOURNAL_SYNCS, JOURNAL_FAILURES, COMPACTIONS, ERRORS,
        /** ACKs not sent: whether the shared store holds the binding is unknown (the client retransmits). */
        WITHHELD,
        /** REQUESTs refused because another replica bound the address to another MAC meanwhile. */
        CONFLICTS,
        /** Times the shared leases in etcd became unreadable; requests wait unanswered meanwhile. */
        UNAVAILABLE,
        /** Journal compactions (or rewrites after a failed sync) that failed; retried with a backoff. */
        COMPACTION_FAILURES,
        /** Damaged spans found in the lease journal at start (not torn tails); see docs/operations.md. */
        JOURNAL_DAMAGE,
        /** Quarantines in force: addresses a damaged journal record may hold, until the operator lifts them. */
        QUARANTINED,
        /** BOOTP clients' requests bound (RFC 1534 dynamic BOOTP or a reservation), the agents' renewals among them. */
        BOOTP_BINDINGS,
        /** Full reads of the shared leases from etcd: at start, then after a watch failed or went silent. */
        SHARED_RELOADS,
        /** Hosts told that a lease of one of their VMs ended early (REVOKE): an operator's release or expiry. */
        REVOKES_SENT,
        /**
         * Leases ended early whose host could not be told (not heard from since the service started, or the send
         * failed): it answers the VM from its host lease until that lease's next refresh.
         */
        REVOKES_UNSENT
    }

    private static final Counter[] COUNTERS = Counter.values();
    private static final RelayEvent[] RELAY_EVENTS = RelayEvent.values();

    private final CountersFile file;
    private final AtomicCounter[] counters = new AtomicCounter[COUNTERS.length];
    private final AtomicCounter[] drops = new AtomicCounter[DvmcError.COUNT];
    private final AtomicCounter[] relay = new AtomicCounter[RELAY_EVENTS.length];

    /** Creates the counters file anew in {@code stateDir}. */
    public ServiceCounters(final Path stateDir)
    {
        file = CountersFile.create(stateDir.resolve(FILE), COUNTERS.length + DvmcError.COUNT + RELAY_EVENTS.length);
        for (final Counter c : COUNTERS)
        {
            counters[c.ordinal()] = file.newCounter(c.name().toLowerCase(Locale.ROOT),
                c.name().toLowerCase(Locale.ROOT).replace('_', ' '), CounterTypes.SERVICE);
        }
        for (final RelayEvent e : RELAY_EVENTS)
        {
            relay[e.ordinal()] = file.newCounter("relay_" + e.name().toLowerCase(Locale.ROOT), relayLabel(e),
                CounterTypes.SERVICE);
        }
        for (int i = 1; i < DvmcError.COUNT; i++)
        {
            drops[i] = file.newCounter("dropped_" + DvmcError.name(-i).replace('-', '_'),
                "dropped: " + DvmcError.name(-i), CounterTypes.DROP);
        }
    }

    /** The counters as {@code dvmc ctl stat} reads them, for the metrics endpoint. */
    public CountersFile file()
    {
        return file;
    }

    public long get(final Counter counter)
    {
        return counters[counter.ordinal()].get();
    }

    public long get(final RelayEvent event)
    {
        return relay[event.ordinal()].get();
    }

    /** "relay timed out", as {@code dvmc ctl stat} shows the relay's counters. */
    static String relayLabel(final RelayEvent event)
    {
        return "relay " + event.name().toLowerCase().replace('_', ' ');
    }

    /** Datagrams dropped without an answer for reason {@code errorCode} (a negative {@link DvmcError} code). */
    public long drops(final int errorCode)
    {
        return drops[-errorCode].get();
    }

    public long totalDrops()
    {
        long total = 0;
        for (int i = 1; i < DvmcError.COUNT; i++)
        {
            total += drops[i].get();
        }
        return total;
    }

    /** Every counter by name, and the non-zero drops as "drop.&lt;reason&gt;", for logs and tests. */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> out = new LinkedHashMap<>();
        for (final Counter c : COUNTERS)
        {
            out.put(c.name().toLowerCase(), get(c));
        }
        for (final RelayEvent e : RELAY_EVENTS)
        {
            out.put("relay_" + e.name().toLowerCase(), get(e));
        }
        for (int i = 1; i < DvmcError.COUNT; i++)
        {
            final long n = drops[i].get();
            if (n != 0)
            {
                out.put("drop." + DvmcError.name(-i), n);
            }
        }
        return out;
    }

    void increment(final Counter counter)
    {
        counters[counter.ordinal()].incrementRelease();
    }

    void add(final Counter counter, final long delta)
    {
        counters[counter.ordinal()].getAndAddRelease(delta);
    }

    void set(final Counter counter, final long value)
    {
        counters[counter.ordinal()].setRelease(value);
    }

    void relay(final RelayEvent event)
    {
        relay[event.ordinal()].incrementRelease();
    }

    void drop(final int errorCode)
    {
        drops[-errorCode].incrementRelease();
    }

    public void close()
    {
        file.close();
    }
}
