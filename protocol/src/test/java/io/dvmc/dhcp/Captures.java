package io.dvmc.dhcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The real frames in src/test/resources/captures (made by captures/capture.sh) and what tshark read in each
 * (captures/fixtures.tsv).
 */
public final class Captures
{
    /** Untagged frames without IP options: 14 Ethernet + 20 IPv4 + 8 UDP. */
    public static final int DHCP_OFFSET = 42;

    public static final List<String> CLIENT_FRAMES = List.of(
        "udhcpc-discover", "udhcpc-request-selecting", "udhcpc-request-renewing", "udhcpc-release",
        "dhclient-discover", "dhclient-request-selecting", "dhclient-request-init-reboot",
        "dhcpcd-discover", "dhcpcd-request-selecting");

    public static final List<String> SERVER_FRAMES = List.of(
        "dnsmasq-offer", "dnsmasq-ack", "dnsmasq-ack-renewing", "dnsmasq-nak");

    private static Map<String, Map<String, String>> tshark;

    private Captures()
    {
    }

    public static List<String> allFrames()
    {
        final List<String> all = new ArrayList<>(CLIENT_FRAMES);
        all.addAll(SERVER_FRAMES);
        return all;
    }

    public static byte[] bytes(final String name)
    {
        try (InputStream in = Captures.class.getResourceAsStream("/captures/" + name + ".bin"))
        {
            if (in == null)
            {
                throw new IllegalArgumentException("no capture " + name);
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the frame at offset 0 of a buffer of exactly its length.
     */
    public static UnsafeBuffer frame(final String name)
    {
        return new UnsafeBuffer(bytes(name));
    }

    /**
     * @return the frame at offset 0 of a buffer of the given capacity (room to write a longer reply in place).
     */
    public static UnsafeBuffer frame(final String name, final int capacity)
    {
        final byte[] frame = bytes(name);
        final byte[] room = new byte[Math.max(capacity, frame.length)];
        System.arraycopy(frame, 0, room, 0, frame.length);
        return new UnsafeBuffer(room);
    }

    /**
     * @return the DHCP message of an untagged captured frame, wrapped (not validated).
     */
    public static DhcpPacket dhcp(final UnsafeBuffer frame, final DhcpPacket packet)
    {
        final int udpLength = frame.getShort(38, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        return packet.wrap(frame, DHCP_OFFSET, udpLength - 8);
    }

    /**
     * A copy of an untagged captured frame two bytes longer, with one option of its options field split in two
     * instances (RFC 3396), the first holding {@code firstLength} bytes of the value. IP and UDP lengths follow; the
     * checksums are not recomputed.
     */
    public static UnsafeBuffer splitOption(final UnsafeBuffer frame, final int code, final int firstLength)
    {
        int at = DHCP_OFFSET + DhcpPacket.OPTIONS_OFFSET;
        while ((frame.getByte(at) & 0xFF) != code)
        {
            final int c = frame.getByte(at) & 0xFF;
            if (c == DhcpOption.END)
            {
                throw new IllegalArgumentException("no option " + code);
            }
            at += c == DhcpOption.PAD ? 1 : 2 + (frame.getByte(at + 1) & 0xFF);
        }
        final int length = frame.getByte(at + 1) & 0xFF;
        final int second = at + 2 + firstLength;
        final UnsafeBuffer split = new UnsafeBuffer(new byte[frame.capacity() + 2]);
        split.putBytes(0, frame, 0, second);
        split.putBytes(second + 2, frame, second, frame.capacity() - second);
        split.putByte(at + 1, (byte)firstLength);
        split.putByte(second, (byte)code);
        split.putByte(second + 1, (byte)(length - firstLength));
        split.putShort(16, (short)(frame.getShort(16, ByteOrder.BIG_ENDIAN) + 2), ByteOrder.BIG_ENDIAN);
        split.putShort(38, (short)(frame.getShort(38, ByteOrder.BIG_ENDIAN) + 2), ByteOrder.BIG_ENDIAN);
        return split;
    }

    /**
     * @return tshark's reading of the frame: field name to value, "" when absent, lists joined by ','.
     */
    public static synchronized Map<String, String> tshark(final String name)
    {
        if (tshark == null)
        {
            tshark = loadTsv();
        }
        final Map<String, String> row = tshark.get(name);
        if (row == null)
        {
            throw new IllegalArgumentException("fixtures.tsv has no row " + name);
        }
        return row;
    }

    public static int ip(final String dotted)
    {
        final String[] parts = dotted.split("\\.");
        int ip = 0;
        for (final String part : parts)
        {
            ip = (ip << 8) | Integer.parseInt(part);
        }
        return ip;
    }

    public static long mac(final String colons)
    {
        return Long.parseLong(colons.replace(":", ""), 16);
    }

    public static int hex(final String prefixed)
    {
        return Integer.parseUnsignedInt(prefixed.substring(2), 16);
    }

    private static Map<String, Map<String, String>> loadTsv()
    {
        try (InputStream in = Captures.class.getResourceAsStream("/captures/fixtures.tsv"))
        {
            final String[] lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n");
            final String[] header = lines[0].split("\t", -1);
            final Map<String, Map<String, String>> rows = new HashMap<>();
            for (int i = 1; i < lines.length; i++)
            {
                if (lines[i].isBlank())
                {
                    continue;
                }
                final String[] cells = lines[i].split("\t", -1);
                final Map<String, String> row = new HashMap<>();
                for (int c = 0; c < header.length; c++)
                {
                    row.put(header[c], c < cells.length ? cells[c] : "");
                }
                rows.put(cells[0], row);
            }
            return rows;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
