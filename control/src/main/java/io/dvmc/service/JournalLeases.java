package io.dvmc.service;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bound leases of a lease journal, read without writing it or taking its lock: what the operator lists, looks
 * up and exports while the service runs (the service appends meanwhile; a record being appended is not seen yet).
 * Replayed as the service replays it at start: a BOUND record binds, the IDENTITY records after it name the client,
 * RELEASED and EXPIRED end the lease. Damaged spans are skipped (the dump tool shows them).
 */
public final class JournalLeases
{
    /**
     * One bound lease; {@code expiresAtMs} is wall-clock time, a lease past it is free. {@code clientId}: the client
     * identifier an imported lease keeps whole, or null; {@code keaFlags} and {@code userContext}: what an imported Kea
     * lease said that dvmc gives back at export ({@link ClientNames#pack(String, String, byte[], int, String)}).
     */
    public record Lease(int domainId, int address, long mac, long expiresAtMs, UUID vmId, long clientKey,
        String hostName, String fqdn, byte[] clientId, int keaFlags, String userContext)
    {
    }

    private JournalLeases()
    {
    }

    /** The leases of {@code journal} (the service's {@code leases.journal}), by domain and address. */
    public static List<Lease> read(final Path journal) throws IOException
    {
        final Map<Client, Lease> byClient = new LinkedHashMap<>();
        try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.READ))
        {
            final long size = channel.size();
            final JournalScanner scanner = new JournalScanner(channel);
            if (!scanner.headerIntact(size))
            {
                throw new IOException(journal + " is not a dvmc lease journal");
            }
            scanner.scan(size, new Replay(byClient));
        }
        final List<Lease> out = new ArrayList<>(byClient.values());
        out.sort(Comparator.comparingLong((Lease l) -> Integer.toUnsignedLong(l.domainId()))
            .thenComparingLong(l -> Integer.toUnsignedLong(l.address())));
        return out;
    }

    private record Client(int domainId, long mac)
    {
    }

    private static Client clientOf(final JournalRecord r)
    {
        return new Client(r.domainId(), r.mac());
    }

    private static final class Replay implements JournalScanner.Visitor
    {
        private final Map<Client, Lease> byClient;
        private final byte[] names = new byte[ClientNames.MAX_LENGTH];
        private int namesLength;
        private int nextPart = -1;

        Replay(final Map<Client, Lease> byClient)
        {
            this.byClient = byClient;
        }

        public void onRecord(final long offset, final JournalRecord r)
        {
            final Client client = clientOf(r);
            final Lease held = byClient.get(client);
            switch (r.type())
            {
                case JournalRecord.BOUND -> {
                    nextPart = -1;
                    // A renewal keeps who the client said it was; another address is another lease.
                    final boolean same = held != null && held.address() == r.address();
                    byClient.remove(client);
                    byClient.put(client, new Lease(r.domainId(), r.address(), r.mac(), r.expiresAtMs(),
                        new UUID(r.vmIdMsb(), r.vmIdLsb()), same ? held.clientKey() : ClientKeys.NONE,
                        same ? held.hostName() : "", same ? held.fqdn() : "", same ? held.clientId() : null,
                        same ? held.keaFlags() : 0, same ? held.userContext() : ""));
                }
                case JournalRecord.IDENTITY -> identity(client, held, r);
                case JournalRecord.RELEASED, JournalRecord.EXPIRED -> {
                    nextPart = -1;
                    if (held != null && held.address() == r.address())
                    {
                        byClient.remove(client);
                    }
                }
                default -> nextPart = -1;
            }
        }

        /** The parts of an identity follow their BOUND record in order; a part out of place drops the names. */
        private void identity(final Client client, final Lease held, final JournalRecord r)
        {
            if (held == null || held.address() != r.address())
            {
                nextPart = -1;
                return;
            }
            Lease lease = held;
            if (r.clientKey() != ClientKeys.NONE)
            {
                lease = new Lease(lease.domainId(), lease.address(), lease.mac(), lease.expiresAtMs(), lease.vmId(),
                    r.clientKey(), lease.hostName(), lease.fqdn(), lease.clientId(), lease.keaFlags(),
                    lease.userContext());
            }
            if (r.part() == 0)
            {
                namesLength = 0;
                nextPart = 0;
            }
            if (r.part() == nextPart && namesLength + r.partLength() <= names.length)
            {
                r.getPart(names, namesLength);
                namesLength += r.partLength();
                nextPart++;
                if (nextPart == r.parts() && ClientNames.isPacked(names, namesLength))
                {
                    final byte[] packed = Arrays.copyOf(names, namesLength);
                    lease = new Lease(lease.domainId(), lease.address(), lease.mac(), lease.expiresAtMs(),
                        lease.vmId(), lease.clientKey(), ClientNames.hostName(packed), ClientNames.fqdn(packed),
                        ClientNames.clientId(packed), ClientNames.keaFlags(packed), ClientNames.userContext(packed));
                }
            }
            else
            {
                nextPart = -1;
            }
            byClient.put(client, lease);
        }

        public void onDamage(final long start, final long end)
        {
            nextPart = -1;
        }
    }
}
