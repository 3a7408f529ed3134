package io.dvmc.relay;

import io.dvmc.config.HostConfig;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dvmc.relay.RelayedRequests.agentInformation;
import static io.dvmc.relay.RelayedRequests.discover;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelayLinksTest
{
    private static final long MAC = 0x02AA_0000_0001L;
    private static final int GIADDR = 0x0A00_0102; // 10.0.1.2
    private static final byte[] LEAF1 = {'l', 'e', 'a', 'f', '1'};

    private final RelayLinks links = new RelayLinks(new HostConfig.Relay("10.9.0.1", null, List.of(
        new HostConfig.Link("10.0.0.0/16", 100), new HostConfig.Link("10.0.1.0/24", 200)), List.of()));
    private final RelayLinks leaf1Only = new RelayLinks(new HostConfig.Relay("10.9.0.1", "02:00:00:00:00:09",
        List.of(new HostConfig.Link("10.0.0.0/16", 100)), List.of("6c:65:61:66:31")));

    private static DhcpPacket packet(final byte[] bytes)
    {
        final DhcpPacket packet = new DhcpPacket().wrap(new UnsafeBuffer(bytes), 0, bytes.length);
        assertEquals(0, packet.validate());
        return packet;
    }

    @Test
    void aRequestWithGiaddrAHopFromTheServerPortIsRelayedAndAnyLessIsNot()
    {
        assertEquals(RelayLinks.RELAYED, links.check(packet(discover(MAC, GIADDR, 1, null)), 67));
        assertEquals(RelayLinks.NOT_RELAYED, links.check(packet(discover(MAC, 0, 1, null)), 67));
        assertEquals(RelayLinks.NOT_RELAYED, links.check(packet(discover(MAC, GIADDR, 0, null)), 67));
        assertEquals(RelayLinks.NOT_RELAYED, links.check(packet(discover(MAC, GIADDR, 1, null)), 68));
        assertEquals(RelayLinks.TOO_MANY_HOPS, links.check(packet(discover(MAC, GIADDR, 17, null)), 67));
    }

    @Test
    void theDomainIsTheMostSpecificLinkHoldingTheGiaddr()
    {
        assertEquals(200, links.domainOf(packet(discover(MAC, GIADDR, 1, null))));
        assertEquals(100, links.domainOf(packet(discover(MAC, 0x0A00_0202, 1, null))));
        assertEquals(0, links.domainOf(packet(discover(MAC, 0x0B00_0102, 1, null))), "a giaddr on no link");
    }

    @Test
    void theLinkSelectionSubOptionChoosesTheLinkOverTheGiaddr()
    {
        final byte[] linkSelection = {10, 0, 7, 0};
        assertEquals(100, links.domainOf(packet(discover(MAC, GIADDR, 1,
            agentInformation(1, new byte[]{1}, RelayLinks.SUB_LINK_SELECTION, linkSelection)))));
    }

    @Test
    void withAnAllowListOnlyARemoteIdItNamesPasses()
    {
        assertEquals(RelayLinks.RELAYED, leaf1Only.check(packet(discover(MAC, GIADDR, 1,
            agentInformation(1, new byte[]{7}, RelayLinks.SUB_REMOTE_ID, LEAF1))), 67));
        assertEquals(RelayLinks.AGENT_REFUSED, leaf1Only.check(packet(discover(MAC, GIADDR, 1,
            agentInformation(RelayLinks.SUB_REMOTE_ID, new byte[]{'l', 'e', 'a', 'f', '2'}))), 67));
        assertEquals(RelayLinks.AGENT_REFUSED, leaf1Only.check(packet(discover(MAC, GIADDR, 1, null)), 67),
            "no option 82 at all");
        assertEquals(RelayLinks.AGENT_REFUSED, leaf1Only.check(packet(discover(MAC, GIADDR, 1,
            agentInformation(1, new byte[]{7}))), 67), "a circuit id only");
    }

    @Test
    void aRelayedClientRenewingByUnicastThroughItsRouterIsTakenForTheLinkOfItsAddressUnlessAnAllowListSaysNo()
    {
        final int ciaddr = 0x0A00_0164; // 10.0.1.100
        final DhcpPacket renewal = packet(RelayedRequests.request(DhcpMessageType.REQUEST, MAC, ciaddr, 0, 0, null));
        assertEquals(RelayLinks.ROUTED, links.check(renewal, 68));
        assertEquals(200, links.domainOf(renewal));
        assertEquals(RelayLinks.AGENT_REFUSED, leaf1Only.check(renewal, 68), "no relay vouched for it");
        assertEquals(RelayLinks.NOT_RELAYED, links.check(packet(RelayedRequests.request(DhcpMessageType.DISCOVER, MAC,
            ciaddr, 0, 0, null)), 68), "a DISCOVER is never unicast by a client");
        assertEquals(RelayLinks.NOT_RELAYED, links.check(packet(RelayedRequests.request(DhcpMessageType.REQUEST, MAC,
            0, 0, 0, null)), 68), "no ciaddr: not a renewal");
    }

    @Test
    void relaysReachTheServerAtItsAddressOrByBroadcast()
    {
        assertTrue(links.addressedHere(0x0A09_0001));
        assertTrue(links.addressedHere(0xFFFF_FFFF));
        assertFalse(links.addressedHere(0x0A09_0002));
        assertEquals(0x0200_0000_0009L, leaf1Only.serverMac());
    }

    @Test
    void aRelayedClientsIdIsToldFromAnyUuid()
    {
        assertTrue(RelayedClient.isRelayed(RelayedClient.vmMsb(100), RelayedClient.vmLsb(MAC)));
        final java.util.UUID vm = java.util.UUID.randomUUID();
        assertFalse(RelayedClient.isRelayed(vm.getMostSignificantBits(), vm.getLeastSignificantBits()));
        final java.util.UUID named = java.util.UUID.nameUUIDFromBytes(new byte[]{1});
        assertFalse(RelayedClient.isRelayed(named.getMostSignificantBits(), named.getLeastSignificantBits()));
    }
}
