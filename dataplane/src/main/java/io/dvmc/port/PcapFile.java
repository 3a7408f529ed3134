package io.dvmc.port;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes classic libpcap files of Ethernet frames (what net_pcap's rx_pcap and tx_pcap use), for tests
 * and benchmark traffic. Whole files in memory; records as byte arrays without timestamps.
 */
public final class PcapFile
{

    public static final int LINKTYPE_ETHERNET = 1;
    public static final int SNAPLEN = 65535;

    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int HEADER = 24;
    private static final int RECORD_HEADER = 16;

    private PcapFile()
    {
    }

    /** The frames of {@code file} in order (each its captured bytes). */
    public static List<byte[]> read(Path file) throws IOException
    {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < HEADER)
        {
            throw new IOException(file + ": too short for a pcap header");
        }
        int magic = in.getInt(0);
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS)
        {
            in.order(ByteOrder.BIG_ENDIAN);
            magic = in.getInt(0);
            if (magic != MAGIC_MICROS && magic != MAGIC_NANOS)
            {
                throw new IOException(file + ": not a pcap file (magic " + Integer.toHexString(magic) + ")");
            }
        }
        in.position(HEADER);
        List<byte[]> frames = new ArrayList<>();
        while (in.remaining() >= RECORD_HEADER)
        {
            in.getInt(); // seconds
            in.getInt(); // micro or nanoseconds
            int captured = in.getInt();
            in.getInt(); // original length
            if (captured < 0 || captured > in.remaining())
            {
                throw new IOException(file + ": truncated record " + frames.size());
            }
            byte[] frame = new byte[captured];
            in.get(frame);
            frames.add(frame);
        }
        if (in.hasRemaining())
        {
            throw new IOException(file + ": " + in.remaining() + " trailing bytes");
        }
        return frames;
    }

    /** Writes {@code frames} as an Ethernet pcap (microsecond timestamps, one microsecond apart). */
    public static void write(Path file, List<byte[]> frames) throws IOException
    {
        long size = HEADER;
        for (byte[] f : frames)
        {
            if (f.length > SNAPLEN)
            {
                throw new IllegalArgumentException("frame of " + f.length + " bytes exceeds the snap length");
            }
            size += RECORD_HEADER + f.length;
        }
        if (size > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("pcap of " + size + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int)size).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC_MICROS).putShort((short)2).putShort((short)4).putInt(0).putInt(0)
            .putInt(SNAPLEN).putInt(LINKTYPE_ETHERNET);
        long micros = 0;
        for (byte[] f : frames)
        {
            out.putInt((int)(micros / 1_000_000)).putInt((int)(micros % 1_000_000)).putInt(f.length).putInt(f.length);
            out.put(f);
            micros++;
        }
        Files.write(file, out.array());
    }
}
