package io.dvmc.relay;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageEncoder;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.lab.Await;
import io.dvmc.lab.Exec;
import io.dvmc.lease.HostLease;
import io.dvmc.lab.Prerequisites;
import io.dvmc.policy.Domain;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay engine against a tenant server's socket that the test speaks for, over real UDP on loopback addresses
 * (root: the relay binds port 67): what a tenant server receives, and what becomes of what it sends back, good and
 * bad. Real tenant servers are in the e2e RelayTest.
 */
class RelayEngineTest
{
    private static final int DOMAIN = 300;
    private static final long MAC = 0x02_00_00_00_00_2AL;
    private static final UUID VM = UUID.fromString("6f1c1d2e-0000-4000-8000-00000000002a");
    private static final int VIRTUAL_SERVER = 0x0A00_0001;
    private static final int TENANT_SERVER_ID = 0x0A00_00FE;
    private static final int OFFERED = 0x0A00_0064;
    private static final Duration ON_THE_WIRE = Duration.ofSeconds(5);

    private record Answer(int type, int reason, int yiaddr, int serverId, int lease, byte[] config)
    {
    }

    private final List<Answer> answers = new ArrayList<>();
    private final Map<RelayEvent, Integer> counts = new EnumMap<>(RelayEvent.class);
    private final RelayEngine engine = new RelayEngine(new RelayAnswers()
    {
        public void answer(final DvmcMessage request, final SocketAddress target, final int type, final int reason,
            final int yiaddr, final int serverId, final int vmLeaseSeconds, final int hostLeaseSeconds,
            final DirectBuffer config, final int offset, final int length)
        {
            final byte[] options = new byte[length];
            config.getBytes(offset, options);
            answers.add(new Answer(type, reason, yiaddr, serverId, vmLeaseSeconds, options));
        }

        public void count(final RelayEvent event)
        {
            counts.merge(event, 1, Integer::sum);
        }
    });
    private final ByteBuffer received = ByteBuffer.allocate(2048);
    private DatagramChannel tenant;
    private int relayAddress;
    private Domain domain;
    private long nowMs = 1_000_000;

    @BeforeEach
    void start() throws IOException
    {
        Prerequisites.requireRoot();
        relayAddress = freeRelayAddress();
        tenant = DatagramChannel.open().bind(new InetSocketAddress(inet(relayAddress + 1), 0));
        tenant.configureBlocking(false);
        final InetSocketAddress server = (InetSocketAddress)tenant.getLocalAddress();
        domain = new Domain(DOMAIN, "tenant", 0x0A00_0000, 24, List.of(), List.of(), List.of(), VIRTUAL_SERVER,
            List.of(), null, List.of(), 0, List.of(), List.of(), 3600, 3600, 30, Domain.defaultServerMac(DOMAIN),
            VIRTUAL_SERVER, Domain.Mode.RELAY, List.of(server), List.of(relayAddress), true,
            List.of(new InetSocketAddress("127.0.0.1", 6767)), null, List.of());
    }

    @AfterEach
    void stop() throws IOException
    {
        engine.close();
        if (tenant != null)
        {
            tenant.close();
        }
    }

    @Test
    void aDiscoverReachesTheTenantAsARelayedRequestWithTheVmsOptionsAndOption82()
    {
        relay(DvmcMessageType.DISCOVER, 0, options(55, 2, 3, 6, 61, 1, 0x2A));

        final DhcpPacket relayed = tenantReceives();
        assertEquals(DhcpPacket.BOOTREQUEST, relayed.op());
        assertEquals(DhcpMessageType.DISCOVER, relayed.messageType());
        assertEquals(relayAddress, relayed.giaddr());
        assertEquals(1, relayed.hops());
        assertEquals(MAC, relayed.chaddrMac());
        assertEquals(0, relayed.ciaddr());
        assertTrue(relayed.requestsParameter(DhcpOption.DOMAIN_NAME_SERVER), "the VM's option 55 was lost");
        assertEquals(1, relayed.clientIdLength(), "the VM's option 61 was lost");
        final byte[] agent = option(relayed, RelayedRequest.OPTION_AGENT_INFORMATION);
        final byte[] circuit = VM.toString().getBytes(StandardCharsets.US_ASCII);
        final byte[] expected = ByteBuffer.allocate(2 + circuit.length + 2 + 3 + 6)
            .put((byte)1).put((byte)circuit.length).put(circuit)
            .put((byte)2).put((byte)3).put("300".getBytes(StandardCharsets.US_ASCII))
            .put((byte)5).put((byte)4).putInt(0x0A00_0000).array();
        assertArrayEquals(expected, agent, "option 82: circuit-id VM id, remote-id domain id, link selection");
    }

