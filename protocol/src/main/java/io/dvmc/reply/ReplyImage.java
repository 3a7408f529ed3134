package io.dvmc.reply;

import java.nio.ByteOrder;

import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.Checksums;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A reply template: the IPv4, UDP and DHCP bytes of a reply the reference writer built, with every field that
 * differs between two requests of one {@link TemplateKey} zeroed, and the checksums' sums over the rest kept.
 * <pre>
 *  IPv4  destination, checksum                            patched; checksum = template sum + destination
 *  UDP   destination port, checksum                       patched; checksum = template sum + pseudo-header
 *                                                         destination + port + the two patched DHCP ranges
 *  DHCP  [0, 44)   htype hlen xid flags ciaddr yiaddr      patched; summed per reply (op, hops, secs, siaddr
 *                  giaddr chaddr                           are the template's)
 *        [240, variableEnd)  53 54 51 58 59 61             lease times and client id patched; summed per reply
 *        the rest  sname, file, cookie, domain options,   the template's, in the template sum
 *                  END, padding
 * </pre>
 * The options the writer puts first (53, 54, lease times, client id) have a fixed layout for a key, so their
 * places are found once; every sum range starts on an even offset from the UDP header (RFC 1071).
 */
final class ReplyImage
{
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private static final int IP = FrameWriter.IP_HEADER_LENGTH;
    private static final int HEADERS = FrameWriter.IP_HEADER_LENGTH + FrameWriter.UDP_HEADER_LENGTH;
    private static final int PATCHED_FIXED = DhcpPacket.SNAME_OFFSET;

    private ReplyImage()
    {
    }

    /**
     * Keeps a reference reply as the template of {@code slot}.
     *
     * @param reply    the reference reply's buffer.
     * @param ip       index of its IPv4 header.
     * @return false if its options are not laid out as the writer lays them out (the slot stays empty).
     */
    static boolean learn(
        final ReplyTemplates templates, final int slot, final DirectBuffer reply, final int ip, final TemplateKey key)
    {
        final int length = reply.getShort(ip + FrameClassifier.IP_TOTAL_LENGTH_OFFSET, NET) & 0xFFFF;
        if (length > ReplyTemplates.IMAGE_CAPACITY)
        {
            return false;
        }
        final UnsafeBuffer image = templates.images();
        final int at = ReplyTemplates.imageOffset(slot);
        final int dhcp = at + HEADERS;
        final int dhcpLength = length - HEADERS;
        image.putBytes(at, reply, ip, length);

        int option = DhcpPacket.OPTIONS_OFFSET;
        if (!isOption(image, dhcp + option, DhcpOption.MESSAGE_TYPE, 1) ||
            !isOption(image, dhcp + option + 3, DhcpOption.SERVER_ID, 4) ||
            !isOption(image, dhcp + option + 9, DhcpOption.LEASE_TIME, 4))
        {
            return false;
        }
        option += 9;
        final int leaseAt = option + 2;
        int t1At = -1;
        option += 6;
        if (!key.infinite())
        {
            if (!isOption(image, dhcp + option, DhcpOption.RENEWAL_TIME, 4) ||
                !isOption(image, dhcp + option + 6, DhcpOption.REBINDING_TIME, 4))
            {
                return false;
            }
            t1At = option + 2;
            option += 12;
        }
        final int clientIdAt = option + 2;
        if (key.clientIdLength() > 0)
        {
            if (!isOption(image, dhcp + option, DhcpOption.CLIENT_ID, key.clientIdLength()))
            {
                return false;
            }
            option += 2 + key.clientIdLength();
        }
        final int variableEnd = (option + 1) & ~1;
        if (variableEnd > dhcpLength)
        {
            return false;
        }

        // What the next VM must not see of this one, and what the per-reply sums cover.
        image.putInt(at + FrameClassifier.IP_DST_OFFSET, 0);
        image.putShort(at + FrameClassifier.IP_CHECKSUM_OFFSET, (short)0);
        image.putShort(at + IP + FrameClassifier.UDP_DST_PORT_OFFSET, (short)0);
        image.putShort(at + IP + FrameClassifier.UDP_CHECKSUM_OFFSET, (short)0);
        // siaddr is the domain's next server for a netboot client: the key's, not the request's.
        final int siaddr = image.getInt(dhcp + DhcpPacket.SIADDR_OFFSET);
        image.setMemory(dhcp, PATCHED_FIXED, (byte)0);
        image.putByte(dhcp + DhcpPacket.OP_OFFSET, (byte)DhcpPacket.BOOTREPLY);
        image.putInt(dhcp + DhcpPacket.SIADDR_OFFSET, siaddr);
        image.putInt(dhcp + leaseAt, 0);
        if (t1At >= 0)
        {
            image.putInt(dhcp + t1At, 0);
            image.putInt(dhcp + t1At + 6, 0);
        }
        image.setMemory(dhcp + clientIdAt, key.clientIdLength(), (byte)0);

        final int srcIp = image.getInt(at + FrameClassifier.IP_SRC_OFFSET, NET);
        final int udpLength = length - IP;
        long udpSum = Checksums.pseudoHeaderSum(srcIp, 0, FrameClassifier.IP_PROTOCOL_UDP, udpLength);
        udpSum = Checksums.sum(image, at + IP, FrameWriter.UDP_HEADER_LENGTH, udpSum);
        udpSum = Checksums.sum(image, dhcp + PATCHED_FIXED, DhcpPacket.OPTIONS_OFFSET - PATCHED_FIXED, udpSum);
        udpSum = Checksums.sum(image, dhcp + variableEnd, dhcpLength - variableEnd, udpSum);

        templates.field(slot, ReplyTemplates.LENGTH, length);
        templates.field(slot, ReplyTemplates.LEASE_AT, leaseAt);
        templates.field(slot, ReplyTemplates.T1_AT, t1At);
        templates.field(slot, ReplyTemplates.CLIENT_ID_AT, clientIdAt);
        templates.field(slot, ReplyTemplates.VARIABLE_END, variableEnd);
        templates.field(slot, ReplyTemplates.IP_SUM, Checksums.fold(Checksums.sum(image, at, IP, 0)));
        templates.field(slot, ReplyTemplates.UDP_SUM, Checksums.fold(udpSum));
        templates.publish(slot, key);
        return true;
    }

    /**
     * Writes the reply from a template over the request: the request's fields are read before the image is copied
     * over them.
     *
     * @param ip             index of the reply's IPv4 header, where the request's is (no IP options).
     * @param in             the request's buffer, its DHCP payload from {@code from}.
     * @param clientIdIn     the buffer of the request's client id, its value from {@code clientIdAt}.
     * @param clientIdLength the client id's length, 0 when absent (the template's key has the same).
     * @param clientId       scratch for the client id, at least 255 bytes.
     * @return the frame length.
     */
    static int write(
        final ReplyTemplates templates,
        final int slot,
        final MutableDirectBuffer frame,
        final int ip,
        final DirectBuffer in,
        final int from,
        final DirectBuffer clientIdIn,
        final int clientIdAt,
        final int clientIdLength,
        final boolean keepCiaddr,
        final int yiaddr,
        final int leaseSeconds,
        final int dstIp,
        final int dstPort,
        final MutableDirectBuffer clientId)
    {
        final short htypeHlen = in.getShort(from + DhcpPacket.HTYPE_OFFSET);
        final int xid = in.getInt(from + DhcpPacket.XID_OFFSET);
        final short flags = in.getShort(from + DhcpPacket.FLAGS_OFFSET);
        final int ciaddr = keepCiaddr ? in.getInt(from + DhcpPacket.CIADDR_OFFSET) : 0;
        final int giaddr = in.getInt(from + DhcpPacket.GIADDR_OFFSET);
        final long chaddrHigh = in.getLong(from + DhcpPacket.CHADDR_OFFSET);
        final long chaddrLow = in.getLong(from + DhcpPacket.CHADDR_OFFSET + 8);
        if (clientIdLength > 0)
        {
            clientIdIn.getBytes(clientIdAt, clientId, 0, clientIdLength);
        }

        final int length = templates.field(slot, ReplyTemplates.LENGTH);
        frame.putBytes(ip, templates.images(), ReplyTemplates.imageOffset(slot), length);
        final int dhcp = ip + HEADERS;
        frame.putShort(dhcp + DhcpPacket.HTYPE_OFFSET, htypeHlen);
        frame.putInt(dhcp + DhcpPacket.XID_OFFSET, xid);
        frame.putShort(dhcp + DhcpPacket.FLAGS_OFFSET, flags);
        frame.putInt(dhcp + DhcpPacket.CIADDR_OFFSET, ciaddr);
        frame.putInt(dhcp + DhcpPacket.YIADDR_OFFSET, yiaddr, NET);
        frame.putInt(dhcp + DhcpPacket.GIADDR_OFFSET, giaddr);
        frame.putLong(dhcp + DhcpPacket.CHADDR_OFFSET, chaddrHigh);
        frame.putLong(dhcp + DhcpPacket.CHADDR_OFFSET + 8, chaddrLow);
        frame.putInt(dhcp + templates.field(slot, ReplyTemplates.LEASE_AT), leaseSeconds, NET);
        final int t1At = templates.field(slot, ReplyTemplates.T1_AT);
        if (t1At >= 0)
        {
            final long lease = leaseSeconds & 0xFFFF_FFFFL;
            frame.putInt(dhcp + t1At, (int)(lease >>> 1), NET);
            frame.putInt(dhcp + t1At + 6, (int)((lease * 7) >>> 3), NET);
        }
        if (clientIdLength > 0)
        {
            frame.putBytes(dhcp + templates.field(slot, ReplyTemplates.CLIENT_ID_AT), clientId, 0, clientIdLength);
        }

        final long dstWords = (dstIp >>> 16) + (dstIp & 0xFFFF);
        frame.putInt(ip + FrameClassifier.IP_DST_OFFSET, dstIp, NET);
        frame.putShort(ip + FrameClassifier.IP_CHECKSUM_OFFSET,
            (short)~Checksums.fold(templates.field(slot, ReplyTemplates.IP_SUM) + dstWords), NET);

        final int udp = ip + IP;
        frame.putShort(udp + FrameClassifier.UDP_DST_PORT_OFFSET, (short)dstPort, NET);
        long sum = templates.field(slot, ReplyTemplates.UDP_SUM) + dstWords + dstPort;
        sum = Checksums.sum(frame, dhcp, PATCHED_FIXED, sum);
        final int variableEnd = templates.field(slot, ReplyTemplates.VARIABLE_END);
        sum = Checksums.sum(frame, dhcp + DhcpPacket.OPTIONS_OFFSET, variableEnd - DhcpPacket.OPTIONS_OFFSET, sum);
        final int checksum = ~Checksums.fold(sum) & 0xFFFF;
        // 0 means "no checksum" in UDP over IPv4 (RFC 768)
        frame.putShort(udp + FrameClassifier.UDP_CHECKSUM_OFFSET, (short)(checksum == 0 ? 0xFFFF : checksum), NET);
        return length;
    }

    private static boolean isOption(final DirectBuffer image, final int at, final int code, final int length)
    {
        return (image.getByte(at) & 0xFF) == code && (image.getByte(at + 1) & 0xFF) == length;
    }
}
