package io.dvmc.frame;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * ARP for a domain's virtual server (RFC 826): a VM in RENEWING unicasts to the server address it learned from
 * option 54, so it first asks who has that address, and the host answers with the domain's virtual MAC. Nothing
 * else is answered: a VM probing its own offered address (RFC 5227) must hear nothing.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |    hardware type (1)          |   protocol type (0x0800)      |
 *  +---------------+---------------+-------------------------------+
 *  |  hlen (6)     |  plen (4)     |   operation (1 ask, 2 answer) |
 *  +---------------+---------------+-------------------------------+
 *  |                 sender hardware address (6)                   |
 *  +                               +-------------------------------+
 *  |                               |  sender protocol address (4)  |
 *  +-------------------------------+                               +
 *  |                               |                               |
 *  +-------------------------------+                               +
 *  |                 target hardware address (6)                   |
 *  +-------------------------------+-------------------------------+
 *  |                 target protocol address (4)                   |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class Arp
{
    public static final int ETHER_TYPE_ARP = 0x0806;
    public static final int HTYPE_OFFSET = 0;
    public static final int PTYPE_OFFSET = 2;
    public static final int HLEN_OFFSET = 4;
    public static final int PLEN_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    public static final int LENGTH = 28;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;

    private Arp()
    {
    }

    /** @return whether the classified frame is an Ethernet/IPv4 ARP request. */
    public static boolean isRequest(final DirectBuffer frame, final FrameView view)
    {
        final int at = view.l3Offset();
        return view.etherType() == ETHER_TYPE_ARP &&
            at + LENGTH <= view.frameOffset() + view.frameLength() &&
            (frame.getShort(at + HTYPE_OFFSET, NET) & 0xFFFF) == 1 &&
            (frame.getShort(at + PTYPE_OFFSET, NET) & 0xFFFF) == FrameClassifier.ETHER_TYPE_IPV4 &&
            frame.getByte(at + HLEN_OFFSET) == 6 &&
            frame.getByte(at + PLEN_OFFSET) == 4 &&
            (frame.getShort(at + OPERATION_OFFSET, NET) & 0xFFFF) == REQUEST;
    }

    public static int targetIp(final DirectBuffer frame, final FrameView view)
    {
        return frame.getInt(view.l3Offset() + TARGET_IP_OFFSET, NET);
    }

    public static int senderIp(final DirectBuffer frame, final FrameView view)
    {
        return frame.getInt(view.l3Offset() + SENDER_IP_OFFSET, NET);
    }

    /**
     * Turns the request into the answer "{@code ip} is at {@code mac}", in place, unicast back to the asker. The
     * frame keeps its length and VLAN tags.
     */
    public static void answerInPlace(final MutableDirectBuffer frame, final FrameView view, final long mac,
        final int ip)
    {
        final int at = view.l3Offset();
        final long askerMac = view.srcMac();
        final int askerIp = senderIp(frame, view);
        FrameWriter.putMac(frame, view.frameOffset() + FrameClassifier.DST_MAC_OFFSET, askerMac);
        FrameWriter.putMac(frame, view.frameOffset() + FrameClassifier.SRC_MAC_OFFSET, mac);
        frame.putShort(at + OPERATION_OFFSET, (short)REPLY, NET);
        FrameWriter.putMac(frame, at + SENDER_MAC_OFFSET, mac);
        frame.putInt(at + SENDER_IP_OFFSET, ip, NET);
        FrameWriter.putMac(frame, at + TARGET_MAC_OFFSET, askerMac);
        frame.putInt(at + TARGET_IP_OFFSET, askerIp, NET);
    }
}