    @Test
    void theFirstGoodOfferIsTheAnswerWithTheTenantsOptionsAndGarbageWrongXidsAndOtherClientsAreDroppedAndCounted()
    {
        relay(DvmcMessageType.DISCOVER, 0, new byte[0]);
        final DhcpPacket relayed = tenantReceives();
        final int xid = relayed.xid();

        tenantSends(new byte[]{1, 2, 3});
        tenantSends(reply(xid + 1, MAC, DhcpMessageType.OFFER));
        tenantSends(reply(xid, MAC + 1, DhcpMessageType.OFFER));
        tenantSends(reply(xid, MAC, DhcpMessageType.ACK));
        awaitCount(RelayEvent.MALFORMED, 2);
        awaitCount(RelayEvent.UNMATCHED, 1);
        awaitCount(RelayEvent.WRONG_CLIENT, 1);
        assertEquals(List.of(), answers, "something other than an OFFER answered a DISCOVER");

        tenantSends(reply(xid, MAC, DhcpMessageType.OFFER));
        tenantSends(reply(xid, MAC, DhcpMessageType.OFFER));
        awaitCount(RelayEvent.EXTRA_ANSWER, 1);

        assertEquals(1, answers.size(), answers.toString());
        final Answer offer = answers.getFirst();
        assertEquals(DvmcMessageType.OFFER, offer.type());
        assertEquals(OFFERED, offer.yiaddr());
        assertEquals(VIRTUAL_SERVER, offer.serverId(), "the VM must see the domain's virtual server");
        assertEquals(120, offer.lease(), "the tenant's lease time");
        assertArrayEquals(tenantOptionsForTheVm(), offer.config(), "router and DNS only: 82, 54, 51, 53 stripped");
    }

    @Test
    void aReplicaWhoseFirstRelayAddressAnotherReplicaHoldsRelaysFromTheNextAndItsAnswersComeBackThere()
        throws IOException
    {
        final int own = relayAddress + 2;
        domain = new Domain(DOMAIN, "tenant", 0x0A00_0000, 24, List.of(), List.of(), List.of(), VIRTUAL_SERVER,
            List.of(), null, List.of(), 0, List.of(), List.of(), 3600, 3600, 30, Domain.defaultServerMac(DOMAIN),
            VIRTUAL_SERVER, Domain.Mode.RELAY, domain.relayServers(), List.of(relayAddress, own), true,
            domain.services(), null, List.of());
        try (DatagramChannel otherReplica = DatagramChannel.open().bind(new InetSocketAddress(inet(relayAddress), 67)))
        {
            relay(DvmcMessageType.DISCOVER, 0, new byte[0]);
            final DhcpPacket relayed = tenantReceives();
            assertEquals(own, relayed.giaddr(), "giaddr must be the address this replica receives answers at");

            tenantSends(reply(relayed.xid(), MAC, DhcpMessageType.OFFER), own);
            awaitCount(RelayEvent.ANSWERED, 1);
            assertEquals(DvmcMessageType.OFFER, answers.getFirst().type());

            relay(DvmcMessageType.REQUEST, OFFERED, options(50, 4, 10, 0, 0, 100));
            assertEquals(own, tenantReceives().giaddr(), "a replica keeps the relay address it has");
            assertEquals(0, counts.getOrDefault(RelayEvent.UNAVAILABLE, 0));
        }
    }

    @Test
    void aSelectingRequestNamesTheTenantServerWhoseOfferTheVmTookAndItsNakReachesTheVm()
    {
        relay(DvmcMessageType.DISCOVER, 0, new byte[0]);
        tenantSends(reply(tenantReceives().xid(), MAC, DhcpMessageType.OFFER));
        awaitCount(RelayEvent.ANSWERED, 1);

        relay(DvmcMessageType.REQUEST, OFFERED, options(50, 4, 10, 0, 0, 100, 54, 4, 10, 0, 0, 1));
        final DhcpPacket request = tenantReceives();
        assertEquals(DhcpMessageType.REQUEST, request.messageType());
        assertEquals(TENANT_SERVER_ID, request.serverId(), "option 54 must name the tenant's server, not ours");
        assertEquals(OFFERED, request.requestedIp());
        assertEquals(0, request.ciaddr());

        tenantSends(reply(request.xid(), MAC, DhcpMessageType.NAK));
        awaitCount(RelayEvent.ANSWERED, 2);
        assertEquals(DvmcMessageType.NAK, answers.getLast().type());
    }

    @Test
    void aRenewalCarriesTheAddressInCiaddrAndAReleaseIsAcknowledgedToTheHostAtOnce()
    {
        relay(DvmcMessageType.REQUEST, OFFERED, new byte[0]);
        final DhcpPacket renewal = tenantReceives();
        assertEquals(OFFERED, renewal.ciaddr(), "RENEWING: ciaddr (RFC 2131 §4.3.2)");
        assertEquals(0, renewal.requestedIp());

        relay(DvmcMessageType.RELEASE, OFFERED, new byte[0]);
        final DhcpPacket release = tenantReceives();
        assertEquals(DhcpMessageType.RELEASE, release.messageType());
        assertEquals(OFFERED, release.ciaddr());
        assertEquals(DvmcMessageType.ACK, answers.getLast().type());
    }

