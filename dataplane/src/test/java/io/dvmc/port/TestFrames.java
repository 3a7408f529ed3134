package io.dvmc.port;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Ethernet/IPv4/UDP frames for port tests (content distinct per seed; checksums are not filled). */
final class TestFrames
{

    private TestFrames()
    {
    }

    /** A DHCP-client-like frame (UDP 68 -> 67, broadcast) of {@code length} bytes (at least 42). */
    static byte[] udp(int length, int seed)
    {
        if (length < 42)
        {
            throw new IllegalArgumentException("length " + length);
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(new byte[]{-1, -1, -1, -1, -1, -1});
        b.put(new byte[]{2, 0, 0, 0, (byte)(seed >> 8), (byte)seed});
        b.putShort((short)0x0800);
        b.put((byte)0x45).put((byte)0).putShort((short)(length - 14)).putShort((short)seed).putShort((short)0);
        b.put((byte)64).put((byte)17).putShort((short)0).putInt(0).putInt(0xffffffff);
        b.putShort((short)68).putShort((short)67).putShort((short)(length - 34)).putShort((short)0);
        for (int i = 42; i < length; i++)
        {
            b.put((byte)(i * 31 + seed));
        }
        return b.array();
    }

    /** Frames of assorted sizes: minimum, DHCP-sized, full MTU. */
    static List<byte[]> assorted(int count)
    {
        int[] sizes = {60, 64, 342, 590, 1514, 128, 1000};
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            out.add(udp(sizes[i % sizes.length], i + 1));
        }
        return out;
    }
}
