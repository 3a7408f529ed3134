package io.dvmc.agent;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.ipc.TransmitMessage;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.service.DvmcService;
import io.dvmc.service.ServiceMain;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The agent's slow path (patent FIG. 4) against a real dvmc service on loopback, real rings and real lease stores:
 * what the dataplane would hand it, and what it hands back.
 */
class HostAgentTest
{
    private static final Path CAPTURES = Path.of("..", "protocol", "src", "test", "resources", "captures");
    private static final long UDHCPC_MAC = 0x02DC_0000_0001L;
    private static final int DOMAIN = 100;
    private static final int SERVER = 0x0A00_0001;

    @TempDir
    Path dir;

    private RingFiles rings;
    private CountersFile countersFile;
    private AgentCounters counters;
    private HostStores stores;
    private DvmcService service;
    private DvmcClient client;
    private HostAgent agent;
    private volatile long clockOffsetMs;
    private final FrameView view = new FrameView();
    private final DhcpPacket reply = new DhcpPacket();

    @BeforeEach
    void start() throws Exception
    {
        final int port;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            port = socket.getLocalPort();
        }
        final Path policyFile = dir.resolve("policy.json");
        Files.writeString(policyFile, """
            { "domains": [ { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
              "pools": [ { "start": "10.0.0.100", "end": "10.0.0.101" } ], "dns": [ "10.0.0.53" ], "mtu": 1450,
              "leaseSeconds": 600, "services": [ "127.0.0.1:%d" ] } ] }
            """.formatted(port));
        final byte[] key = new byte[32];
        final FilePolicyStore policy = new FilePolicyStore(policyFile);
        service = ServiceMain.start(policy, new InetSocketAddress("127.0.0.1", port), key, dir.resolve("service"),
            new BackoffIdleStrategy());

