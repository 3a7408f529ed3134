package io.dvmc.relay;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.OptionCopy;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.policy.Domain;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Writes the BOOTREQUEST a relay agent sends a tenant server for one DVMC request (RFC 1542 §4.1.1, RFC 2131 §4.1):
 * the VM's MAC as chaddr, giaddr the domain's relay address, hops 1 (the VM's request never crossed a relay before),
 * the VM's own options as the agent passed them in field 225, and last before END the relay agent information
 * option (RFC 3046): circuit-id the VM id, remote-id the domain id, both as text, and with
 * {@link Domain#linkSelection()} the RFC 3527 link selection sub-option naming the domain's subnet.
 *
 * <p>The VM's state (RFC 2131 §4.3.2) is in its options: a REQUEST with option 50 is SELECTING (with 54) or
 * INIT-REBOOT (without), one without is RENEWING or REBINDING and carries the address in ciaddr, as do RELEASE and
 * INFORM. The VM knows only the domain's virtual server: its option 54 is replaced by the server id of the tenant
 * server whose offer was taken, or left out when that is not known (the server then answers as in INIT-REBOOT).
 * A VM's BOOTREQUEST (DVMC BOOTP, RFC 951) is relayed without option 53. It always gets the RFC 1497 cookie, so
 * that option 82 can name the VM, even when the VM sent none: the tenant server's reply never reaches the VM as it
 * is, and the agent answers a VM that sent no cookie with a BOOTREPLY without one (nor options), as in builtin mode.
 */
final class RelayedRequest
{
    static final int OPTION_AGENT_INFORMATION = 82;
    static final int SUBOPTION_CIRCUIT_ID = 1;
    static final int SUBOPTION_REMOTE_ID = 2;
    static final int SUBOPTION_LINK_SELECTION = 5;
    /** RFC 1542 §2.1: a BOOTP message is at least 300 bytes; shorter ones are padded. */
    private static final int MIN_LENGTH = DhcpPacket.MIN_BOOTP_LENGTH;
    /** A relayed request fits one 576-byte datagram with IP and UDP headers (RFC 2131 §2). */
    static final int MAX_LENGTH = 576 - 28;
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    private static final OptionCopy.Filter CLIENT_OWNED = code -> code != DhcpOption.MESSAGE_TYPE &&
        code != DhcpOption.SERVER_ID && code != OPTION_AGENT_INFORMATION;

    private final byte[] circuitId = new byte[36];

    /**
     * The DHCP message type (option 53) of a DVMC request type; {@link DhcpMessageType#BOOTP} (0, no option 53) for
     * BOOTP and for one that is not relayed.
     */
    static int dhcpTypeOf(final int dvmcType)
    {
        return switch (dvmcType)
        {
            case DvmcMessageType.DISCOVER -> DhcpMessageType.DISCOVER;
            case DvmcMessageType.REQUEST -> DhcpMessageType.REQUEST;
            case DvmcMessageType.DECLINE -> DhcpMessageType.DECLINE;
            case DvmcMessageType.RELEASE -> DhcpMessageType.RELEASE;
            case DvmcMessageType.INFORM -> DhcpMessageType.INFORM;
            default -> 0;
        };
    }

    /**
     * @param giaddr         the relay address the request leaves from, where the tenant's answer is to come.
     * @param tenantServerId the tenant server id that replaces the VM's option 54, or 0 to leave 54 out.
     * @return the message length, or -1 if the VM's options do not fit one datagram.
     */
    int write(final DvmcMessage request, final Domain domain, final int giaddr, final int xid,
        final int tenantServerId, final MutableDirectBuffer out)
    {
        final int dhcpType = dhcpTypeOf(request.type());
        out.setMemory(0, DhcpPacket.OPTIONS_OFFSET, (byte)0);
        out.putByte(DhcpPacket.OP_OFFSET, (byte)DhcpPacket.BOOTREQUEST);
        out.putByte(DhcpPacket.HTYPE_OFFSET, (byte)DhcpPacket.HTYPE_ETHERNET);
        out.putByte(DhcpPacket.HLEN_OFFSET, (byte)DhcpPacket.HLEN_ETHERNET);
        out.putByte(DhcpPacket.HOPS_OFFSET, (byte)1);
        out.putInt(DhcpPacket.XID_OFFSET, xid, NET);
        out.putInt(DhcpPacket.CIADDR_OFFSET, ciaddr(request, dhcpType), NET);
        out.putInt(DhcpPacket.GIADDR_OFFSET, giaddr, NET);
        final long mac = request.mac();
        for (int i = 0; i < 6; i++)
        {
            out.putByte(DhcpPacket.CHADDR_OFFSET + i, (byte)(mac >>> (40 - 8 * i)));
        }
        out.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, NET);
        int at = DhcpPacket.OPTIONS_OFFSET;
        if (dhcpType != DhcpMessageType.BOOTP)
        {
            out.putByte(at++, (byte)DhcpOption.MESSAGE_TYPE);
            out.putByte(at++, (byte)1);
            out.putByte(at++, (byte)dhcpType);
        }
        if (tenantServerId != 0 && request.findOption(DhcpOption.SERVER_ID) >= 0)
        {
            at = putInt(out, at, DhcpOption.SERVER_ID, tenantServerId);
        }
        at = copyClientOptions(request, out, at);
        if (at < 0)
        {
            return -1;
        }
        at = putAgentInformation(request, domain, out, at);
        if (at < 0)
        {
            return -1;
        }
        out.putByte(at++, (byte)DhcpOption.END);
        if (at < MIN_LENGTH)
        {
            out.setMemory(at, MIN_LENGTH - at, (byte)0);
            at = MIN_LENGTH;
        }
        return at;
    }

    /** RFC 2131 §4.3.2, table 5: ciaddr is set when RENEWING or REBINDING, in RELEASE and in INFORM. */
    private static int ciaddr(final DvmcMessage request, final int dhcpType)
    {
        return switch (dhcpType)
        {
            case DhcpMessageType.REQUEST -> request.findOption(DhcpOption.REQUESTED_IP) >= 0 ? 0 : request.yiaddr();
            case DhcpMessageType.RELEASE, DhcpMessageType.INFORM, DhcpMessageType.BOOTP -> request.yiaddr();
            default -> 0;
        };
    }

    /** The VM's options but those the relay writes itself (53, 54, 82) and padding. */
    private static int copyClientOptions(final DvmcMessage request, final MutableDirectBuffer out, final int start)
    {
        return OptionCopy.copy(request.buffer(), request.configOffset(),
            request.configOffset() + request.configLength(),
            out, start, MAX_LENGTH - 1, CLIENT_OWNED);
    }

    private int putAgentInformation(final DvmcMessage request, final Domain domain, final MutableDirectBuffer out,
        final int start)
    {
        final String vmId = new UUID(request.vmIdMsb(), request.vmIdLsb()).toString();
        final byte[] remoteId = domain.idString().getBytes(StandardCharsets.US_ASCII);
        final int length = 2 + circuitId.length + 2 + remoteId.length + (domain.linkSelection() ? 6 : 0);
        if (start + 2 + length > MAX_LENGTH - 1)
        {
            return -1;
        }
        for (int i = 0; i < circuitId.length; i++)
        {
            circuitId[i] = (byte)vmId.charAt(i);
        }
        int at = start;
        out.putByte(at++, (byte)OPTION_AGENT_INFORMATION);
        out.putByte(at++, (byte)length);
        out.putByte(at++, (byte)SUBOPTION_CIRCUIT_ID);
        out.putByte(at++, (byte)circuitId.length);
        out.putBytes(at, circuitId);
        at += circuitId.length;
        out.putByte(at++, (byte)SUBOPTION_REMOTE_ID);
        out.putByte(at++, (byte)remoteId.length);
        out.putBytes(at, remoteId);
        at += remoteId.length;
        if (domain.linkSelection())
        {
            out.putByte(at++, (byte)SUBOPTION_LINK_SELECTION);
            out.putByte(at++, (byte)4);
            out.putInt(at, domain.network(), NET);
            at += 4;
        }
        return at;
    }

    private static int putInt(final MutableDirectBuffer out, final int at, final int code, final int value)
    {
        out.putByte(at, (byte)code);
        out.putByte(at + 1, (byte)4);
        out.putInt(at + 2, value, NET);
        return at + 6;
    }
}
