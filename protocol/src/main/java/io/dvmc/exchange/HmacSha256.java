package io.dvmc.exchange;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * HMAC-SHA256 (RFC 2104) of one key over a reused {@link MessageDigest}, writing the result into the caller's array:
 * nothing is allocated per message, where the JCE's {@code Mac} allocates its inner and outer digests on every
 * {@code doFinal} (issue 7: two arrays per message on the agent's and the service's slow path). One thread at a time.
 */
final class HmacSha256
{
    static final int LENGTH = 32;
    private static final int BLOCK = 64;

    private final MessageDigest sha256;
    private final byte[] innerPad = new byte[BLOCK];
    private final byte[] outerPad = new byte[BLOCK];
    private final byte[] inner = new byte[LENGTH];

    HmacSha256(final byte[] key)
    {
        try
        {
            sha256 = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
        // RFC 2104 §2: a key longer than the block is hashed first, a shorter one padded with zeros.
        final byte[] k = key.length > BLOCK ? sha256.digest(key) : key;
        Arrays.fill(innerPad, (byte)0x36);
        Arrays.fill(outerPad, (byte)0x5C);
        for (int i = 0; i < k.length; i++)
        {
            innerPad[i] ^= k[i];
            outerPad[i] ^= k[i];
        }
        sha256.update(innerPad);
    }

    void update(final byte[] data, final int offset, final int length)
    {
        sha256.update(data, offset, length);
    }

    void update(final ByteBuffer data)
    {
        sha256.update(data);
    }

    /** Writes the MAC of everything updated since the last call into {@code out} at {@code offset}. */
    void doFinal(final byte[] out, final int offset)
    {
        try
        {
            sha256.digest(inner, 0, LENGTH);
            sha256.update(outerPad);
            sha256.update(inner);
            sha256.digest(out, offset, LENGTH);
        }
        catch (final DigestException ex)
        {
            throw new IllegalStateException(ex);
        }
        sha256.update(innerPad);
    }
}
