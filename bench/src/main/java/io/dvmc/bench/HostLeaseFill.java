package io.dvmc.bench;

import io.dvmc.agent.AgentCounters;
import io.dvmc.agent.HostStores;
import io.dvmc.config.HostConfig;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseStore;
import io.dvmc.relay.RelayedClient;
import io.dvmc.lease.LeaseState;
import io.dvmc.time.HostTimeBase;
import org.agrona.concurrent.EpochClock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Fills a stopped agent's host lease store with bound leases, as its agent writes them, so that a bench can time a
 * restart over a full store: {@code HostLeaseFill <host.json> <leases>}. The leases run for a day (no sweep or
 * refresh touches them meanwhile), over 16 domains, MAC 02:cc:xx:xx:xx:xx, each a relayed client's (a bare-metal
 * server behind a relay-facing port: a VM's lease would need a binding in host.json, or the agent removes it at
 * start). Prints the store's file size.
 */
public final class HostLeaseFill
{
    private HostLeaseFill()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final HostConfig host = HostConfig.load(Path.of(args[0]));
        final int leases = Integer.parseInt(args[1]);
        final Path counters = Files.createTempFile("dvmc-fill", ".counters");
        try (RingFiles rings = RingFiles.open(host.statePath());
            CountersFile countersFile = CountersFile.create(counters, 256))
        {
            final HostTimeBase time = HostTimeBase.open(host.statePath());
            final EpochClock clock = time.clock();
            final HostStores stores = new HostStores(host.statePath(), rings.toDataplane(),
                new AgentCounters(countersFile), host.agent().maxLeases(), 4_096, Duration.ofSeconds(30));
            stores.open(time.bootId());
            try
            {
                final LeaseRecord lease = new LeaseRecord();
                final long start = System.nanoTime();
                for (int i = 0; i < leases; i++)
                {
                    final long now = clock.time();
                    final int domainId = 1 + (i & 15);
                    final long mac = 0x02CC_0000_0000L | i;
                    lease.clear()
                        .ip(0x0A00_0000 | (i & 0xFF_FFFF))
                        .state(LeaseState.BOUND)
                        .vmLeaseSeconds(86_400)
                        .serverId(0x0A00_0001)
                        .hostLeaseExpiryMillis(now + 86_400_000L)
                        .vmLeaseExpiryMillis(now + 86_400_000L)
                        .updatedMillis(now)
                        .vmId(RelayedClient.vmMsb(domainId), RelayedClient.vmLsb(mac))
                        .seal();
                    if (!stores.putLease(domainId, mac, lease))
                    {
                        throw new IllegalStateException("the store took only " + i + " leases (capacity " +
                            host.agent().maxLeases() + ")");
                    }
                }
                System.out.printf("filled %d leases in %d ms; %s is %d MiB%n", leases,
                    (System.nanoTime() - start) / 1_000_000, host.statePath().resolve(LeaseStore.FILE),
                    Files.size(host.statePath().resolve(LeaseStore.FILE)) >> 20);
            }
            finally
            {
                stores.close();
            }
        }
        finally
        {
            Files.deleteIfExists(counters);
        }
    }
}