        final Path state = dir.resolve("host");
        rings = RingFiles.open(state);
        countersFile = CountersFile.create(state.resolve("agent-counters.dat"), 64);
        counters = new AgentCounters(countersFile);
        stores = new HostStores(state, rings.toDataplane(), counters, 1024, 16, Duration.ofSeconds(30));
        stores.open();
        final EpochClock clock = () -> System.currentTimeMillis() + clockOffsetMs;
        agent = new HostAgent(rings.toAgent(), rings.toDataplane(), stores,
            new ServiceLocator(policy, clock, 30_000, counters), policy, counters, clock, 16);
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 1, new Authenticator(key),
            SystemEpochClock.INSTANCE, agent);
        agent.client(client);
    }

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(client, stores, service, rings, countersFile);
    }

    private void fromVm(final UnsafeBuffer frame)
    {
        fromVm(frame, System.currentTimeMillis());
    }

    private void fromVm(final UnsafeBuffer frame, final long receivedMillis)
    {
        final int index = rings.toAgent().tryClaim(RingMessages.DHCP_REQUEST,
            DhcpRequestMessage.FRAME_OFFSET + frame.capacity());
        DhcpRequestMessage.write(rings.toAgent().buffer(), index, 3, 0, DOMAIN, 1, 2, receivedMillis,
            frame, 0, frame.capacity());
        rings.toAgent().commit(index);
    }

    /** Runs the agent until it hands the dataplane a frame; returns that frame's DHCP reply. */
    private DhcpPacket toVm()
    {
        final UnsafeBuffer[] sent = new UnsafeBuffer[1];
        final int[] port = new int[1];
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (sent[0] == null)
        {
            agent.doWork();
            rings.toDataplane().read((type, buffer, index, length) ->
            {
                if (type == RingMessages.TRANSMIT)
                {
                    final TransmitMessage message = new TransmitMessage().wrap(buffer, index);
                    final byte[] bytes = new byte[message.frameLength()];
                    buffer.getBytes(message.frameOffset(), bytes);
                    sent[0] = new UnsafeBuffer(bytes);
                    port[0] = message.port();
                }
            });
            if (System.nanoTime() - deadline > 0)
            {
                fail("the agent sent nothing to the dataplane");
            }
        }
        assertEquals(3, port[0], "the reply goes out on the VM's port");
        assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(sent[0], 0, sent[0].capacity(), view));
        reply.wrap(sent[0], view.payloadOffset(), view.payloadLength());
        assertEquals(0, reply.validate());
        return reply;
    }

    private static UnsafeBuffer capture(final String name) throws Exception
    {
        return new UnsafeBuffer(Files.readAllBytes(CAPTURES.resolve(name + ".bin")));
    }

    /** A real SELECTING REQUEST, re-aimed at the address and server of this test's offer. */
    private static UnsafeBuffer selecting(final int address) throws Exception
    {
        final UnsafeBuffer frame = capture("udhcpc-request-selecting");
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, frame.capacity(), view);
        final DhcpPacket request = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
        frame.putInt(request.findOption(DhcpOption.REQUESTED_IP), address, ByteOrder.BIG_ENDIAN);
        frame.putInt(request.findOption(DhcpOption.SERVER_ID), SERVER, ByteOrder.BIG_ENDIAN);
        return frame;
    }

    @Test
    void aDiscoverIsOfferedAnAddressOfTheDomainWithItsOptionsAndNothingIsBoundYet() throws Exception
    {
        fromVm(capture("udhcpc-discover"));
        final DhcpPacket offer = toVm();
        assertEquals(DhcpMessageType.OFFER, offer.messageType());
        assertEquals(0x3ad6ff35, offer.xid());
        assertEquals(Addresses.parseIpv4("10.0.0.100"), offer.yiaddr());
        assertEquals(SERVER, offer.serverId());
        assertEquals(600, offer.leaseTime());
        assertEquals(Addresses.parseIpv4("10.0.0.53"),
            offer.buffer().getInt(offer.findOption(DhcpOption.DOMAIN_NAME_SERVER), ByteOrder.BIG_ENDIAN));
        final LeaseRecord lease = new LeaseRecord();
        assertTrue(stores.lease(DOMAIN, UDHCPC_MAC, lease));
        assertEquals(LeaseState.OFFERED, lease.state());
    }

    @Test
    void aRequestForTheOfferedAddressIsBoundInTheLeaseStoreAndAcknowledged() throws Exception
    {
        fromVm(capture("udhcpc-discover"));
        final int offered = toVm().yiaddr();
        fromVm(selecting(offered));
        final DhcpPacket ack = toVm();
        assertEquals(DhcpMessageType.ACK, ack.messageType());
        assertEquals(offered, ack.yiaddr());
        final LeaseRecord lease = new LeaseRecord();
        assertTrue(stores.lease(DOMAIN, UDHCPC_MAC, lease));
        assertEquals(LeaseState.BOUND, lease.state());
        assertEquals(offered, lease.ip());
        assertEquals(600, lease.vmLeaseSeconds());
        assertTrue(lease.hostLeaseExpiryMillis() - System.currentTimeMillis() >= 600_000,
            "the host lease outlasts the VM lease, so renewals can be answered on the host");
    }

    @Test
    void aRequestForAnAddressTheServiceDidNotOfferIsNakedAndLeavesNoLease() throws Exception
    {
        fromVm(selecting(Addresses.parseIpv4("10.0.0.150")));
        final DhcpPacket nak = toVm();
        assertEquals(DhcpMessageType.NAK, nak.messageType());
        assertEquals(0, nak.yiaddr());
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()));
    }

    @Test
    void anOfferTheVmNeverRequestedIsSweptFromTheHostStoreAfterAMinute() throws Exception
    {
        fromVm(capture("udhcpc-discover"));
        toVm();
        assertTrue(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()));
        agent.doWork();
        assertTrue(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()), "swept before its time");
        clockOffsetMs = 61_000;
        agent.doWork();
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()));
    }

    @Test
    void anInformIsAnsweredWithTheDomainsOptionsAndNoAddressOrLease() throws Exception
    {
        final UnsafeBuffer inform = capture("udhcpc-request-renewing");
        final FrameView view = new FrameView();
        new FrameClassifier().classify(inform, 0, inform.capacity(), view);
        final DhcpPacket request = new DhcpPacket().wrap(inform, view.payloadOffset(), view.payloadLength());
        inform.putByte(request.findOption(DhcpOption.MESSAGE_TYPE), (byte)DhcpMessageType.INFORM);
        fromVm(inform);
        final DhcpPacket ack = toVm();
        assertEquals(DhcpMessageType.ACK, ack.messageType());
        assertEquals(0, ack.yiaddr());
        assertEquals(-1, ack.findOption(DhcpOption.LEASE_TIME));
        assertEquals(Addresses.parseIpv4("10.0.0.53"),
            ack.buffer().getInt(ack.findOption(DhcpOption.DOMAIN_NAME_SERVER), ByteOrder.BIG_ENDIAN));
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()));
    }

    @Test
    void aReleaseRemovesTheHostsLeaseAndFreesTheAddressForTheNextVm() throws Exception
    {
        fromVm(capture("udhcpc-discover"));
        final int offered = toVm().yiaddr();
        fromVm(selecting(offered));
        toVm();
        final UnsafeBuffer release = capture("udhcpc-release");
        final FrameView view = new FrameView();
        new FrameClassifier().classify(release, 0, release.capacity(), view);
        release.putInt(view.payloadOffset() + DhcpPacket.CIADDR_OFFSET, offered, ByteOrder.BIG_ENDIAN);
        fromVm(release);
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()))
        {
            agent.doWork();
            assertTrue(System.nanoTime() - deadline < 0, "the lease stayed in the host store");
        }
    }

    @Test
    void aRequestThatWaitedInTheRingLongerThanAClientWaitsBeforeRetransmittingIsDroppedUnanswered() throws Exception
    {
        // Queued for an agent that died: by now the client has sent it again.
        fromVm(capture("udhcpc-discover"), System.currentTimeMillis() - HostAgent.STALE_REQUEST_MS - 1_000);
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (counters.vmRequests.get() == 0)
        {
            agent.doWork();
            assertTrue(System.nanoTime() - deadline < 0, "the agent never read the request");
        }
        assertEquals(1, counters.staleRequests.get());
        assertEquals(0, counters.exchangesStarted.get());
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()));

        fromVm(capture("udhcpc-discover"));
        assertEquals(DhcpMessageType.OFFER, toVm().messageType());
        assertEquals(1, counters.staleRequests.get());
    }
}
