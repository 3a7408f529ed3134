package io.dvmc.dataplane;

import io.dvmc.bindings.shim.dvmc_mbuf_layout;
import io.dvmc.bindings.shim.dvmc_shim_h;
import io.dvmc.config.HostConfig;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.OptionWriter;
import io.dvmc.frame.Checksums;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.ipc.BindingMessage;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.LeaseChanges;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.ipc.TransmitMessage;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseStore;
import io.dvmc.port.Mbufs;
import io.dvmc.wake.SharedDoorbell;
import io.dvmc.wake.WaitSet;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.dvmc.relay.RelayLinks;
import io.dvmc.relay.RelayedClient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DHCP worker's fast path on its real parts (Chronicle Map stores, Agrona queues and rings, the codec), fed a
 * real udhcpc renewal through an mbuf laid out as DPDK's, without an EAL: the ACK is written into the mbuf, and a
 * renewal costs no allocation.
 */
class DhcpWorkerTest
{
    private static final Path CAPTURES = Path.of("..", "protocol", "src", "test", "resources", "captures");
    private static final long MAC = 0x02DC_0000_0001L;
    private static final int IP = 0xC000_0293;
    private static final int SERVER = 0xC000_0201;
    private static final int DOMAIN = 100;
    private static final int RELAY_PORT = 1;
    private static final long RELAY_MAC = 0x0252_0000_0001L;
    private static final int GIADDR = 0x0A00_0102;

    @TempDir
    Path dir;

    private final Arena arena = Arena.ofShared();
    private LeaseStore leases;
    private DomainStore domains;
    private RingFiles rings;
    private CountersFile countersFile;
    private StoreAccess stores;
    private DataplaneCounters counters;
    private List<HostConfig.Binding> boundVms;
    private DhcpWorker worker;
    private final FrameQueue toWorker = FrameQueue.oneToOne(64);
    private final FrameQueue txQueue = FrameQueue.manyToOne(64);
    private byte[] renewal;
    private long mbuf;

    @BeforeEach
    void start() throws Exception
    {
        renewal = Files.readAllBytes(CAPTURES.resolve("udhcpc-request-renewing.bin"));
        final long now = System.currentTimeMillis();
        leases = LeaseStore.openWriter(dir.resolve(LeaseStore.FILE), 1024);
        domains = DomainStore.openWriter(dir.resolve(StoreAccess.DOMAINS_FILE), 16);
        leases.put(DOMAIN, MAC, new LeaseRecord().clear().ip(IP).state(LeaseState.BOUND).vmLeaseSeconds(600)
            .hostLeaseExpiryMillis(now + 2_400_000).vmLeaseExpiryMillis(now + 600_000).seal());
        putDomain(1, 0xC000_0235);

        rings = RingFiles.open(dir, 64 * 1024);
        countersFile = CountersFile.create(dir.resolve("counters.dat"), 128);
        counters = new DataplaneCounters(countersFile, List.of("vm1"));
        stores = new StoreAccess(dir, countersFile.newCounter("store_handovers", "hand-overs", CounterTypes.DATAPLANE));
        boundVms = List.of(
            new HostConfig.Binding("vm1", 0, "02:dc:00:00:00:01", DOMAIN, "6f1c1d2e-0000-4000-8000-000000000001"));
        final PortBindings bindings = new PortBindings(boundVms, Map.of("vm1", 0));
        final AtomicReferenceArray<RelayLinks> relays = new AtomicReferenceArray<>(PortTable.MAX_PORTS);
        relays.set(RELAY_PORT, new RelayLinks(new HostConfig.Relay("10.9.0.1", null,
            List.of(new HostConfig.Link("10.0.1.0/24", DOMAIN), new HostConfig.Link("192.0.2.0/24", DOMAIN)),
            List.of())));
        worker = new DhcpWorker(toWorker, txQueue, rings.toAgent(), rings.toDataplane(), bindings,
            new java.util.concurrent.ConcurrentLinkedQueue<>(), new java.util.concurrent.atomic.AtomicIntegerArray(
                new int[]{-1, -1}),
            relays, stores, null, counters, SystemEpochClock.INSTANCE);
        stores.onReady();
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (!stores.isOpen())
        {
            worker.doWork();
            assertTrue(System.nanoTime() - deadline < 0, "the stores did not open");
        }
        mbuf = fakeMbuf();
    }