    @Test
    void aRequestNoTenantServerAnswersIsLeftUnansweredAndCountedAfterTheWait()
    {
        relay(DvmcMessageType.DISCOVER, 0, new byte[0]);
        tenantReceives();
        nowMs += 1;
        relay(DvmcMessageType.BOOTP, 0, new byte[0]);
        tenantReceives();

        nowMs += RelayEngine.WAIT_MS - 2;
        engine.poll(nowMs, id -> domain);
        assertEquals(null, counts.get(RelayEvent.TIMED_OUT));
        nowMs += 200;
        engine.poll(nowMs, id -> domain);

        assertEquals(2, counts.get(RelayEvent.TIMED_OUT), "the DISCOVER and the BOOTREQUEST");
        assertEquals(List.of(), answers, "an unanswered request must stay unanswered");
        assertEquals(0, engine.inFlight());
    }

    @Test
    void aBootRequestReachesTheTenantAsARelayedBootRequestWithOption82AndNoMessageType()
    {
        assertTrue(RelayEngine.relays(DvmcMessageType.BOOTP, MAC), "a relay domain's BOOTREQUEST is the relay's");
        relay(DvmcMessageType.BOOTP, OFFERED, new byte[0]);

        final DhcpPacket relayed = tenantReceives();
        assertEquals(DhcpPacket.BOOTREQUEST, relayed.op());
        assertEquals(-1, relayed.findOption(DhcpOption.MESSAGE_TYPE), "a BOOTREQUEST has no option 53 (RFC 951)");
        assertEquals(relayAddress, relayed.giaddr());
        assertEquals(1, relayed.hops());
        assertEquals(MAC, relayed.chaddrMac());
        assertEquals(OFFERED, relayed.ciaddr(), "the address the BOOTP client knows, as it sent it");
        assertTrue(relayed.hasMagicCookie(), "the cookie that carries option 82");
        final byte[] agent = option(relayed, RelayedRequest.OPTION_AGENT_INFORMATION);
        assertArrayEquals(VM.toString().getBytes(StandardCharsets.US_ASCII),
            Arrays.copyOfRange(agent, 2, 2 + agent[1]), "circuit-id: the VM id");
    }

    @Test
    void theTenantsBootReplyIsAnAckWithItsAddressItsOptionsAndAnInfiniteVmLeaseAndADhcpAnswerIsNot()
    {
        relay(DvmcMessageType.BOOTP, 0, new byte[0]);
        final int xid = tenantReceives().xid();

        tenantSends(reply(xid, MAC, DhcpMessageType.OFFER));
        awaitCount(RelayEvent.MALFORMED, 1);
        assertEquals(List.of(), answers, "a DHCPOFFER does not answer a BOOTREQUEST");

        tenantSends(reply(xid, MAC, DhcpMessageType.BOOTP));
        awaitCount(RelayEvent.ANSWERED, 1);
        final Answer ack = answers.getFirst();
        assertEquals(DvmcMessageType.ACK, ack.type());
        assertEquals(OFFERED, ack.yiaddr());
        assertEquals(VIRTUAL_SERVER, ack.serverId());
        assertEquals(HostLease.INFINITE, ack.lease(), "a BOOTP client has no lease (RFC 1534 §2)");
        assertArrayEquals(tenantOptionsForTheVm(), ack.config(), "router and DNS only: 82, 54, 51 stripped");
    }

