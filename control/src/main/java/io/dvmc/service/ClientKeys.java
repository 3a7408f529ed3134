package io.dvmc.service;

import org.agrona.DirectBuffer;

/**
 * A 64-bit key for a client identifier (option 61, RFC 2132 §9.14), so that a lease can remember which client asked
 * for it without keeping the bytes. Two identifiers of one VM that hash alike would share a lease; leases are only
 * ever looked up by key together with the VM id ({@link LeaseBook#findClient}), so no VM reaches another's lease.
 */
final class ClientKeys
{
    /** No client identifier. */
    static final long NONE = 0;

    private ClientKeys()
    {
    }

    /** The key of the identifier's bytes; never {@link #NONE}. */
    static long of(final DirectBuffer buffer, final int offset, final int length)
    {
        long h = 0x9E37_79B9_7F4A_7C15L ^ length;
        for (int i = 0; i < length; i++)
        {
            h = mix(h ^ (buffer.getByte(offset + i) & 0xFF));
        }
        return h == NONE ? 1 : h;
    }

    /** A bijective 64-bit finaliser (the splitmix64 constants): every input bit reaches every output bit. */
    static long mix(final long x)
    {
        long z = x + 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
