package io.dvmc.service;

import io.dvmc.lab.FreePorts;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.lab.Await;
import io.dvmc.policy.FilePolicyStore;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The service's slow path allocates nothing per message in steady state (issue 7): a round of new leases, DISCOVER
 * then REQUEST from MACs never seen, decoded, verified, decided, journaled, signed, sent and logged as lease events
 * (at the default INFO, into a discarded stderr), costs its thread no heap.
 */
class ServiceAllocationTest
{
    private static final int DOMAIN = 100;
    private static final int PER_ROUND = 200;

    @TempDir
    Path dir;

    private final PrintStream stderr = System.err;

    @AfterEach
    void restoreStderr()
    {
        System.setErr(stderr);
    }

    @Test
    void aSteadyRoundOfNewLeasesAllocatesNothingOnTheServiceThread() throws Exception
    {
        final int port = FreePorts.udp();
        final InetSocketAddress listen = new InetSocketAddress("127.0.0.1", port);
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, """
            { "domains": [ { "id": %d, "name": "blue", "subnet": "10.0.0.0/16", "router": "10.0.0.1",
              "pools": [ { "start": "10.0.1.0", "end": "10.0.255.250" } ], "services": [ "127.0.0.1:%d" ] } ] }
            """.formatted(DOMAIN, port));
        System.setErr(new PrintStream(OutputStream.nullOutputStream()));
        // A monotonic clock that stands still: the once-a-second maintenance (expiry, the operator's files) is no
        // per-message work and does not run during the rounds.
        try (DvmcService service = new DvmcService(new FilePolicyStore(policy), listen, TestAgent.KEY,
            dir.resolve("state"), Clock.systemUTC(), () -> 0L, new BackoffIdleStrategy()).start();
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
        {
            Await.until("the service thread", Duration.ofSeconds(10), () -> service.thread() != null);
            final long serviceThread = service.thread().threadId();
            final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory
                .getThreadMXBean();
            long mac = 0x0200_0000_0000L;
            for (int round = 0; round < 60; round++)
            {
                mac = leaseRound(agent, listen, mac);
            }
            final long[] allocated = new long[4];
            for (int round = 0; round < allocated.length; round++)
            {
                final long before = threads.getThreadAllocatedBytes(serviceThread);
                mac = leaseRound(agent, listen, mac);
                allocated[round] = threads.getThreadAllocatedBytes(serviceThread) - before;
            }
            assertEquals(0, Arrays.stream(allocated).min().orElseThrow(), "bytes allocated by the service per round " +
                "of " + PER_ROUND + " DISCOVERs and REQUESTs: " + Arrays.toString(allocated));
        }
    }

    /** {@link #PER_ROUND} new leases, their DISCOVERs in flight together, then their REQUESTs. */
    private static long leaseRound(final TestAgent agent, final InetSocketAddress service, final long firstMac)
    {
        final long[] offers = new long[PER_ROUND];
        for (int i = 0; i < PER_ROUND; i++)
        {
            offers[i] = agent.client.send(DvmcMessageType.DISCOVER, service, DOMAIN, firstMac + i, 1, firstMac + i, 0,
                0);
        }
        final long[] acks = new long[PER_ROUND];
        for (int i = 0; i < PER_ROUND; i++)
        {
            final TestAgent.Reply offer = agent.await(offers[i]);
            assertEquals(DvmcMessageType.OFFER, offer.type());
            acks[i] = agent.client.send(DvmcMessageType.REQUEST, service, DOMAIN, firstMac + i, 1, firstMac + i,
                offer.yiaddr(), 0);
        }
        for (int i = 0; i < PER_ROUND; i++)
        {
            final TestAgent.Reply ack = agent.await(acks[i]);
            assertNotNull(ack);
            assertEquals(DvmcMessageType.ACK, ack.type());
        }
        agent.replies.clear();
        return firstMac + PER_ROUND;
    }

}
