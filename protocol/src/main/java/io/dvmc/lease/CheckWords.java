package io.dvmc.lease;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/**
 * The 32-bit check word of stored slots and records: a multiply-rotate mix over little-endian 64-bit words.
 *
 * <p>It catches torn writes (a value half old, half new) and foreign bytes; it is no defence against an attacker,
 * who would need write access to the file anyway. Each layout mixes in its own seed so that bytes of one layout
 * never pass as another.
 */
final class CheckWords
{
    private static final long K1 = 0x9E3779B97F4A7C15L;
    private static final long K2 = 0xBF58476D1CE4E5B9L;
    private static final long K3 = 0x94D049BB133111EBL;

    private CheckWords()
    {
    }

    static long step(final long hash, final long word)
    {
        return Long.rotateLeft(hash ^ (word * K1), 29) * K2;
    }

    static int finish(final long hash)
    {
        long h = hash;
        h ^= h >>> 31;
        h *= K3;
        h ^= h >>> 29;
        return (int)(h ^ (h >>> 32));
    }

    /** Check word of {@code length} bytes (a multiple of 4) of {@code buffer} from {@code offset}. */
    static int of(final long seed, final DirectBuffer buffer, final int offset, final int length)
    {
        return finish(update(step(seed, length), buffer, offset, length));
    }

    /** Mixes {@code length} bytes (a multiple of 4) of {@code buffer} into {@code hash}. */
    static long update(final long hash, final DirectBuffer buffer, final int offset, final int length)
    {
        if ((length & 3) != 0)
        {
            throw new IllegalArgumentException("length must be a multiple of 4: " + length);
        }
        long h = hash;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            h = step(h, buffer.getLong(offset + i, ByteOrder.LITTLE_ENDIAN));
        }
        if (i < length)
        {
            h = step(h, buffer.getInt(offset + i, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL);
        }
        return h;
    }
}
