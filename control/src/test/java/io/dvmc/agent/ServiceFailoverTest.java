package io.dvmc.agent;

import io.dvmc.lab.FreePorts;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcError;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.ipc.TransmitMessage;
import io.dvmc.lab.Await;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.service.DvmcService;
import io.dvmc.service.ServiceMain;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the agent picks among the active replicas of a domain's service: spread by host, and on to the next one
 * before a VM's DHCP client gives up on more than its first try.
 */
class ServiceFailoverTest
{
    private static final Path CAPTURES = Path.of("..", "protocol", "src", "test", "resources", "captures");
    private static final int DOMAIN = 100;
    /** udhcpc as the lab runs it ({@code -T 2}): a DISCOVER every 2 s. */
    private static final Duration CLIENT_RETRY = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private RingFiles rings;
    private CountersFile countersFile;
    private HostStores stores;
    private DvmcService service;
    private DvmcClient client;
    private AgentCounters counters;

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(client, stores, service, rings, countersFile);
    }

    @Test
    void theHostsOfADomainSpreadOverItsServicesAndEachHostKeepsItsChoice() throws Exception
    {
        final FilePolicyStore policy = policy(6001, 6002);
        countersFile = CountersFile.create(dir.resolve("counters.dat"), AgentCounters.CAPACITY);
        final AgentCounters counters = new AgentCounters(countersFile);
        final Map<InetSocketAddress, Integer> hosts = new HashMap<>();
        for (int hostId = 1; hostId <= 64; hostId++)
        {
            final InetSocketAddress first = new ServiceLocator(policy, SystemEpochClock.INSTANCE, 30_000, counters,
                hostId).locate(DOMAIN);
            hosts.merge(first, 1, Integer::sum);
            assertEquals(first,
                new ServiceLocator(policy, SystemEpochClock.INSTANCE, 30_000, counters, hostId).locate(DOMAIN),
                "host " + hostId + " picks the same service at every start");
        }
        assertEquals(2, hosts.size(), "both services are used: " + hosts);
        hosts.values().forEach(n -> assertTrue(n >= 16, "an even spread: " + hosts));
    }

    @Test
    void aVmsSecondTryReachesTheNextServiceWhenTheFirstDoesNotAnswer() throws Exception
    {
        final int silent = FreePorts.udp();
        final int live = FreePorts.udp();
        final FilePolicyStore policy = policy(silent, live);
        service = ServiceMain.start(policy, new InetSocketAddress("127.0.0.1", live), new byte[32],
            dir.resolve("service"), new BackoffIdleStrategy());
        int hostId = 1;
        while (ServiceLocator.firstService(hostId, DOMAIN, 2) != 0)
        {
            hostId++;
        }

        final HostAgent agent = agent(policy, hostId, SystemEpochClock.INSTANCE);

        final UnsafeBuffer discover = new UnsafeBuffer(Files.readAllBytes(CAPTURES.resolve("udhcpc-discover.bin")));
        fromVm(discover, System.currentTimeMillis());
        assertNull(toVm(agent, CLIENT_RETRY), "the first service is down: nothing answers the first try");
        fromVm(discover, System.currentTimeMillis());
        final DhcpPacket offer = toVm(agent, CLIENT_RETRY);
        assertNotNull(offer, "the second try is answered before the client tries a third time");
        assertEquals(DhcpMessageType.OFFER, offer.messageType());
    }

    @Test
    void aVmsRetransmissionReachesARestartedServiceAtOnceAfterTheAgentsOwnTriesWentUnanswered() throws Exception
    {
        final int port = FreePorts.udp();
        final FilePolicyStore policy = policy(port);
        final long[] now = {System.currentTimeMillis()};
        final HostAgent agent = agent(policy, 1, () -> now[0]);
        final UnsafeBuffer discover = new UnsafeBuffer(Files.readAllBytes(CAPTURES.resolve("udhcpc-discover.bin")));

        // The service is down: the agent's own tries at 0, 0.2 and 0.6 s go unanswered.
        fromVm(discover, now[0]);
        for (final long step : new long[]{0, 200, 400})
        {
            now[0] += step;
            agent.doWork();
        }
        service = ServiceMain.start(policy, new InetSocketAddress("127.0.0.1", port), new byte[32],
            dir.resolve("service"), new BackoffIdleStrategy());

        // The restarted service is up 1 s after the VM's first try, when the VM tries again.
        now[0] += 400;
        fromVm(discover, now[0]);
        final DhcpPacket offer = toVm(agent, CLIENT_RETRY);
        assertNotNull(offer, "the VM's retransmission waited for the agent's exchange with the dead service");
        assertEquals(DhcpMessageType.OFFER, offer.messageType());
    }

    @Test
    void theAgentsRetransmissionsAndTheRepliesItDropsShowInItsCounters() throws Exception
    {
        final int silent = FreePorts.udp();
        final HostAgent agent = agent(policy(silent), 1, SystemEpochClock.INSTANCE);
        fromVm(new UnsafeBuffer(Files.readAllBytes(CAPTURES.resolve("udhcpc-discover.bin"))),
            System.currentTimeMillis());
        try (DatagramSocket garbler = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            final byte[] garbage = {1, 2, 3};
            garbler.send(new DatagramPacket(garbage, garbage.length, client.localAddress()));
        }

        Await.within(Duration.ofSeconds(5), () -> {
            agent.doWork();
            return counters.retransmits.get() >= 1 && counters.clientDrops(DvmcError.TOO_SHORT).get() == 1;
        });
        assertTrue(counters.retransmits.get() >= 1, "the agent's own retry of the unanswered DISCOVER");
        assertEquals(1, counters.clientDrops(DvmcError.TOO_SHORT).get(), "the garbled reply");
    }

    /** An agent of host {@code hostId} on this test's rings and stores, its exchanges on {@link ServiceLocator#FAILOVER_RETRY}. */
    private HostAgent agent(final FilePolicyStore policy, final int hostId, final EpochClock clock) throws IOException
    {
        rings = RingFiles.open(dir.resolve("host"));
        countersFile = CountersFile.create(dir.resolve("host").resolve("agent-counters.dat"), AgentCounters.CAPACITY);
        counters = new AgentCounters(countersFile);
        stores = new HostStores(dir.resolve("host"), rings.toDataplane(), counters, 1024, 16, Duration.ofSeconds(30));
        stores.open();
        final HostAgent agent = new HostAgent(rings.toAgent(), rings.toDataplane(), stores,
            new ServiceLocator(policy, clock, 30_000, counters, hostId), policy, counters, clock, 16);
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, hostId, DvmcClient.DEFAULT_CAPACITY,
            ServiceLocator.FAILOVER_RETRY, new Authenticator(new byte[32]), clock, agent);
        agent.client(client);
        return agent;
    }

    private FilePolicyStore policy(final int... ports) throws Exception
    {
        final StringBuilder services = new StringBuilder();
        for (final int port : ports)
        {
            services.append(services.isEmpty() ? "" : ", ").append("\"127.0.0.1:").append(port).append('"');
        }
        final Path file = dir.resolve("policy.json");
        Files.writeString(file, """
            { "domains": [ { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
              "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "leaseSeconds": 600,
              "services": [ %s ] } ] }
            """.formatted(services));
        return new FilePolicyStore(file);
    }

    private void fromVm(final UnsafeBuffer frame, final long receivedMs)
    {
        final int index = rings.toAgent().tryClaim(RingMessages.DHCP_REQUEST,
            DhcpRequestMessage.FRAME_OFFSET + frame.capacity());
        DhcpRequestMessage.write(rings.toAgent().buffer(), index, 3, 0, DOMAIN, 1, 2, receivedMs,
            frame, 0, frame.capacity());
        rings.toAgent().commit(index);
    }

    /** Runs the agent for up to {@code wait}; the DHCP reply it handed the dataplane, or null. */
    private DhcpPacket toVm(final HostAgent agent, final Duration wait)
    {
        final byte[][] sent = new byte[1][];
        Await.within(wait, () -> {
            agent.doWork();
            rings.toDataplane().read((type, buffer, index, length) -> {
                if (type == RingMessages.TRANSMIT)
                {
                    final TransmitMessage message = new TransmitMessage().wrap(buffer, index);
                    sent[0] = new byte[message.frameLength()];
                    buffer.getBytes(message.frameOffset(), sent[0]);
                }
            });
            return sent[0] != null;
        });
        if (sent[0] == null)
        {
            return null;
        }
        final UnsafeBuffer frame = new UnsafeBuffer(sent[0]);
        final FrameView view = new FrameView();
        assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(frame, 0, frame.capacity(), view));
        return new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
    }

}
