package io.dvmc.relay;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.OptionCopy;
import io.dvmc.exchange.DvmcMessage;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A tenant server's answer to a relayed request, read and checked (RFC 2131 §4.1: a BOOTREPLY with the magic cookie,
 * an Ethernet chaddr, well-formed options), and its options copied out as the DVMC configuration (field 225) the
 * agent answers the VM with. Left out of the copy: what the agent writes itself from the DVMC fields (53, 54, 51,
 * 58, 59), option 82, which is for the relay only (RFC 3046 §2.1: the relay strips it before the client sees the
 * reply), and padding.
 */
final class TenantReply
{
    private static final OptionCopy.Filter FOR_THE_VM = code -> !relayOwned(code);

    private final DhcpPacket packet = new DhcpPacket();

    /** @return whether the datagram is a well-formed BOOTREPLY; the accessors may be read only then. */
    boolean wrap(final DirectBuffer buffer, final int length)
    {
        packet.wrap(buffer, 0, length);
        return length >= DhcpPacket.OPTIONS_OFFSET && packet.validate() >= 0 &&
            packet.op() == DhcpPacket.BOOTREPLY && packet.hasMagicCookie();
    }

    int xid()
    {
        return packet.xid();
    }

    long mac()
    {
        return packet.chaddrMac();
    }

    int giaddr()
    {
        return packet.giaddr();
    }

    int yiaddr()
    {
        return packet.yiaddr();
    }

    /** Option 53: OFFER, ACK or NAK for a relayed DHCP request. */
    int messageType()
    {
        return packet.messageType();
    }

    int serverId()
    {
        return packet.serverId();
    }

    /** Option 51 (unsigned), or {@code otherwise} without one (RFC 2131 §4.3.5: an ACK to INFORM has none). */
    int leaseSeconds(final int otherwise)
    {
        return packet.findOption(DhcpOption.LEASE_TIME) >= 0 ? packet.leaseTime() : otherwise;
    }

    boolean isNak()
    {
        return packet.messageType() == DhcpMessageType.NAK;
    }

    /**
     * Copies the options the VM is to see into {@code out}.
     *
     * @return bytes written, or -1 if they take more than {@code capacity}.
     */
    int copyOptions(final MutableDirectBuffer out, final int outOffset, final int capacity)
    {
        final int end = OptionCopy.copy(packet.buffer(), packet.offset() + DhcpPacket.OPTIONS_OFFSET,
            packet.offset() + packet.length(), out, outOffset, outOffset + capacity, FOR_THE_VM);
        return end >= 0 && DvmcMessage.validOptions(out, outOffset, end - outOffset) ? end - outOffset : -1;
    }

    private static boolean relayOwned(final int code)
    {
        return switch (code)
        {
            case DhcpOption.MESSAGE_TYPE, DhcpOption.SERVER_ID, DhcpOption.LEASE_TIME, DhcpOption.RENEWAL_TIME,
                DhcpOption.REBINDING_TIME, DhcpOption.OVERLOAD, RelayedRequest.OPTION_AGENT_INFORMATION -> true;
            default -> false;
        };
    }
}
