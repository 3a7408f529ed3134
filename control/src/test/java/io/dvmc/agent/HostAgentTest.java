package io.dvmc.agent;

import io.dvmc.lab.FreePorts;
import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.exchange.RetryPolicy;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.ipc.TransmitMessage;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.HostLease;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.service.DvmcService;
import io.dvmc.service.ServiceCounters;
import io.dvmc.time.HostTimeBase;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The agent's slow path (patent FIG. 4) against a real dvmc service on loopback, real rings and real lease stores:
 * what the dataplane would hand it, and what it hands back. The service reads a policy file of its own, so a test can
 * change what the service knows (a relay domain, a renumbered subnet) while the agent still routes to it; agent,
 * DVMC client and service share one clock that a test moves forward.
 */
class HostAgentTest
{
    private static final Path CAPTURES = Path.of("..", "protocol", "src", "test", "resources", "captures");
    private static final long UDHCPC_MAC = 0x02DC_0000_0001L;
    private static final int DOMAIN = 100;
    private static final int SERVER = 0x0A00_0001;
    private static final long HOST_LEASE_MS = 2_400_000;

    @TempDir
    Path dir;

    private RingFiles rings;
    private CountersFile countersFile;
    private AgentCounters counters;
    private HostStores stores;
    private DvmcService service;
    private DvmcClient client;
    private HostAgent agent;
    private ServiceLocator locator;
    private Path servicePolicy;
    private FilePolicyStore servicePolicyStore;
    private int servicePort;
    private int standbyPort;
    /** Real time the test lets pass at once, on every clock. */
    private volatile long clockOffsetMs;
    /** How far the host's wall clock was set ahead; no real time passes with it. */
    private volatile long hostWallStepMs;
    private Clock hostWall;
    private NanoClock hostMonotonic;
    private final FrameView view = new FrameView();
    private final DhcpPacket reply = new DhcpPacket();

