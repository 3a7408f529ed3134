package io.dvmc.port;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PcapFileTest
{

    @TempDir
    Path dir;

    @Test
    void writesWhatItReads() throws IOException
    {
        List<byte[]> frames = TestFrames.assorted(7);
        Path file = dir.resolve("a.pcap");
        PcapFile.write(file, frames);
        List<byte[]> back = PcapFile.read(file);
        assertEquals(frames.size(), back.size());
        for (int i = 0; i < frames.size(); i++)
        {
            assertArrayEquals(frames.get(i), back.get(i), "frame " + i);
        }
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, header.getInt(0));
        assertEquals(PcapFile.LINKTYPE_ETHERNET, header.getInt(20));
    }

    @Test
    void readsBigEndianNanosecondFiles() throws IOException
    {
        byte[] frame = TestFrames.udp(60, 9);
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + frame.length).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xa1b23c4d).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(1);
        b.putInt(1).putInt(999_999_999).putInt(frame.length).putInt(frame.length).put(frame);
        Path file = dir.resolve("b.pcap");
        Files.write(file, b.array());
        assertArrayEquals(frame, PcapFile.read(file).getFirst());
    }

    @Test
    void rejectsTruncatedFiles() throws IOException
    {
        Path file = dir.resolve("c.pcap");
        PcapFile.write(file, List.of(TestFrames.udp(100, 1)));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 5));
        assertThrows(IOException.class, () -> PcapFile.read(file));
    }
}