    private void relay(final int type, final int yiaddr, final byte[] config)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
        final DvmcMessageEncoder encoder = new DvmcMessageEncoder().wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(type).domainId(DOMAIN).transactionId(ThreadLocalRandom.current().nextLong())
            .vmId(VM.getMostSignificantBits(), VM.getLeastSignificantBits()).mac(MAC).yiaddr(yiaddr);
        encoder.config(new UnsafeBuffer(config), 0, config.length);
        final DvmcMessage message = new DvmcMessage();
        assertTrue(message.wrap(buffer, 0, encoder.length()) > 0);
        final int outcome = engine.relay(message, domain, new InetSocketAddress(6768), nowMs);
        assertEquals(RelayEngine.RELAYED, outcome, () -> outcome == RelayEngine.UNAVAILABLE
            ? "the relay address could not be bound; port 67 here: " + holdersOfPort67()
            : "");
    }

    /**
     * A loopback address of this test's own whose port 67 can be bound now, as the relay binds it (an IPv4 socket). A
     * socket on the wildcard address's port 67 (a DHCP server or relay left running on this machine) takes every one;
     * the failure then names it. The last byte of the address, and of the two after it that the tests use, is 1-254:
     * the JDK refuses an IPv4 bind to a 127.x.y.255 address itself (EADDRNOTAVAIL, no system call), while the
     * dual-stack socket a plain {@code DatagramChannel.open()} gives binds it as ::ffff:127.x.y.255.
     */
    private static int freeRelayAddress()
    {
        final StringBuilder tried = new StringBuilder();
        for (int attempt = 0; attempt < 8; attempt++)
        {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final int address = 0x7F4D_0000 | random.nextInt(0, 0x100) << 8 | random.nextInt(1, 0xFD);
            try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET)
                .bind(new InetSocketAddress(inet(address), 67)))
            {
                return address;
            }
            catch (final IOException ex)
            {
                tried.append(inet(address).getHostAddress()).append(": ").append(ex.getMessage()).append("; ");
            }
        }
        throw new AssertionError(
            "no loopback address with a free port 67 (" + tried + "); port 67 here: " + holdersOfPort67());
    }

    private static String holdersOfPort67()
    {
        return Exec.run(Duration.ofSeconds(5), "ss", "-ulpnH", "sport = :67").output().strip();
    }

    private DhcpPacket tenantReceives()
    {
        received.clear();
        Await.until("the relayed request at the tenant server", ON_THE_WIRE, () -> {
            try
            {
                return tenant.receive(received) != null;
            }
            catch (final IOException ex)
            {
                throw new AssertionError(ex);
            }
        });
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[received.position()]);
        bytes.putBytes(0, received.flip(), 0, bytes.capacity());
        final DhcpPacket packet = new DhcpPacket().wrap(bytes, 0, bytes.capacity());
        assertEquals(0, packet.validate());
        return packet;
    }

    private void tenantSends(final byte[] datagram)
    {
        tenantSends(datagram, relayAddress);
    }

    private void tenantSends(final byte[] datagram, final int giaddr)
    {
        try
        {
            tenant.send(ByteBuffer.wrap(datagram), new InetSocketAddress(inet(giaddr), 67));
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private void awaitCount(final RelayEvent event, final int atLeast)
    {
        Await.until(atLeast + " " + event + " (counts " + counts + ")", ON_THE_WIRE, () -> {
            engine.poll(nowMs, id -> domain);
            return counts.getOrDefault(event, 0) >= atLeast;
        });
    }

    /** Router 10.0.0.254 and DNS 10.0.0.53, as the tenant server sends them and the VM is to see them. */
    private static byte[] tenantOptionsForTheVm()
    {
        return options(3, 4, 10, 0, 0, (byte)254, 6, 4, 10, 0, 0, 53);
    }

    /** A tenant's BOOTREPLY: 53 (none for BOOTP), 54 (its own id), 51 120 s, router, DNS and an option 82 echoed (RFC 3046 §2.2). */
    private byte[] reply(final int xid, final long mac, final int type)
    {
        final ByteBuffer b = ByteBuffer.allocate(DhcpPacket.MIN_BOOTP_LENGTH).order(ByteOrder.BIG_ENDIAN);
        b.put((byte)DhcpPacket.BOOTREPLY).put((byte)1).put((byte)6).put((byte)0).putInt(xid);
        b.putInt(DhcpPacket.CIADDR_OFFSET, 0)
            .putInt(DhcpPacket.YIADDR_OFFSET, type == DhcpMessageType.NAK ? 0 : OFFERED)
            .putInt(DhcpPacket.GIADDR_OFFSET, relayAddress);
        for (int i = 0; i < 6; i++)
        {
            b.put(DhcpPacket.CHADDR_OFFSET + i, (byte)(mac >>> (40 - 8 * i)));
        }
        b.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE).position(DhcpPacket.OPTIONS_OFFSET);
        if (type != DhcpMessageType.BOOTP)
        {
            b.put(options(53, 1, type));
        }
        b.put(options(54, 4, 10, 0, 0, (byte)254, 51, 4, 0, 0, 0, 120));
        b.put(tenantOptionsForTheVm());
        b.put(options(82, 4, 2, 2, 0x33, 0x30, 255));
        return b.array();
    }

    private static byte[] options(final int... bytes)
    {
        final byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++)
        {
            out[i] = (byte)bytes[i];
        }
        return out;
    }

    private static byte[] option(final DhcpPacket packet, final int code)
    {
        final int at = packet.findOption(code);
        assertTrue(at >= 0, "no option " + code);
        final byte[] out = new byte[packet.optionLength(code)];
        packet.optionBuffer(code).getBytes(at, out);
        return out;
    }

    private static InetAddress inet(final int address)
    {
        try
        {
            return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(address).array());
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
