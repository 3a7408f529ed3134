package io.dvmc.frame;

import static io.dvmc.dhcp.Captures.ip;
import static io.dvmc.dhcp.Captures.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.Map;

import io.dvmc.dhcp.Captures;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ReplyAddressingTest
{
    private static final long RELAY_MAC = mac("02:00:00:00:0a:01");

    private final DhcpPacket request = new DhcpPacket();
    private final ReplyAddressing to = new ReplyAddressing();

    @Test
    void anOfferToAClientWithoutAddressGoesToYiaddrAndChaddrAsDnsmasqSentIt()
    {
        resolve("udhcpc-discover", DhcpMessageType.OFFER, ip("192.0.2.147"));

        assertSentLike("dnsmasq-offer");
        assertEquals(68, to.dstPort());
    }

    @Test
    void anAckToARenewalGoesToCiaddrAsDnsmasqSentIt()
    {
        resolve("udhcpc-request-renewing", DhcpMessageType.ACK, ip("192.0.2.147"));

        assertSentLike("dnsmasq-ack-renewing");
    }

    @Test
    void anAckToARenewalRoutedToTheServerGoesToCiaddrThroughTheRouterItCameFrom()
    {
        final UnsafeBuffer frame = Captures.frame("udhcpc-request-renewing");
        ReplyAddressing.resolve(Captures.dhcp(frame, request), DhcpMessageType.ACK, ip("192.0.2.147"), RELAY_MAC, true,
            to);

        assertEquals(ip("192.0.2.147"), to.dstIp());
        assertEquals(RELAY_MAC, to.dstMac());
        assertEquals(68, to.dstPort());
    }

    @Test
    void aNakIsBroadcastAsDnsmasqSentIt()
    {
        resolve("dhclient-request-init-reboot", DhcpMessageType.NAK, 0);

        assertSentLike("dnsmasq-nak");
        assertTrue(to.isBroadcast());
    }

    @Test
    void aNakIsBroadcastEvenToAClientThatHasAnAddress()
    {
        resolve("udhcpc-request-renewing", DhcpMessageType.NAK, 0);

        assertEquals(ReplyAddressing.BROADCAST_IP, to.dstIp());
        assertEquals(ReplyAddressing.BROADCAST_MAC, to.dstMac());
    }

    @Test
    void aClientThatAsksForBroadcastGetsBroadcast()
    {
        final UnsafeBuffer frame = Captures.frame("dhclient-discover");
        frame.putShort(Captures.DHCP_OFFSET + DhcpPacket.FLAGS_OFFSET, (short)0x8000, ByteOrder.BIG_ENDIAN);
        ReplyAddressing.resolve(Captures.dhcp(frame, request), DhcpMessageType.OFFER, ip("192.0.2.148"), 0, to);

        assertTrue(to.isBroadcast());
        assertEquals(ReplyAddressing.BROADCAST_MAC, to.dstMac());
    }

    @Test
    void aRelayedRequestIsAnsweredToTheRelayOnTheServerPort()
    {
        for (final int type : new int[]{DhcpMessageType.OFFER, DhcpMessageType.NAK})
        {
            final UnsafeBuffer frame = Captures.frame("udhcpc-request-renewing");
            frame.putInt(Captures.DHCP_OFFSET + DhcpPacket.GIADDR_OFFSET, ip("198.51.100.1"), ByteOrder.BIG_ENDIAN);
            ReplyAddressing.resolve(Captures.dhcp(frame, request), type, ip("198.51.100.20"), RELAY_MAC, to);

            assertEquals(ip("198.51.100.1"), to.dstIp());
            assertEquals(RELAY_MAC, to.dstMac());
            assertEquals(67, to.dstPort());
        }
    }

    private void resolve(final String name, final int type, final int yiaddr)
    {
        ReplyAddressing.resolve(Captures.dhcp(Captures.frame(name), request), type, yiaddr, 0, to);
    }

    private void assertSentLike(final String dnsmasqFrame)
    {
        final Map<String, String> tshark = Captures.tshark(dnsmasqFrame);
        assertEquals(mac(tshark.get("eth.dst")), to.dstMac());
        assertEquals(ip(tshark.get("ip.dst")), to.dstIp());
        assertEquals(Integer.parseInt(tshark.get("udp.dstport")), to.dstPort());
    }
}
