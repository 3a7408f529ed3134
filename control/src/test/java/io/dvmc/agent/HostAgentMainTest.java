package io.dvmc.agent;

import io.dvmc.config.ClusterKeyFile;
import io.dvmc.config.HostConfig;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lab.Await;
import io.dvmc.lease.StoreFailedException;
import io.dvmc.lease.StoreLockTimeoutException;
import io.dvmc.time.HostTimeBase;
import org.agrona.CloseHelper;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostAgentMainTest
{
    /** 0.1 s of the 20,000 DORA/s target: 40,000 exchanges a second. */
    private static final int IN_FLIGHT = 4_000;

    @TempDir
    Path dir;

    @Test
    void aStoreThatCouldNotBeMappedAgainEndsTheAgentWhereverItIsWrapped()
    {
        final StoreFailedException failed = new StoreFailedException("cannot map leases.dat again",
            new IOException("Is a directory"));
        assertTrue(HostAgentMain.isFatal(failed));
        assertTrue(HostAgentMain.isFatal(new IllegalStateException("while renewing", failed)));
    }

    @Test
    void aRecoveryThatTimedOutOrAnyOtherErrorIsCountedAndTheAgentGoesOn()
    {
        assertFalse(HostAgentMain.isFatal(new StoreLockTimeoutException("readers still hold leases.dat.lock")));
        assertFalse(HostAgentMain.isFatal(new IllegalArgumentException("bad frame")));
    }

    @Test
    void theAgentAsConfiguredByDefaultKeepsABootStormsExchangesInFlightWhileItsServiceIsSlowRefusingNone()
        throws Exception
    {
        // A service that has not answered yet: every exchange stays in flight for the agent's tries.
        try (DatagramSocket service = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            Files.writeString(dir.resolve("policy.json"), """
                { "domains": [ { "id": 100, "name": "blue", "subnet": "10.0.0.0/16", "router": "10.0.0.1",
                  "pools": [ { "start": "10.0.1.0", "end": "10.0.255.250" } ],
                  "services": [ "127.0.0.1:%d" ] } ] }
                """.formatted(service.getLocalPort()));
            ClusterKeyFile.generate(dir.resolve("cluster.key"));
            // Limits that let a boot storm through; the in-flight window is the default.
            Files.writeString(dir.resolve("host.json"), """
                { "hostId": 1, "stateDir": "host", "keyFile": "cluster.key", "policyFile": "policy.json",
                  "agent": { "listen": "127.0.0.1:0", "limits": { "vmPerSecond": 1000, "vmBurst": 1000,
                             "portPerSecond": 1000000, "portBurst": 1000000 } } }
                """);
            final HostConfig host = HostConfig.load(dir.resolve("host.json"));
            final HostAgentMain agent = HostAgentMain.start(host, "backoff");
            try (RingFiles rings = RingFiles.open(host.statePath());
                CountersFile counters = CountersFile.openReader(host.statePath().resolve(HostAgentMain.COUNTERS_FILE)))
            {
                final EpochClock clock = HostTimeBase.open(host.statePath()).clock();
                final UnsafeBuffer discover = HostAgentTest.capture("udhcpc-discover");
                for (int vm = 0; vm < IN_FLIGHT; vm++)
                {
                    HostAgentTest.withMac(discover, 0x02DC_0000_0000L + vm);
                    final int index = rings.toAgent().tryClaim(RingMessages.DHCP_REQUEST,
                        DhcpRequestMessage.FRAME_OFFSET + discover.capacity());
                    DhcpRequestMessage.write(rings.toAgent().buffer(), index, 3, 0, 100, 1, vm, clock.time(),
                        discover, 0, discover.capacity());
                    rings.toAgent().commit(index);
                }
                Await.until("the agent took every request", Duration.ofSeconds(60),
                    () -> counter(counters, "vm_requests") == IN_FLIGHT);
                assertEquals(0, counter(counters, "exchange_table_full_dropped"));
                assertEquals(0, counter(counters, "stale_requests_dropped"), "the agent kept up");
                assertEquals(IN_FLIGHT, counter(counters, "exchanges_started"));
            }
            finally
            {
                CloseHelper.quietClose(agent);
            }
        }
    }

    private static long counter(final CountersFile file, final String name)
    {
        return file.counters().stream().filter(c -> c.name().equals(name)).mapToLong(CountersFile.Counter::value)
            .sum();
    }
}