    /** The domain's record as the agent writes it: a new version for every change. */
    private void putDomain(final int version, final int dnsServer)
    {
        final UnsafeBuffer options = new UnsafeBuffer(new byte[64]);
        final OptionWriter writer = new OptionWriter().wrap(options, 0, options.capacity());
        writer.putInt(DhcpOption.ROUTER, SERVER);
        writer.putIpList(DhcpOption.DOMAIN_NAME_SERVER, new int[]{dnsServer}, 1);
        domains.put(new DomainRecord().clear().domainId(DOMAIN).version(version).serverIp(SERVER)
            .serverMac(0x0244_0000_0064L).subnetMask(0xFFFF_FF00).vmLeaseSeconds(600)
            .options(options, 0, writer.length()).seal());
    }

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(stores, leases, domains, rings, countersFile);
        arena.close();
    }

    /** An rte_mbuf as DPDK lays it out (offsets from the shim), with its data room right after it. */
    private long fakeMbuf()
    {
        final int headroom = Mbufs.DEFAULT_HEADROOM;
        final int room = headroom + 2048;
        final MemorySegment segment = arena.allocate(Mbufs.MBUF_SIZE + room, 64);
        final MemorySegment layout = dvmc_mbuf_layout.allocate(arena);
        dvmc_shim_h.dvmc_mbuf_layout(layout);
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, dvmc_mbuf_layout.buf_addr(layout),
            segment.address() + Mbufs.MBUF_SIZE);
        segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, dvmc_mbuf_layout.data_off(layout), (short)headroom);
        segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, dvmc_mbuf_layout.buf_len(layout), (short)room);
        segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, dvmc_mbuf_layout.nb_segs(layout), (short)1);
        return segment.address();
    }

    private final UnsafeBuffer data = new UnsafeBuffer(0, 0);

    private final FrameQueue.Consumer sent = (m, port) -> assertEquals(mbuf, m);

    /**
     * Puts the renewal into the mbuf, runs the worker, and returns how many frames it queued for tx. A ring read
     * stops at the end of its buffer, so a record that wrapped around is read by the next duty cycle: two at most.
     */
    private int renew()
    {
        return renew(worker, toWorker, txQueue);
    }

    private int renew(final DhcpWorker worker, final FrameQueue toWorker, final FrameQueue txQueue)
    {
        data.wrap(Mbufs.dataAddress(mbuf), Mbufs.capacity(mbuf));
        data.putBytes(0, renewal);
        Mbufs.setLength(mbuf, renewal.length);
        assertTrue(toWorker.offer(mbuf, 0));
        int answered = 0;
        for (int cycle = 0; cycle < 3 && answered == 0; cycle++)
        {
            worker.doWork();
            answered = txQueue.drain(sent, 64) + txQueue.drain(sent, 64);
        }
        return answered;
    }

    private String counterValues()
    {
        final StringBuilder sb = new StringBuilder();
        countersFile.reader().forEach((value, id, label) -> {
            if (value != 0)
            {
                sb.append(label).append('=').append(value).append(", ");
            }
        });
        return sb.toString();
    }

    @Test
    void anAgentsFrameWaitsInTheRingUntilTheOtherLaneHasAppliedTheLeaseChangeBeforeIt() throws Exception
    {
        final LaneFeeds feeds = new LaneFeeds(2, 64 * 1024);
        final ReleaseHolds holds = DhcpWorker.sharedReleaseHolds();
        worker.servesLane(0, feeds, holds);
        final FrameQueue laneFrames = FrameQueue.oneToOne(64);
        final FrameQueue laneTx = FrameQueue.manyToOne(64);
        try (StoreAccess laneStores = new StoreAccess(dir, counters.storeHandovers, false))
        {
            final DhcpWorker lane1 = new DhcpWorker(laneFrames, laneTx, rings.toAgent(), rings.toDataplane(),
                new PortBindings(boundVms, Map.of("vm1", 0)), new java.util.concurrent.ConcurrentLinkedQueue<>(),
                new java.util.concurrent.atomic.AtomicIntegerArray(new int[]{-1, -1}),
                new AtomicReferenceArray<>(PortTable.MAX_PORTS), laneStores, null, counters,
                SystemEpochClock.INSTANCE);
            lane1.servesLane(1, feeds, holds);
            final UnsafeBuffer control = new UnsafeBuffer(new byte[RingMessages.CONTROL_LENGTH]);
            rings.toDataplane().write(RingMessages.STORE_READY, control, 0, RingMessages.CONTROL_LENGTH);
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (!laneStores.isOpen())
            {
                worker.doWork();
                lane1.doWork();
                assertTrue(System.nanoTime() - deadline < 0, "lane 1's stores did not open on the READY lane 0 read");
            }
            assertEquals(1, renew(lane1, laneFrames, laneTx), "lane 1 answers from its cached lease");

            // The agent removes the lease, announces it, then sends the VM a frame (as a NAK would follow).
            assertTrue(leases.remove(DOMAIN, MAC));
            assertTrue(new LeaseChanges(rings.toDataplane()).announce(DOMAIN, MAC));
            final int index = rings.toDataplane().tryClaim(RingMessages.TRANSMIT, TransmitMessage.FRAME_OFFSET);
            // A frame longer than its record: lane 0 counts it as a bad message the moment it takes it.
            TransmitMessage.writeHeader(rings.toDataplane().buffer(), index, 0, 64);
            rings.toDataplane().commit(index);

            worker.doWork();
            assertEquals(0, counters.badAgentMessages.get(), "lane 0 took the agent's frame before lane 1 applied " +
                "the lease change that came before it");
            lane1.doWork();
            worker.doWork();
            assertEquals(1, counters.badAgentMessages.get(), "lane 0 never took the agent's frame");
            assertEquals(0, renew(lane1, laneFrames, laneTx), "lane 1 answered from a lease the agent removed");
            assertEquals(1, counters.slowPath.get(), counterValues());
        }
    }

    @Test
    void aRenewalOfABoundLeaseIsAcknowledgedInPlaceInTheMbuf()
    {
        assertEquals(1, renew());
        final UnsafeBuffer reply = new UnsafeBuffer(Mbufs.dataAddress(mbuf), Mbufs.dataLength(mbuf));
        final FrameView view = new FrameView();
        assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(reply, 0, reply.capacity(), view));
        final DhcpPacket ack = new DhcpPacket().wrap(reply, view.payloadOffset(), view.payloadLength());
        assertEquals(DhcpMessageType.ACK, ack.messageType());
        assertEquals(IP, ack.yiaddr());
        assertEquals(SERVER, ack.serverId());
        assertEquals(600, ack.leaseTime());
        assertEquals(IP, view.dstIp());
        assertEquals(MAC, view.dstMac());
    }

    @Test
    void aRenewalRepeatedWithANewXidAndSecsIsAcknowledgedWithItsOwnXidFromWhatTheFirstOnesChecksFound()
    {
        assertEquals(1, renew());
        final byte[] first = replyBytes();
        assertEquals(0, counter("fast path reply to a repeated request"), "the first is new");

        final UnsafeBuffer request = new UnsafeBuffer(renewal);
        final int dhcp = payloadOffset(request);
        request.putInt(dhcp + DhcpPacket.XID_OFFSET, 0x1234_5678, ByteOrder.BIG_ENDIAN);
        request.putShort(dhcp + DhcpPacket.SECS_OFFSET, (short)9, ByteOrder.BIG_ENDIAN);
        assertEquals(1, renew());

        assertEquals(1, counter("fast path reply to a repeated request"), counterValues());
        final byte[] again = replyBytes();
        final UnsafeBuffer reply = new UnsafeBuffer(again);
        final FrameView view = new FrameView();
        assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(reply, 0, again.length, view));
        assertEquals(0x1234_5678, reply.getInt(view.payloadOffset() + DhcpPacket.XID_OFFSET, ByteOrder.BIG_ENDIAN));
        assertEquals(0xFFFF, Checksums.fold(Checksums.sum(reply, view.l4Offset(), view.udpLength(),
            Checksums.pseudoHeaderSum(view.srcIp(), view.dstIp(), 17, view.udpLength()))), "UDP checksum");
        assertEquals(first.length, again.length);
        for (int i = 0; i < again.length; i++)
        {
            final int xid = i - (view.payloadOffset() + DhcpPacket.XID_OFFSET);
            final int checksum = i - (view.l4Offset() + 6);
            assertTrue(first[i] == again[i] || xid >= 0 && xid < 4 || checksum >= 0 && checksum < 2,
                "byte " + i + " of the reply differs from the first reply's");
        }
    }

    @Test
    void aRepeatedRenewalWhoseOptionsWereDamagedIsDroppedAsBadDhcpNotAnsweredAsTheLastOne()
    {
        assertEquals(1, renew());
        final UnsafeBuffer request = new UnsafeBuffer(renewal);
        // Option 53's length, the first option's: now it runs past the message.
        request.putByte(payloadOffset(request) + DhcpPacket.OPTIONS_OFFSET + 1, (byte)0xFF);

        assertEquals(0, renew(), counterValues());
        assertEquals(1, counter("bad DHCP dropped"));
        assertEquals(0, counter("fast path reply to a repeated request"));
    }

    @Test
    void aRepeatedRenewalAfterTheAgentMovedTheLeaseToAnotherAddressGoesToTheAgent()
    {
        assertEquals(1, renew());
        final long now = System.currentTimeMillis();
        leases.put(DOMAIN, MAC, new LeaseRecord().clear().ip(IP + 1).state(LeaseState.BOUND).vmLeaseSeconds(600)
            .hostLeaseExpiryMillis(now + 2_400_000).vmLeaseExpiryMillis(now + 600_000).seal());
        new LeaseChanges(rings.toDataplane()).announce(DOMAIN, MAC);

        assertEquals(0, renew(), "a renewal of the old address acknowledged");
        assertEquals(1, counter("slow path to agent"));
    }

    @Test
    void aRepeatedRenewalAfterItsDomainsOptionsChangedCarriesTheNewOptions()
    {
        assertEquals(1, renew());
        assertEquals(0xC000_0235, dnsServerOfTheReply());
        putDomain(2, 0xC000_0236);
        new LeaseChanges(rings.toDataplane()).flushAll();

        assertEquals(1, renew());
        assertEquals(0xC000_0236, dnsServerOfTheReply());
        assertEquals(1, renew());
        assertEquals(0xC000_0236, dnsServerOfTheReply(), "kept again, with the new template");
        assertEquals(1, counter("fast path reply to a repeated request"));
    }

    private byte[] replyBytes()
    {
        final byte[] bytes = new byte[Mbufs.dataLength(mbuf)];
        new UnsafeBuffer(Mbufs.dataAddress(mbuf), bytes.length).getBytes(0, bytes);
        return bytes;
    }

    private int dnsServerOfTheReply()
    {
        final UnsafeBuffer reply = new UnsafeBuffer(replyBytes());
        final FrameView view = new FrameView();
        assertEquals(FrameClass.SERVER_DHCP, new FrameClassifier().classify(reply, 0, reply.capacity(), view));
        final DhcpPacket ack = new DhcpPacket().wrap(reply, view.payloadOffset(), view.payloadLength());
        assertEquals(0, ack.validate());
        return reply.getInt(ack.findOption(DhcpOption.DOMAIN_NAME_SERVER), ByteOrder.BIG_ENDIAN);
    }

    private static int payloadOffset(final UnsafeBuffer frame)
    {
        final FrameView view = new FrameView();
        assertEquals(FrameClass.CLIENT_DHCP, new FrameClassifier().classify(frame, 0, frame.capacity(), view));
        return view.payloadOffset();
    }

    @Test
    void aRenewalAfterTheAgentRemovedTheLeaseAndSaidSoGoesToTheAgentNotToTheCachedCopy()
    {
        assertEquals(1, renew(), "answered from the store, and kept");

        // As the agent does on a NAK: the write, its LEASE_CHANGED, then the NAK to the VM through the same ring.
        leases.remove(DOMAIN, MAC);
        new LeaseChanges(rings.toDataplane()).announce(DOMAIN, MAC);

        assertEquals(0, renew(), "answered from the copy of a lease the agent removed");
        assertEquals(1, counter("slow path to agent"));
    }

    @Test
    void aRenewalAfterAFlushTheAgentAskedForWhenItsRingWasFullGoesToTheAgentNotToTheCachedCopy()
    {
        assertEquals(1, renew(), "answered from the store, and kept");

        leases.remove(DOMAIN, MAC);
        new LeaseChanges(rings.toDataplane()).flushAll();

        assertEquals(0, renew(), "answered from the copy of a lease the agent removed");
        assertEquals(1, counter("slow path to agent"));
        assertEquals(1, counter("lease cache flushes"));
    }

    /** Sends the worker a binding message as the agent does, and lets it read it. */
    private void fromAgent(final int type, final String port, final int domain)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[BindingMessage.MAX_LENGTH]);
        final int length = type == RingMessages.BINDINGS_SYNC_START || type == RingMessages.BINDINGS_SYNC_END
            ? RingMessages.CONTROL_LENGTH
            : BindingMessage.write(message, 0, port, 0, MAC, domain, 1, 2);
        assertTrue(rings.toDataplane().write(type, message, 0, length));
        worker.doWork();
    }

    @Test
    void aBindingRemovedAtRunTimeDropsTheVmsNextRequestAsUnboundAndOneAddedAgainAnswersIt()
    {
        assertEquals(1, renew());
        fromAgent(RingMessages.BINDING_REMOVE, "vm1", DOMAIN);
        final long unbound = counter("unbound MAC dropped");
        assertEquals(0, renew());
        assertEquals(unbound + 1, counter("unbound MAC dropped"));
        fromAgent(RingMessages.BINDING_ADD, "vm1", DOMAIN);
        assertEquals(1, renew());
        assertEquals(1, counter("bindings in force"));
    }

    @Test
    void aBoundVmOfARelayDomainIsNotAnsweredOnTheHostItsRenewalGoesToTheAgentForTheTenantsServer()
    {
        final DomainRecord relay = new DomainRecord();
        assertTrue(domains.get(DOMAIN, relay));
        domains.put(relay.flags(DomainRecord.FLAG_RELAY).version(relay.version() + 1).seal());

        assertEquals(0, renew(), "a relay domain's VM was answered on the host");
        final int[] requests = {0};
        rings.toAgent().read((type, buffer, index, length) -> requests[0] += type == RingMessages.DHCP_REQUEST ? 1 : 0);
        assertEquals(1, requests[0], "the renewal did not go to the agent");
        assertEquals(0, counter("fast path ACK"));
    }

    @Test
    void aBindingMovedToAnotherDomainTakesTheSlowPathWithThatDomain()
    {
        fromAgent(RingMessages.BINDING_ADD, "vm1", 200);
        assertEquals(0, renew());
        final DhcpRequestMessage request = new DhcpRequestMessage();
        final int[] domain = {0};
        rings.toAgent().read((type, buffer, index, length) -> domain[0] = request.wrap(buffer, index).domainId());
        assertEquals(200, domain[0]);
    }

    @Test
    void theAgentsCompleteSetRemovesEveryBindingItDoesNotName()
    {
        fromAgent(RingMessages.BINDINGS_SYNC_START, null, 0);
        assertEquals(1, renew(), "a binding the set has not named yet stays in force while it is sent");
        fromAgent(RingMessages.BINDINGS_SYNC_END, null, 0);
        assertEquals(0, renew());
        assertEquals(0, counter("bindings in force"));
        fromAgent(RingMessages.BINDINGS_SYNC_START, null, 0);
        fromAgent(RingMessages.BINDING_ADD, "vm1", DOMAIN);
        fromAgent(RingMessages.BINDINGS_SYNC_END, null, 0);
        assertEquals(1, renew());
    }

    @Test
    void aBindingMovedToAPortNotAttachedYetMatchesNothing()
    {
        fromAgent(RingMessages.BINDING_ADD, "vm9", DOMAIN);
        assertEquals(0, renew());
    }

    private long counter(final String label)
    {
        final long[] value = {-1};
        countersFile.reader().forEach((v, id, l) -> {
            if (l.equals(label))
            {
                value[0] = v;
            }
        });
        return value[0];
    }

    @Test
    void aRenewalWhenLessHostLeaseIsLeftThanAVmLeaseIsGrantedWhatIsLeftWithT1AndT2ScaledToIt()
    {
        // The service has been unreachable for a while: 100 s of the host lease remain, less than the 600 s VM lease.
        final long now = System.currentTimeMillis();
        leases.put(DOMAIN, MAC, new LeaseRecord().clear().ip(IP).state(LeaseState.BOUND).vmLeaseSeconds(600)
            .hostLeaseExpiryMillis(now + 100_500).vmLeaseExpiryMillis(now + 600_000).updatedMillis(now).seal());
        assertEquals(1, renew());
        final UnsafeBuffer reply = new UnsafeBuffer(Mbufs.dataAddress(mbuf), Mbufs.dataLength(mbuf));
        final FrameView view = new FrameView();
        new FrameClassifier().classify(reply, 0, reply.capacity(), view);
        final DhcpPacket ack = new DhcpPacket().wrap(reply, view.payloadOffset(), view.payloadLength());
        assertEquals(DhcpMessageType.ACK, ack.messageType());
        final int lease = ack.leaseTime();
        assertTrue(lease >= 98 && lease <= 100, "lease time " + lease + " is not what the host lease has left");
        // RFC 2131 §4.4.5: T1 0.5 and T2 0.875 of the lease given.
        assertEquals(lease / 2, ack.buffer().getInt(ack.findOption(DhcpOption.RENEWAL_TIME), ByteOrder.BIG_ENDIAN));
        assertEquals(lease * 7 / 8,
            ack.buffer().getInt(ack.findOption(DhcpOption.REBINDING_TIME), ByteOrder.BIG_ENDIAN));
    }

    /** Puts {@code bytes} into the mbuf for {@code port}, runs the worker: @return the port it answered on, or -1. */
    private int offer(final byte[] bytes, final int port)
    {
        data.wrap(Mbufs.dataAddress(mbuf), Mbufs.capacity(mbuf));
        data.putBytes(0, bytes);
        Mbufs.setLength(mbuf, bytes.length);
        assertTrue(toWorker.offer(mbuf, port));
        txPort = -1;
        for (int cycle = 0; cycle < 3 && txPort < 0; cycle++)
        {
            worker.doWork();
            txQueue.drain(sentOnPort, 64);
        }
        return txPort;
    }

    private int txPort;
    private final FrameQueue.Consumer sentOnPort = (m, port) -> txPort = port;

    private static byte[] relayedDiscover(final long relayMac, final int giaddr, final byte[] agentInformation)
    {
        return Crafted.relayed(Crafted.capture("udhcpc-discover.bin"), relayMac, giaddr, agentInformation);
    }

    @Test
    void aRelayedDiscoverOfABoundClientIsOfferedOnTheFastPathToTheRelayWithItsOption82Echoed()
    {
        final byte[] agent = {1, 2, 'p', '7'};
        assertEquals(RELAY_PORT, offer(relayedDiscover(RELAY_MAC, GIADDR, agent), RELAY_PORT), counterValues());
        final UnsafeBuffer reply = new UnsafeBuffer(Mbufs.dataAddress(mbuf), Mbufs.dataLength(mbuf));
        final FrameView view = new FrameView();
        new FrameClassifier().classify(reply, 0, reply.capacity(), view);
        final DhcpPacket offer = new DhcpPacket().wrap(reply, view.payloadOffset(), view.payloadLength());
        assertEquals(DhcpMessageType.OFFER, offer.messageType());
        assertEquals(IP, offer.yiaddr());
        assertEquals(GIADDR, offer.giaddr());
        // RFC 2131 §4.1: to the relay, on the server port, at the MAC the request came from.
        assertEquals(GIADDR, view.dstIp());
        assertEquals(FrameClassifier.DHCP_SERVER_PORT, view.dstPort());
        assertEquals(RELAY_MAC, view.dstMac());
        assertEquals(SERVER, view.srcIp());
        final byte[] echoed = new byte[offer.optionLength(DhcpOption.RELAY_AGENT_INFORMATION)];
        offer.optionBuffer(DhcpOption.RELAY_AGENT_INFORMATION).getBytes(
            offer.findOption(DhcpOption.RELAY_AGENT_INFORMATION), echoed);
        assertEquals(java.util.Arrays.toString(agent), java.util.Arrays.toString(echoed));
        assertEquals(1, counter("relayed requests"));
    }

    @Test
    void aRelayedClientsUnicastRenewalThroughItsRouterIsAcknowledgedOnTheFastPathBackThroughTheRouter()
    {
        final byte[] routed = renewal.clone();
        for (int i = 0; i < 6; i++)
        {
            routed[6 + i] = (byte)(RELAY_MAC >>> (40 - 8 * i));
        }
        assertEquals(RELAY_PORT, offer(routed, RELAY_PORT), counterValues());
        final UnsafeBuffer reply = new UnsafeBuffer(Mbufs.dataAddress(mbuf), Mbufs.dataLength(mbuf));
        final FrameView view = new FrameView();
        new FrameClassifier().classify(reply, 0, reply.capacity(), view);
        final DhcpPacket ack = new DhcpPacket().wrap(reply, view.payloadOffset(), view.payloadLength());
        assertEquals(DhcpMessageType.ACK, ack.messageType());
        assertEquals(IP, view.dstIp());
        assertEquals(FrameClassifier.DHCP_CLIENT_PORT, view.dstPort());
        assertEquals(RELAY_MAC, view.dstMac(), "the client is behind the router, not on the port's link");
    }

    @Test
    void aRelayedClientWithoutALeaseGoesToTheAgentKeyedByItsLinksDomainAndChaddr()
    {
        leases.remove(DOMAIN, MAC);
        assertEquals(-1, offer(relayedDiscover(RELAY_MAC, GIADDR, null), RELAY_PORT));
        final DhcpRequestMessage request = new DhcpRequestMessage();
        final long[] seen = new long[3];
        rings.toAgent().read((type, buffer, index, length) -> {
            request.wrap(buffer, index);
            seen[0] = request.domainId();
            seen[1] = request.vmMsb();
            seen[2] = request.vmLsb();
        });
        assertEquals(DOMAIN, seen[0]);
        assertTrue(RelayedClient.isRelayed(seen[1], seen[2]));
        assertEquals(MAC, seen[2]);
    }

    @Test
    void aRequestForTheAgentRingsItsDoorbellOnlyWhileTheAgentSaysItSleeps() throws Exception
    {
        final SharedDoorbell agent = rings.toAgentWaiter();
        worker.wakeAgentWith(rings.toAgentRinger());
        leases.remove(DOMAIN, MAC);
        final WaitSet fifo = new WaitSet();
        fifo.add(agent.fd());

        assertEquals(-1, offer(relayedDiscover(RELAY_MAC, GIADDR, null), RELAY_PORT));
        assertFalse(counterValues().contains("agent wakes"), counterValues());
        assertEquals(0, fifo.await(0), "rang an agent that was awake");

        agent.arm();
        assertEquals(-1, offer(relayedDiscover(RELAY_MAC, GIADDR, null), RELAY_PORT));
        assertTrue(counterValues().contains("agent wakes=1,"), counterValues());
        assertEquals(1, fifo.await(0), "did not ring the sleeping agent");
        assertFalse(agent.armed(), "one ring per sleep");
        final int[] requests = new int[1];
        rings.toAgent().read((type, buffer, index, length) -> requests[0] += type == RingMessages.DHCP_REQUEST ? 1 : 0);
        assertEquals(2, requests[0]);
        agent.close();
    }

    @Test
    void aRelayPortDropsAndCountsWhatIsNotRelayedOrComesFromNoLinkItKnows()
    {
        assertEquals(-1, offer(relayedDiscover(RELAY_MAC, 0x0B00_0102, null), RELAY_PORT));
        assertEquals(1, counter("relay port: giaddr on no link dropped"));
        assertEquals(-1, offer(Crafted.capture("udhcpc-discover.bin"), RELAY_PORT));
        assertEquals(1, counter("relay port: not relayed dropped"));
        assertEquals(0, counter("relayed requests"));
    }

    @Test
    void aRelayedDiscoverOnAVmPortIsDroppedAndCountedEvenFromABoundVmsMac()
    {
        assertEquals(-1, offer(relayedDiscover(MAC, GIADDR, null), 0), counterValues());
        assertEquals(1, counter("relayed DHCP on VM port dropped"));
        assertEquals(1, renew(), "the VM's own requests are still answered");
    }

    @Test
    void aRenewalOnTheFastPathAllocatesNothing()
    {
        assertSteadyStateAllocatesNothing(this::renew, "fast-path renewals");
    }

    @Test
    void aRelayedDiscoverAnsweredOnTheFastPathAllocatesNothing()
    {
        final byte[] relayed = relayedDiscover(RELAY_MAC, GIADDR, new byte[]{1, 2, 'p', '7'});
        assertSteadyStateAllocatesNothing(() -> offer(relayed, RELAY_PORT) == RELAY_PORT ? 1 : 0,
            "relayed fast-path offers");
    }

    private void assertSteadyStateAllocatesNothing(final java.util.function.IntSupplier answer, final String what)
    {
        for (int i = 0; i < 20_000; i++)
        {
            final int n = i;
            assertEquals(1, answer.getAsInt(), () -> what + " " + n + ": " + counterValues());
        }
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory
            .getThreadMXBean();
        final long thread = Thread.currentThread().threadId();
        final long[] allocated = new long[4];
        for (int round = 0; round < allocated.length; round++)
        {
            final long before = threads.getThreadAllocatedBytes(thread);
            int answered = 0;
            for (int i = 0; i < 50_000; i++)
            {
                answered += answer.getAsInt();
            }
            allocated[round] = threads.getThreadAllocatedBytes(thread) - before;
            assertEquals(50_000, answered);
        }
        // Early rounds still run code the JIT has not compiled (no escape analysis yet): steady state is what counts.
        assertEquals(0, java.util.Arrays.stream(allocated).min().orElseThrow(),
            "bytes allocated per round of 50 000 " + what + ": " + java.util.Arrays.toString(allocated));
    }
}
