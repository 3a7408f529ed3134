package io.dvmc.service;

import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.lease.HostLease;
import io.dvmc.policy.Policy;
import io.dvmc.policy.PolicyFile;
import io.dvmc.service.TestAgent.Reply;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Dynamic BOOTP (RFC 1534 §2) at the service, over UDP with a real journal: one DVMC BOOTP exchange binds an
 * address as DISCOVER and REQUEST together, durably, with an infinite VM lease.
 */
class BootpServiceTest
{
    private static final int DOMAIN = 100;
    private static final int RELAY = 400;
    private static final long MAC = 0x0200_B007_0001L;
    private static final long OTHER_MAC = 0x0200_B007_0002L;
    private static final long THIRD_MAC = 0x0200_B007_0003L;
    private static final long RESERVED_MAC = 0x0200_B007_00AAL;
    private static final int FIRST = 0x0A00_0064;
    private static final int SECOND = 0x0A00_0065;
    private static final int RESERVED = 0x0A00_0032;
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(System.currentTimeMillis());
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    @Test
    void aBootpClientIsBoundAnAddressOfThePoolWithAnInfiniteLeaseAndTheDomainsRouterAndMask() throws Exception
    {
        final DvmcService service = start();
        final TestAgent agent = agent();

        final Reply ack = agent.send(DvmcMessageType.BOOTP, service.localAddress(), DOMAIN, MAC, 0);

        assertEquals(DvmcMessageType.ACK, ack.type());
        assertEquals(FIRST, ack.yiaddr());
        assertEquals(HostLease.INFINITE, ack.vmLease());
        assertEquals(BootpAllocation.LEASE_SECONDS, ack.hostLease());
        assertArrayEquals(new byte[]{10, 0, 0, 1}, ack.option(3));
        assertArrayEquals(new byte[]{(byte)255, (byte)255, (byte)255, 0}, ack.option(1));
        assertEquals(FIRST, agent.send(DvmcMessageType.LEASEQUERY, service.localAddress(), DOMAIN, MAC, 0).yiaddr());
        assertEquals(1, service.counters().get(ServiceCounters.Counter.BOOTP_BINDINGS));
    }

    @Test
    void theSameMacIsGivenTheSameAddressAgainAndAfterAServiceRestart() throws Exception
    {
        DvmcService service = start();
        final TestAgent agent = agent();
        assertEquals(FIRST, agent.send(DvmcMessageType.BOOTP, service.localAddress(), DOMAIN, MAC, 0).yiaddr());
        assertEquals(SECOND, agent.send(DvmcMessageType.BOOTP, service.localAddress(), DOMAIN, OTHER_MAC, 0).yiaddr());

        assertEquals(FIRST, agent.send(DvmcMessageType.BOOTP, service.localAddress(), DOMAIN, MAC, 0).yiaddr());
        service.close();
        service = start();

        assertEquals(SECOND, agent.send(DvmcMessageType.BOOTP, service.localAddress(), DOMAIN, OTHER_MAC, 0).yiaddr());
        assertEquals(FIRST, agent.send(DvmcMessageType.BOOTP, service.localAddress(), DOMAIN, MAC, 0).yiaddr());
    }

    @Test
    void anAddressHeldByABootpClientIsGivenToNoOtherMac() throws Exception
    {
        final DvmcService service = start();
        final TestAgent agent = agent();
        final InetSocketAddress at = service.localAddress();
        final int bootp = agent.send(DvmcMessageType.BOOTP, at, DOMAIN, MAC, 0).yiaddr();

        final Reply dhcp = agent.discover(at, DOMAIN, OTHER_MAC);
        final Reply askingForIt = agent.send(DvmcMessageType.BOOTP, at, DOMAIN, THIRD_MAC, bootp);

        assertNotEquals(bootp, dhcp.yiaddr());
        assertEquals(DvmcMessageType.NAK, askingForIt.type(), "the pool's two addresses are taken");
        assertEquals(DvmcStatus.REASON_NO_ADDRESS, askingForIt.reason());
    }

    @Test
    void aReservationByMacIsHonoured() throws Exception
    {
        final DvmcService service = start();
        final TestAgent agent = agent();

        final Reply ack = agent.send(DvmcMessageType.BOOTP, service.localAddress(), DOMAIN, RESERVED_MAC, 0);

        assertEquals(RESERVED, ack.yiaddr());
    }

    @Test
    void aRelayDomainWhoseRelayAddressIsNotThisMachinesIsAnsweredWithANakNotAnAddress() throws Exception
    {
        // 10.8.0.3 cannot be bound here: the relay is unavailable and the agent moves on to the next service.
        final DvmcService service = start();
        final TestAgent agent = agent();

        final Reply nak = agent.send(DvmcMessageType.BOOTP, service.localAddress(), RELAY, MAC, 0);

        assertEquals(DvmcMessageType.NAK, nak.type());
        assertEquals(DvmcStatus.REASON_NOT_SUPPORTED, nak.reason());
    }

    private DvmcService start() throws Exception
    {
        final Policy policy = PolicyFile.parse("""
            { "services": ["127.0.0.1:6767"],
              "domains": [
                { "id": 100, "name": "boot", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
                  "pools": [ { "start": "10.0.0.100", "end": "10.0.0.101" } ],
                  "reservations": [ { "mac": "02:00:b0:07:00:aa", "ip": "10.0.0.50" } ],
                  "leaseSeconds": 600 },
                { "id": 400, "name": "relayed", "subnet": "10.8.0.0/24", "router": "10.8.0.1",
                  "mode": "relay", "relayServers": ["10.8.0.2"], "relayAddress": "10.8.0.3" } ] }
            """, "bootp test policy");
        final DvmcService service = new DvmcService(policy, ANY_LOOPBACK, TestAgent.KEY, dir, clock, clock,
            new BackoffIdleStrategy()).start();
        closeables.add(service);
        return service;
    }

    private TestAgent agent() throws Exception
    {
        final TestAgent agent = new TestAgent(clock::millis);
        closeables.add(agent);
        return agent;
    }
}