    @BeforeEach
    void start() throws Exception
    {
        servicePort = FreePorts.udp();
        standbyPort = FreePorts.udp();
        final Path policyFile = dir.resolve("policy.json");
        Files.writeString(policyFile, policy("10.0", "builtin"));
        servicePolicy = dir.resolve("service-policy.json");
        Files.writeString(servicePolicy, policy("10.0", "builtin"));
        final byte[] key = new byte[32];
        final FilePolicyStore policy = new FilePolicyStore(policyFile);
        final Clock serviceClock = clockOf(() -> System.currentTimeMillis() + clockOffsetMs);
        servicePolicyStore = new FilePolicyStore(servicePolicy);
        service = new DvmcService(servicePolicyStore, new InetSocketAddress("127.0.0.1", servicePort), key,
            dir.resolve("service"), serviceClock, () -> System.nanoTime() + clockOffsetMs * 1_000_000L,
            new BackoffIdleStrategy()).start();

        final Path state = dir.resolve("host");
        rings = RingFiles.open(state);
        countersFile = CountersFile.create(state.resolve("agent-counters.dat"), AgentCounters.CAPACITY);
        counters = new AgentCounters(countersFile);
        stores = new HostStores(state, rings.toDataplane(), counters, 1024, 16, Duration.ofSeconds(30));
        stores.open();
        // The host's time base, as the agent and the dataplane open it; the DVMC client's wall clock agrees with the
        // service's.
        hostWall = clockOf(() -> System.currentTimeMillis() + clockOffsetMs + hostWallStepMs);
        hostMonotonic = () -> System.nanoTime() + clockOffsetMs * 1_000_000L;
        final EpochClock clock = HostTimeBase.open(state, "test-boot", hostWall, hostMonotonic).clock();
        locator = new ServiceLocator(policy, clock, 30_000, counters);
        agent = new HostAgent(rings.toAgent(), rings.toDataplane(), stores, locator, policy, counters, clock, 16);
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 1, DvmcClient.DEFAULT_CAPACITY,
            RetryPolicy.DEFAULT, new Authenticator(key), () -> System.currentTimeMillis() + clockOffsetMs,
            hostMonotonic, agent);
        agent.client(client);
    }

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(client, stores, service, rings, countersFile);
    }

    private static Clock clockOf(final LongSupplier millis)
    {
        return new Clock()
        {
            public ZoneId getZone()
            {
                return ZoneOffset.UTC;
            }

            public Clock withZone(final ZoneId zone)
            {
                return this;
            }

            public Instant instant()
            {
                return Instant.ofEpochMilli(millis());
            }

            public long millis()
            {
                return millis.getAsLong();
            }
        };
    }

    /** Domain 100 on {@code prefix}.0.0/24 in {@code mode}; its services: this test's, then a standby. */
    private String policy(final String prefix, final String mode)
    {
        return """
            { "domains": [ { "id": 100, "name": "blue", "subnet": "%1$s.0.0/24", "router": "%1$s.0.1",
              "pools": [ { "start": "%1$s.0.100", "end": "%1$s.0.101" } ], "dns": [ "%1$s.0.53" ], "mtu": 1450,
              "leaseSeconds": 600, "hostLeaseSeconds": %2$d, "mode": "%3$s", "relayServers": [ "%1$s.0.2" ],
              "relayAddress": "%1$s.0.3",
              "services": [ "127.0.0.1:%4$d", "127.0.0.1:%5$d" ] } ] }
            """.formatted(prefix, HOST_LEASE_MS / 1000, mode, servicePort, standbyPort);
    }

    /** Changes what the service knows of domain 100; the agent's policy stays as it was. */
    private void servicePolicy(final String prefix, final String mode) throws Exception
    {
        servicePolicy(policy(prefix, mode));
    }

    private void servicePolicy(final String json) throws Exception
    {
        Files.writeString(servicePolicy, json);
        servicePolicyStore.reload();
        assertTrue(servicePolicyStore.lastError().isEmpty(), () -> servicePolicyStore.lastError().orElseThrow());
    }

    /**
     * Runs the agent until {@code done}, then a little longer for a reply that should not come; returns how many
     * frames it handed the dataplane meanwhile.
     */
    private int runUntil(final BooleanSupplier done, final String what)
    {
        final int[] sent = new int[1];
        final MessageHandler count = (type, buffer, index, length) -> {
            if (type == RingMessages.TRANSMIT)
            {
                sent[0]++;
            }
        };
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean())
        {
            agent.doWork();
            rings.toDataplane().read(count);
            assertTrue(System.nanoTime() - deadline < 0, "not within 20 s: " + what);
        }
        final long after = System.nanoTime() + Duration.ofMillis(300).toNanos();
        while (System.nanoTime() - after < 0)
        {
            agent.doWork();
            rings.toDataplane().read(count);
        }
        return sent[0];
    }

    /** The VM's DISCOVER and SELECTING REQUEST: it is bound, in the service and in the host store. */
    private int bindVm() throws Exception
    {
        fromVm(capture("udhcpc-discover"));
        final int offered = toVm().yiaddr();
        fromVm(selecting(offered));
        assertEquals(DhcpMessageType.ACK, toVm().messageType());
        return offered;
    }

    /** A real RENEWING REQUEST from the bound address. */
    private static UnsafeBuffer renewing(final int address) throws Exception
    {
        final UnsafeBuffer frame = capture("udhcpc-request-renewing");
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, frame.capacity(), view);
        frame.putInt(view.payloadOffset() + DhcpPacket.CIADDR_OFFSET, address, ByteOrder.BIG_ENDIAN);
        return frame;
    }

    private LeaseRecord hostLease()
    {
        final LeaseRecord lease = new LeaseRecord();
        assertTrue(stores.lease(DOMAIN, UDHCPC_MAC, lease), "no host lease");
        return lease;
    }

    private void fromVm(final UnsafeBuffer frame)
    {
        fromVm(frame, System.currentTimeMillis() + clockOffsetMs);
    }

    private void fromVm(final UnsafeBuffer frame, final long receivedMillis)
    {
        fromVm(frame, receivedMillis, 2);
    }

    /** A frame from the VM whose id is (1, {@code vmLsb}), as the dataplane's binding of its port and MAC says. */
    private void fromVm(final UnsafeBuffer frame, final long receivedMillis, final long vmLsb)
    {
        final int index = rings.toAgent().tryClaim(RingMessages.DHCP_REQUEST,
            DhcpRequestMessage.FRAME_OFFSET + frame.capacity());
        DhcpRequestMessage.write(rings.toAgent().buffer(), index, 3, 0, DOMAIN, 1, vmLsb, receivedMillis,
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
            rings.toDataplane().read((type, buffer, index, length) -> {
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

    static UnsafeBuffer capture(final String name) throws Exception
    {
        return new UnsafeBuffer(Files.readAllBytes(CAPTURES.resolve(name + ".bin")));
    }

    /** A real SELECTING REQUEST, re-aimed at the address and server of this test's offer. */
    /** udhcpc's SELECTING request turned INIT-REBOOT: no server id (option 54 made an unknown 224). */
    private static UnsafeBuffer initReboot(final int address) throws Exception
    {
        final UnsafeBuffer frame = selecting(address);
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, frame.capacity(), view);
        final DhcpPacket request = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
        frame.putByte(request.findOption(DhcpOption.SERVER_ID) - 2, (byte)224);
        return frame;
    }

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
    void aVmAlternatingDeclineAndDiscoverIsHeldToOneDeclinePerIntervalAndOtherVmsAreStillServed() throws Exception
    {
        final long[] nanos = {0};
        limitedAgent(HostConfig.Limits.DEFAULT, () -> nanos[0]);
        // An address the VM was never given: the service quarantines nothing, so the pool of two stays free.
        final int declined = Addresses.parseIpv4("10.0.0.200");
        for (int i = 0; i < 10; i++)
        {
            fromVm(declining(declined));
            fromVm(capture("udhcpc-discover"));
            runUntil(() -> true, "the ring drained");
        }
        // Three DECLINEs at once (the burst), then none until an interval has passed; the DISCOVERs go on.
        assertEquals(7, counters.rateLimited(RequestLimits.DECLINE).get());
        assertEquals(0, counters.rateLimited(RequestLimits.VM).get());

        nanos[0] += Duration.ofSeconds(10).toNanos();
        fromVm(declining(declined));
        runUntil(() -> true, "the ring drained");
        assertEquals(7, counters.rateLimited(RequestLimits.DECLINE).get());

        fromVm(withMac(capture("udhcpc-discover"), UDHCPC_MAC + 1));
        assertEquals(DhcpMessageType.OFFER, toVm().messageType());
    }

    @Test
    void aVmBeyondItsRequestRateIsDroppedUnansweredAndServedAgainOnceItsBucketRefills() throws Exception
    {
        final long[] nanos = {0};
        limitedAgent(new HostConfig.Limits(1.0, 2, 1000.0, 1000, 10, 3), () -> nanos[0]);
        fromVm(capture("udhcpc-discover"));
        final int offered = toVm().yiaddr();
        fromVm(capture("udhcpc-release"));
        fromVm(capture("udhcpc-discover"));
        runUntil(() -> true, "the ring drained");
        assertEquals(1, counters.rateLimited(RequestLimits.VM).get());

        nanos[0] += Duration.ofSeconds(1).toNanos();
        fromVm(selecting(offered));
        assertEquals(DhcpMessageType.ACK, toVm().messageType());
    }

    @Test
    void aPortBeyondItsRateDropsNewExchangesOfEveryVmBehindIt() throws Exception
    {
        final long[] nanos = {0};
        limitedAgent(new HostConfig.Limits(100.0, 100, 1.0, 3, 10, 3), () -> nanos[0]);
        for (int vm = 0; vm < 5; vm++)
        {
            fromVm(withMac(capture("udhcpc-discover"), UDHCPC_MAC + vm));
        }
        runUntil(() -> true, "the ring drained");
        assertEquals(2, counters.rateLimited(RequestLimits.PORT).get());
    }

    /** The fixture's agent, with these limits and this monotonic clock. */
    private void limitedAgent(final HostConfig.Limits limits, final NanoClock nanos) throws Exception
    {
        client.close();
        final EpochClock clock = () -> System.currentTimeMillis() + clockOffsetMs;
        agent = new HostAgent(rings.toAgent(), rings.toDataplane(), stores, locator,
            new FilePolicyStore(dir.resolve("policy.json")), counters, clock, 16, new RequestLimits(limits, nanos));
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 1, new Authenticator(new byte[32]), clock,
            agent);
        agent.client(client);
    }

    @Test
    void aFullHostLeaseStoreLeavesTheNextVmUnansweredAndCountedAndServesItOnceOffersExpire() throws Exception
    {
        // More addresses at the service than the host store holds.
        servicePolicy(policy("10.0", "builtin").replace("\"end\": \"10.0.0.101\"", "\"end\": \"10.0.0.250\""));
        agentWithLeaseStoreOf(64);
        long mac = UDHCPC_MAC;
        int answered = 0;
        while (counters.leaseStoreFull.get() == 0)
        {
            assertTrue(answered < 240, "the store of 64 leases took " + answered + " offers");
            answered += offerRound(mac++);
        }
        final long refused = mac - 1;
        assertEquals(refused - UDHCPC_MAC, answered, "every VM before the full store was offered an address");
        assertEquals(0, counters.errors.get());

        assertEquals(0, offerRound(refused), "still full: the VM's retransmission is not answered either");
        assertEquals(2, counters.leaseStoreFull.get());

        // The offers noted in the store run out after a minute; the agent sweeps them and has room again.
        clockOffsetMs = 61_000;
        agent.doWork();
        while (stores.sweeping())
        {
            agent.doWork();
        }
        assertEquals(1, offerRound(refused), "the VM is served once the store has room");
        final LeaseRecord lease = new LeaseRecord();
        assertTrue(stores.lease(DOMAIN, refused, lease));
        assertEquals(LeaseState.OFFERED, lease.state());
    }

    @Test
    void aFullExchangeTableRefusesANewVmButFoldsTheRetransmissionOfAVmWhoseExchangeIsInFlight() throws Exception
    {
        // A service that does not answer (yet): the 16 exchanges of the fixture's table stay in flight.
        service.close();
        for (int vm = 0; vm <= 16; vm++)
        {
            fromVm(withMac(capture("udhcpc-discover"), UDHCPC_MAC + vm));
        }
        agent.doWork();
        assertEquals(16, counters.exchangesStarted.get());
        assertEquals(1, counters.exchangesFull.get(), "the 17th VM finds no slot");

        fromVm(withMac(capture("udhcpc-discover"), UDHCPC_MAC));
        agent.doWork();
        assertEquals(1, counters.exchangesFull.get(), "a retransmission joins its exchange in flight");
    }

    /** A DISCOVER from {@code mac}, run until the service's OFFER is handled; returns the frames the VM was sent. */
    private int offerRound(final long mac) throws Exception
    {
        final long offers = counters.offers.get() + 1;
        fromVm(withMac(capture("udhcpc-discover"), mac));
        final int[] sent = new int[1];
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (counters.offers.get() < offers)
        {
            agent.doWork();
            rings.toDataplane().read((type, buffer, index, length) -> sent[0] += type == RingMessages.TRANSMIT ? 1 : 0);
            assertTrue(System.nanoTime() - deadline < 0, "no OFFER from the service within 20 s");
        }
        rings.toDataplane().read((type, buffer, index, length) -> sent[0] += type == RingMessages.TRANSMIT ? 1 : 0);
        return sent[0];
    }

    /** The fixture's agent over a host lease store of {@code capacity} (replacing the fixture's store). */
    private void agentWithLeaseStoreOf(final long capacity) throws Exception
    {
        client.close();
        stores.close();
        final Path state = dir.resolve("host");
        stores = new HostStores(state, rings.toDataplane(), counters, capacity, 16, Duration.ofSeconds(30));
        stores.open();
        final EpochClock clock = HostTimeBase.open(state, "test-boot", hostWall, hostMonotonic).clock();
        agent = new HostAgent(rings.toAgent(), rings.toDataplane(), stores, locator,
            new FilePolicyStore(dir.resolve("policy.json")), counters, clock, 16);
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 1, DvmcClient.DEFAULT_CAPACITY,
            RetryPolicy.DEFAULT, new Authenticator(new byte[32]), () -> System.currentTimeMillis() + clockOffsetMs,
            hostMonotonic, agent);
        agent.client(client);
    }

    /** A real SELECTING REQUEST turned into the DHCPDECLINE of {@code address} (RFC 2131 §4.4.1: option 50). */
    private static UnsafeBuffer declining(final int address) throws Exception
    {
        final UnsafeBuffer frame = selecting(address);
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, frame.capacity(), view);
        final DhcpPacket request = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
        frame.putByte(request.findOption(DhcpOption.MESSAGE_TYPE), (byte)DhcpMessageType.DECLINE);
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
    void aRequestForAnAddressOtherThanTheOneOfferedIsNakedAndLeavesNoLease() throws Exception
    {
        fromVm(capture("udhcpc-discover"));
        assertEquals(Addresses.parseIpv4("10.0.0.100"), toVm().yiaddr());
        fromVm(selecting(Addresses.parseIpv4("10.0.0.150")));
        final DhcpPacket nak = toVm();
        assertEquals(DhcpMessageType.NAK, nak.messageType());
        assertEquals(0, nak.yiaddr());
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()));
        assertEquals(1, counters.nak(DvmcStatus.REASON_WRONG_ADDRESS).get());
    }

    @Test
    void aRenewalFromAnAddressOutsideTheDomainsSubnetIsNakedAndTheHostLeaseRemoved() throws Exception
    {
        bindVm();
        fromVm(renewing(Addresses.parseIpv4("10.7.0.100")));
        assertEquals(DhcpMessageType.NAK, toVm().messageType());
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()));
        assertEquals(1, counters.nak(DvmcStatus.REASON_OUTSIDE_SUBNET).get());
    }

    @Test
    void aSelectingRequestForAnotherServerIsUnansweredAndTheOfferIsFreedOnTheServiceAndTheHost() throws Exception
    {
        fromVm(capture("udhcpc-discover"));
        final int offered = toVm().yiaddr();
        assertEquals(LeaseState.OFFERED, hostLease().state());

        // The real capture: udhcpc chose the offer of 192.0.2.1, not this domain's server.
        fromVm(capture("udhcpc-request-selecting"));
        assertEquals(0, runUntil(() -> counters.nak(DvmcStatus.REASON_WRONG_SERVER).get() == 1, "the decline"),
            "RFC 2131 §4.3.2: nothing goes to the VM");
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()), "the offer is still noted on the host");

        final UnsafeBuffer otherVm = withMac(capture("udhcpc-discover"), 0x02DC_0000_000AL);
        fromVm(otherVm, System.currentTimeMillis() + clockOffsetMs, 3);
        assertEquals(offered, toVm().yiaddr(), "the declined offer is back in the pool");
    }

    @Test
    void anInitRebootForAnAddressOfTheSubnetFromAClientTheServiceDoesNotKnowIsUnanswered() throws Exception
    {
        final UnsafeBuffer reboot = capture("dhclient-request-init-reboot");
        final FrameView view = new FrameView();
        new FrameClassifier().classify(reboot, 0, reboot.capacity(), view);
        final DhcpPacket request = new DhcpPacket().wrap(reboot, view.payloadOffset(), view.payloadLength());
        reboot.putInt(request.findOption(DhcpOption.REQUESTED_IP), Addresses.parseIpv4("10.0.0.101"),
            ByteOrder.BIG_ENDIAN);

        fromVm(reboot);

        assertEquals(0, runUntil(() -> counters.nak(DvmcStatus.REASON_NO_LEASE).get() == 1, "the service's answer"),
            "RFC 2131 §4.3.2: no record of the client, no DHCPNAK");
    }

    @Test
    void anInitRebootForAnotherAddressFromABoundClientIsNaked() throws Exception
    {
        bindVm();
        final UnsafeBuffer reboot = capture("udhcpc-request-selecting");
        final FrameView view = new FrameView();
        new FrameClassifier().classify(reboot, 0, reboot.capacity(), view);
        final DhcpPacket request = new DhcpPacket().wrap(reboot, view.payloadOffset(), view.payloadLength());
        reboot.putInt(request.findOption(DhcpOption.REQUESTED_IP), Addresses.parseIpv4("10.0.0.101"),
            ByteOrder.BIG_ENDIAN);
        reboot.putByte(request.findOption(DhcpOption.SERVER_ID) - 2, (byte)224); // INIT-REBOOT: no server id

        fromVm(reboot);

        assertEquals(DhcpMessageType.NAK, toVm().messageType());
        assertEquals(1, counters.nak(DvmcStatus.REASON_WRONG_ADDRESS).get());
    }

    @Test
    void anInitRebootTheServiceHoldsNoLeaseForIsLeftUnansweredAndCounted() throws Exception
    {
        // RFC 2131 §4.3.2: a server with no record of the client remains silent.
        fromVm(initReboot(Addresses.parseIpv4("10.0.0.150")));
        assertEquals(0, runUntil(() -> counters.nak(DvmcStatus.REASON_NO_LEASE).get() == 1, "the NAK"));
        assertEquals(1, counters.naks.get());
    }

    @Test
    void aSelectingRequestNamingTheServerForAFreeAddressItNeverOfferedIsAcknowledged() throws Exception
    {
        // RFC 2131 §3.1 (4): the client chose this server (its offer expired, say); the server answers.
        fromVm(selecting(Addresses.parseIpv4("10.0.0.101")));

        final DhcpPacket ack = toVm();
        assertEquals(DhcpMessageType.ACK, ack.messageType());
        assertEquals(Addresses.parseIpv4("10.0.0.101"), ack.yiaddr());
    }

    @Test
    void aBootRequestIsBoundAtTheServiceAndInTheHostStoreWithAnInfiniteVmLeaseAndAnsweredWithABootReply()
        throws Exception
    {
        fromVm(bootRequest());

        final DhcpPacket bootReply = toVm();
        assertEquals(DhcpPacket.BOOTREPLY, bootReply.op());
        assertEquals(DhcpMessageType.BOOTP, bootReply.messageType());
        assertFalse(bootReply.hasMagicCookie(), "the request had no cookie");
        final LeaseRecord lease = hostLease();
        assertEquals(LeaseState.BOUND, lease.state());
        assertEquals(bootReply.yiaddr(), lease.ip());
        assertEquals(HostLease.INFINITE, lease.vmLeaseSeconds());
        assertEquals(1, counters.bootpReplies.get());
    }

    @Test
    void theHostLeaseOfABootpClientIsRefreshedAsBootpSoItKeepsItsLongLease() throws Exception
    {
        fromVm(bootRequest());
        final int bound = toVm().yiaddr();
        final long bootpLeaseMs = hostLease().hostLeaseExpiryMillis() - (System.currentTimeMillis() + clockOffsetMs);
        assertTrue(bootpLeaseMs > HOST_LEASE_MS, "a BOOTP client's host lease, " + bootpLeaseMs + " ms");

        clockOffsetMs = bootpLeaseMs / 2 + 1_000;
        runUntil(() -> counters.refreshesAcked.get() == 1, "the refresh");

        final long left = hostLease().hostLeaseExpiryMillis() - (System.currentTimeMillis() + clockOffsetMs);
        assertTrue(left > bootpLeaseMs - 10_000, "host lease " + left + " ms from now after the refresh");
        assertEquals(bound, hostLease().ip());
        assertEquals(HostLease.INFINITE, hostLease().vmLeaseSeconds());
    }

    @Test
    void aBootRequestInADomainTheServiceCannotServeIsNotAnswered() throws Exception
    {
        servicePolicy("10.0", "relay");

        fromVm(bootRequest());

        assertEquals(0, runUntil(() -> counters.nak(DvmcStatus.REASON_NOT_SUPPORTED).get() == 1, "the NAK"),
            "something went to the BOOTP client");
    }

    /** udhcpc's DISCOVER as an RFC 951 client would send it: no cookie, so no option 53, the vend field zero. */
    private static UnsafeBuffer bootRequest() throws Exception
    {
        final UnsafeBuffer frame = capture("udhcpc-discover");
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, frame.capacity(), view);
        assertTrue(view.payloadLength() >= DhcpPacket.MIN_BOOTP_LENGTH);
        frame.setMemory(view.payloadOffset() + DhcpPacket.MAGIC_COOKIE_OFFSET,
            view.payloadLength() - DhcpPacket.MAGIC_COOKIE_OFFSET, (byte)0);
        return frame;
    }

    @Test
    void aServiceThatCannotServeTheDomainsModeLeavesTheBoundVmUnansweredWithItsHostLeaseAndMovesTheDomain()
        throws Exception
    {
        final int bound = bindVm();
        final long expiry = hostLease().hostLeaseExpiryMillis();
        servicePolicy("10.0", "relay");

        fromVm(renewing(bound));
        assertEquals(0, runUntil(() -> counters.nak(DvmcStatus.REASON_NOT_SUPPORTED).get() == 1, "the NAK"),
            "a DHCPNAK (or anything) went to the VM");
        final LeaseRecord lease = hostLease();
        assertEquals(LeaseState.BOUND, lease.state());
        assertEquals(bound, lease.ip());
        assertEquals(expiry, lease.hostLeaseExpiryMillis());
        assertEquals(new InetSocketAddress("127.0.0.1", standbyPort), locator.locate(DOMAIN),
            "the VM's retransmission goes to the domain's next service");
    }

    @Test
    void aServiceThatDoesNotKnowTheDomainLeavesTheBoundVmUnansweredWithItsHostLease() throws Exception
    {
        final int bound = bindVm();
        servicePolicy("{ \"domains\": [] }");

        fromVm(renewing(bound));
        assertEquals(0, runUntil(() -> counters.nak(DvmcStatus.REASON_UNKNOWN_DOMAIN).get() == 1, "the NAK"),
            "a DHCPNAK (or anything) went to the VM");
        assertEquals(bound, hostLease().ip());
        assertEquals(LeaseState.BOUND, hostLease().state());
    }

    @Test
    void theHostLeaseOfABoundVmIsRefreshedAtAboutHalfItsLifeSoTheServiceStillHoldsItAfterTheFirstHostLease()
        throws Exception
    {
        final int bound = bindVm();
        final long expiry = hostLease().hostLeaseExpiryMillis();

        clockOffsetMs = HOST_LEASE_MS / 2 - 60_000;
        runUntil(() -> true, "nothing");
        assertEquals(0, counters.refreshesSent.get(), "refreshed before half of its life");
        assertEquals(expiry, hostLease().hostLeaseExpiryMillis());

        clockOffsetMs = HOST_LEASE_MS / 2 + 1_000;
        runUntil(() -> counters.refreshesAcked.get() == 1, "the refresh");
        final long refreshed = hostLease().hostLeaseExpiryMillis();
        final long now = System.currentTimeMillis() + clockOffsetMs;
        assertTrue(refreshed > now + HOST_LEASE_MS - 10_000 && refreshed <= now + HOST_LEASE_MS,
            "host lease " + (refreshed - now) + " ms from now after the refresh");
        assertEquals(1, counters.refreshesSent.get());

        // Past the first host lease: the service has swept what it did not renew, the host still serves the VM.
        clockOffsetMs = HOST_LEASE_MS + 60_000;
        runUntil(() -> true, "the sweeps");
        fromVm(renewing(bound));
        final DhcpPacket ack = toVm();
        assertEquals(DhcpMessageType.ACK, ack.messageType());
        assertEquals(bound, ack.yiaddr());
        assertEquals(600, ack.leaseTime());
    }

    @Test
    void aRelayDomainsHostLeaseIsNotRefreshedOnTheVmsBehalfSinceItsLeaseIsTheTenantServers() throws Exception
    {
        bindVm();
        final DomainRecord relay = new DomainRecord();
        assertTrue(stores.domain(DOMAIN, relay));
        stores.putDomain(relay.flags(DomainRecord.FLAG_RELAY).version(relay.version() + 1).seal());

        clockOffsetMs = HOST_LEASE_MS / 2 + 1_000;
        runUntil(() -> true, "the lease's refresh time");
        clockOffsetMs += LeaseRefresher.RETRY_MS;
        runUntil(() -> true, "a retry's time");
        assertEquals(0, counters.refreshesSent.get(), "a refresh the tenant server would not know the VM from");
    }

    @Test
    void aRefreshTheServiceRefusesBecauseTheSubnetWasRenumberedRemovesTheHostLease() throws Exception
    {
        bindVm();
        servicePolicy("10.20", "builtin");
        clockOffsetMs = HOST_LEASE_MS / 2 + 1_000;
        assertEquals(0, runUntil(() -> counters.refreshesWithdrawn.get() == 1, "the withdrawal"));
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()),
            "the fast path would go on answering with an address of the old subnet");
        assertEquals(1, counters.nak(DvmcStatus.REASON_OUTSIDE_SUBNET).get());
    }

    @Test
    void aRefreshTheServiceHoldsNoRecordOfRemovesTheHostLeaseSoTheFastPathStopsAnsweringForIt() throws Exception
    {
        bindVm();
        // The service lost the lease (its state was replaced): the address may go to another VM.
        service.close();
        clockOffsetMs = HOST_LEASE_MS / 2 + 1_000;
        service = new DvmcService(servicePolicyStore, new InetSocketAddress("127.0.0.1", servicePort), new byte[32],
            dir.resolve("service-replaced"), Clock.offset(Clock.systemUTC(), Duration.ofMillis(clockOffsetMs)),
            new BackoffIdleStrategy()).start();

        assertEquals(0, runUntil(() -> counters.refreshesWithdrawn.get() == 1, "the withdrawal"));
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()),
            "the fast path would go on answering for an address the service may give to another VM");
        assertEquals(1, counters.nak(DvmcStatus.REASON_NO_LEASE).get());
    }

    @Test
    void aRefreshThatMeetsAServiceFaultKeepsTheHostLeaseAndMovesTheDomainToItsNextService() throws Exception
    {
        final int bound = bindVm();
        final long expiry = hostLease().hostLeaseExpiryMillis();
        servicePolicy("10.0", "relay");
        clockOffsetMs = HOST_LEASE_MS / 2 + 1_000;
        runUntil(() -> counters.refreshesFailed.get() == 1, "the failed refresh");
        assertEquals(bound, hostLease().ip());
        assertEquals(expiry, hostLease().hostLeaseExpiryMillis());
        assertEquals(0, counters.refreshesAcked.get());
        assertEquals(new InetSocketAddress("127.0.0.1", standbyPort), locator.locate(DOMAIN));
    }

    @Test
    void noRefreshIsSentWhileTheVmsOwnExchangeIsInFlightAndAnUnansweredRefreshKeepsTheHostLease() throws Exception
    {
        final int bound = bindVm();
        final long expiry = hostLease().hostLeaseExpiryMillis();
        service.close();
        fromVm(renewing(bound));
        runUntil(() -> counters.exchangesStarted.get() == 3, "the VM's renewal");

        clockOffsetMs = HOST_LEASE_MS / 2 + 1_000;
        runUntil(() -> true, "a walk of the leases");
        assertEquals(0, counters.refreshesSent.get(), "a refresh beside the VM's own exchange");

        // Moving the clock on runs the retransmissions: the VM's exchange, then the refresh, time out.
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (counters.refreshesFailed.get() == 0)
        {
            clockOffsetMs += 1_000;
            agent.doWork();
            assertTrue(System.nanoTime() - deadline < 0, "the refresh never timed out");
        }
        assertEquals(bound, hostLease().ip());
        assertEquals(expiry, hostLease().hostLeaseExpiryMillis());
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
        // The sweep goes a few segments a duty cycle, between the agent's other work.
        while (stores.sweeping())
        {
            agent.doWork();
        }
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
    void aForwardStepOfTheHostsWallClockNeitherDropsTheRequestsWaitingForTheAgentNorEndsTheHostLeases()
        throws Exception
    {
        final int bound = bindVm();
        // Stamped by the dataplane, on the host's time base, just before the step.
        final long queuedAt = HostTimeBase.open(dir.resolve("host"), "test-boot", hostWall, hostMonotonic).clock()
            .time();

        hostWallStepMs = 3_600_000;
        fromVm(capture("udhcpc-discover"), queuedAt);

        assertEquals(bound, toVm().yiaddr());
        assertEquals(0, counters.staleRequests.get());
        final LeaseRecord lease = new LeaseRecord();
        assertTrue(stores.lease(DOMAIN, UDHCPC_MAC, lease), "the host lease (40 min) still runs");
        assertEquals(LeaseState.BOUND, lease.state());
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

    @Test
    void theHostNameAVmSendsReachesTheServiceWithItsLease() throws Exception
    {
        bindVm();

        assertEquals("vm-udhcpc", service.hostName(DOMAIN, UDHCPC_MAC), "udhcpc's option 12, recorded by the service");
    }

    @Test
    void aVmThatComesBackWithAnotherMacAndItsClientIdentifierIsOfferedItsAddressButAnotherVmIsNot() throws Exception
    {
        final int bound = bindVm();
        // udhcpc's client identifier (61) stays 01 02:dc:00:00:00:01 while the NIC's MAC changes.
        final UnsafeBuffer newMac = withMac(capture("udhcpc-discover"), 0x02DC_0000_0009L);

        fromVm(newMac, System.currentTimeMillis() + clockOffsetMs, 2);
        assertEquals(bound, toVm().yiaddr(), "RFC 2131 §4.2: within its VM the client identifier names the client");

        final UnsafeBuffer otherVm = withMac(capture("udhcpc-discover"), 0x02DC_0000_000AL);
        fromVm(otherVm, System.currentTimeMillis() + clockOffsetMs, 3);
        final int other = toVm().yiaddr();
        assertTrue(other != bound && other != 0, "another VM with the same client identifier got " +
            Addresses.ipv4(other));
    }

    /** The frame from another NIC: Ethernet source and chaddr changed, the options (61 included) kept. */
    static UnsafeBuffer withMac(final UnsafeBuffer frame, final long mac)
    {
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, frame.capacity(), view);
        for (final int at : new int[]{6, view.payloadOffset() + DhcpPacket.CHADDR_OFFSET})
        {
            frame.putShort(at, (short)(mac >>> 32), ByteOrder.BIG_ENDIAN);
            frame.putInt(at + 2, (int)mac, ByteOrder.BIG_ENDIAN);
        }
        return frame;
    }

    @Test
    void anOperatorsDropOnTheHostEndsAHostLeaseAServiceRestartedSinceTheHostSpokeCouldNotRevoke() throws Exception
    {
        final int bound = bindVm();
        agent.leaseRequests(dir.resolve("host"));
        final Path hostConfig = dir.resolve("host.json");
        Files.writeString(hostConfig, Files.readString(Path.of("..", "deploy", "examples", "host.json"))
            .replace("/var/lib/dvmc/host", dir.resolve("host").toString()));
        service.close();
        service = new DvmcService(servicePolicyStore, new InetSocketAddress("127.0.0.1", servicePort), new byte[32],
            dir.resolve("service"), Clock.systemUTC(), new BackoffIdleStrategy()).start();

        assertEquals(0, new picocli.CommandLine(new io.dvmc.cli.Dvmc()).execute("ctl", "lease", "release",
            "--state-dir", dir.resolve("service").toString(), Addresses.mac(UDHCPC_MAC)));
        assertEquals(1, service.counters().get(ServiceCounters.Counter.REVOKES_UNSENT),
            "the service knows no key of the host's yet");
        assertEquals(0, service.counters().get(ServiceCounters.Counter.REVOKES_SENT));
        assertTrue(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()), "the host lease waits for its refresh");
        final int[] exit = {-1};
        final Thread drop = new Thread(() -> exit[0] = new picocli.CommandLine(new io.dvmc.cli.Dvmc()).execute("ctl",
            "host-lease", "drop", "--config", hostConfig.toString(), Addresses.ipv4(bound)));
        drop.start();
        runUntil(() -> exit[0] >= 0, "the agent's answer to the drop");
        drop.join();

        assertEquals(0, exit[0]);
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()), "the fast path still has the host lease");
        // The VM's renewal now reaches the service, which has no lease of it: silence (RFC 2131 §4.3.2).
        fromVm(renewing(bound));
        assertEquals(0, runUntil(() -> counters.nak(DvmcStatus.REASON_NO_LEASE).get() == 1, "the service's NAK"),
            "a DHCPNAK (or anything) went to the VM");
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()), "the host lease came back");
    }

    @Test
    void anOperatorsReleaseAtTheServiceRemovesTheHostLeaseAtOnceSoTheFastPathStopsAnsweringWithoutARefresh()
        throws Exception
    {
        final int bound = bindVm();

        assertEquals(0, new picocli.CommandLine(new io.dvmc.cli.Dvmc()).execute("ctl", "lease", "release",
            "--state-dir", dir.resolve("service").toString(), Addresses.ipv4(bound)));

        assertEquals(0, runUntil(() -> counters.revokes.get() == 1, "the service's REVOKE"),
            "the REVOKE itself sends the VM nothing");
        assertFalse(stores.lease(DOMAIN, UDHCPC_MAC, new LeaseRecord()), "the fast path still has the host lease");
        assertEquals(1, service.counters().get(ServiceCounters.Counter.REVOKES_SENT));
        assertEquals(0, counters.refreshesWithdrawn.get(), "no refresh was needed");
        // The VM's renewal now reaches the service, which has no lease of it: silence (RFC 2131 §4.3.2).
        fromVm(renewing(bound));
        assertEquals(0, runUntil(() -> counters.nak(DvmcStatus.REASON_NO_LEASE).get() == 1, "the service's NAK"),
            "a DHCPNAK (or anything) went to the VM");
    }
}
