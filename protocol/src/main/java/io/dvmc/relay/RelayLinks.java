package io.dvmc.relay;

import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.List;

/**
 * What a relay-facing port knows of the relays behind it, compiled from host.json for the worker: which requests
 * are relayed to this server, or routed to it by a relayed client that renews ({@link #check}), and the domain of the link a relayed client is on
 * ({@link #domainOf}). Immutable; per request it reads the packet and primitive arrays only, allocating nothing.
 */
public final class RelayLinks
{
    /** A relayed request for this port's server. */
    public static final int RELAYED = 0;
    /** No giaddr, no hop, or not from the server port: not a relay's (RFC 2131 §4.1, RFC 1542 §4.1). */
    public static final int NOT_RELAYED = 1;
    /** Relayed more than RFC 1542 §4.1.1 allows. */
    public static final int TOO_MANY_HOPS = 2;
    /**
     * A client behind a relay that unicasts to the server through its router (RFC 2131 §4.4.5 RENEWING, §4.4.6
     * RELEASE, §4.3.5 INFORM): no giaddr, from the client port, with ciaddr. Refused on a port with an allow list,
     * since no relay vouched for it.
     */
    public static final int ROUTED = 4;
    /** The remote id of option 82 is missing or not one the port accepts. */
    public static final int AGENT_REFUSED = 3;
    /** RFC 1542 §4.1.1: a relay discards a request whose hops exceed 16; a server takes no more. */
    static final int MAX_HOPS = 16;
    static final int SUB_REMOTE_ID = 2;
    /** RFC 3527. */
    static final int SUB_LINK_SELECTION = 5;
    private static final int BROADCAST = 0xFFFF_FFFF;
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    private final int serverIp;
    private final long serverMac;
    private final int[] networks;
    private final int[] masks;
    private final int[] domains;
    private final byte[][] remoteIds;

    public RelayLinks(final HostConfig.Relay relay)
    {
        serverIp = Addresses.parseIpv4(relay.serverIp());
        serverMac = relay.serverMacBits();
        // Longest prefix first, so the first match is the most specific link.
        final List<HostConfig.Link> links = relay.links().stream()
            .sorted((a, b) -> Integer.compare(Integer.bitCount(b.mask()), Integer.bitCount(a.mask()))).toList();
        networks = links.stream().mapToInt(HostConfig.Link::network).toArray();
        masks = links.stream().mapToInt(HostConfig.Link::mask).toArray();
        domains = links.stream().mapToInt(l -> (int)l.domain()).toArray();
        remoteIds = relay.remoteIdBytes().toArray(byte[][]::new);
    }

    public int serverIp()
    {
        return serverIp;
    }

    public long serverMac()
    {
        return serverMac;
    }

    /** @return whether a relay addressed this server: its address, or broadcast. */
    public boolean addressedHere(final int dstIp)
    {
        return dstIp == serverIp || dstIp == BROADCAST;
    }

    /**
     * @param request a validated BOOTREQUEST.
     * @param srcPort the UDP source port it came from.
     * @return {@link #RELAYED}, or why it is not to be answered.
     */
    public int check(final DhcpPacket request, final int srcPort)
    {
        if (request.giaddr() == 0 && srcPort == 68 && request.ciaddr() != 0 && isUnicastType(request.messageType()))
        {
            return remoteIds.length == 0 ? ROUTED : AGENT_REFUSED;
        }
        if (request.giaddr() == 0 || request.hops() == 0 || srcPort != 67)
        {
            return NOT_RELAYED;
        }
        if (request.hops() > MAX_HOPS)
        {
            return TOO_MANY_HOPS;
        }
        return remoteIds.length == 0 || acceptedRemoteId(request) ? RELAYED : AGENT_REFUSED;
    }

    /**
     * @return the domain of the client's link: the RFC 3527 link selection sub-option when the relay gives one,
     * else giaddr (RFC 2131 §4.3.1), else (a routed request) ciaddr, looked up in the port's links; 0 when no link
     * holds it.
     */
    public int domainOf(final DhcpPacket request)
    {
        final int linkSelection = subOptionAddress(request, SUB_LINK_SELECTION);
        final int address = linkSelection != 0
            ? linkSelection
            : request.giaddr() != 0 ? request.giaddr() : request.ciaddr();
        for (int i = 0; i < networks.length; i++)
        {
            if ((address & masks[i]) == networks[i])
            {
                return domains[i];
            }
        }
        return 0;
    }

    private static boolean isUnicastType(final int type)
    {
        return type == DhcpMessageType.REQUEST || type == DhcpMessageType.RELEASE || type == DhcpMessageType.INFORM;
    }

    private boolean acceptedRemoteId(final DhcpPacket request)
    {
        final int at = subOption(request, SUB_REMOTE_ID);
        if (at < 0)
        {
            return false;
        }
        final DirectBuffer buffer = request.optionBuffer(DhcpOption.RELAY_AGENT_INFORMATION);
        final int length = buffer.getByte(at + 1) & 0xFF;
        for (final byte[] id : remoteIds)
        {
            if (id.length == length && equal(buffer, at + 2, id))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean equal(final DirectBuffer buffer, final int at, final byte[] id)
    {
        for (int i = 0; i < id.length; i++)
        {
            if (buffer.getByte(at + i) != id[i])
            {
                return false;
            }
        }
        return true;
    }

    /** @return the 4-byte address of sub-option {@code code} of option 82, or 0 when absent or not 4 bytes. */
    private static int subOptionAddress(final DhcpPacket request, final int code)
    {
        final int at = subOption(request, code);
        if (at < 0 || (request.optionBuffer(DhcpOption.RELAY_AGENT_INFORMATION).getByte(at + 1) & 0xFF) != 4)
        {
            return 0;
        }
        return request.optionBuffer(DhcpOption.RELAY_AGENT_INFORMATION).getInt(at + 2, NET);
    }

    /** @return the index of sub-option {@code code} (its code byte) in option 82, or -1; a sub-option overrunning the option ends the walk. */
    static int subOption(final DhcpPacket request, final int code)
    {
        final int start = request.findOption(DhcpOption.RELAY_AGENT_INFORMATION);
        if (start < 0)
        {
            return -1;
        }
        final DirectBuffer buffer = request.optionBuffer(DhcpOption.RELAY_AGENT_INFORMATION);
        final int end = start + request.optionLength(DhcpOption.RELAY_AGENT_INFORMATION);
        int at = start;
        while (at + 2 <= end)
        {
            final int length = buffer.getByte(at + 1) & 0xFF;
            if (at + 2 + length > end)
            {
                return -1;
            }
            if ((buffer.getByte(at) & 0xFF) == code)
            {
                return at;
            }
            at += 2 + length;
        }
        return -1;
    }
}
