package io.dvmc.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteOrder;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ChecksumsTest
{
    @Test
    void sumsTheRfc1071Example()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[]{0x00, 0x01, (byte)0xf2, 0x03, (byte)0xf4, (byte)0xf5,
            (byte)0xf6, (byte)0xf7});

        assertEquals(0xDDF2, Checksums.fold(Checksums.sum(bytes, 0, 8, 0)));
        assertEquals(0x220D, Checksums.internetChecksum(bytes, 0, 8));
    }

    @Test
    void anOddTrailingByteIsPaddedWithZero()
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[]{0x12, 0x34, 0x56});

        assertEquals(~(0x1234 + 0x5600) & 0xFFFF, Checksums.internetChecksum(bytes, 0, 3));
    }

    @Test
    void agreesWithTheSixteenBitWordDefinitionOnRandomRanges()
    {
        final Random random = new Random(1071L);
        final byte[] data = new byte[1600];
        final UnsafeBuffer buffer = new UnsafeBuffer(data);
        for (int round = 0; round < 2_000; round++)
        {
            random.nextBytes(data);
            final int offset = random.nextInt(100);
            final int length = random.nextInt(data.length - offset);
            final int initial = random.nextInt(0x10000);

            assertEquals(
                Frames.onesComplementSum(data, offset, length, initial),
                Checksums.fold(Checksums.sum(buffer, offset, length, initial)),
                "offset " + offset + " length " + length);
        }
    }

    @Test
    void aRangeThatIncludesItsCorrectChecksumChecksToZero()
    {
        final UnsafeBuffer header = new UnsafeBuffer(new byte[]{0x45, 0, 0, 0x1c, 0, 0, 0, 0, 64, 17, 0, 0,
            (byte)192, 0, 2, 1, (byte)255, (byte)255, (byte)255, (byte)255});
        header.putShort(10, (short)Checksums.internetChecksum(header, 0, 20), ByteOrder.BIG_ENDIAN);

        assertEquals(0, Checksums.internetChecksum(header, 0, 20));
    }
}
