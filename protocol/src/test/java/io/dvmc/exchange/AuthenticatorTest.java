package io.dvmc.exchange;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AuthenticatorTest
{
    private static final byte[] KEY = "an example cluster key, 32 bytes".getBytes();
    private static final long NOW = 1_700_000_000_000L;

    private final Authenticator signer = new Authenticator(KEY);
    private final Authenticator receiver = new Authenticator(KEY);
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
    private final DvmcMessageEncoder encoder = new DvmcMessageEncoder();
    private final DvmcMessage message = new DvmcMessage();

    @Test
    void aSignedMessageVerifies()
    {
        final int length = request(1, NOW);

        message.wrap(buffer, 0, length);
        assertEquals(DvmcError.OK, receiver.verify(message, NOW));
    }

    @Test
    void anyFlippedBitFailsTheHmac()
    {
        final int length = request(1, NOW);
        for (int i = 0; i < length; i += 7)
        {
            final byte original = buffer.getByte(i);
            buffer.putByte(i, (byte)(original ^ 0x10));
            if (message.wrap(buffer, 0, length) > 0)
            {
                // A flipped key id names a key the receiver does not hold; every other byte fails the HMAC.
                final boolean keyId = i >= DvmcMessage.KEY_ID_OFFSET && i < DvmcMessage.KEY_ID_OFFSET + 2;
                assertEquals(keyId ? DvmcError.UNKNOWN_KEY : DvmcError.BAD_MAC,
                    new Authenticator(KEY).verify(message, NOW), "byte " + i);
            }
            buffer.putByte(i, original);
        }
    }

    @Test
    void aMessageSignedWithAnotherKeyFails()
    {
        final Authenticator stranger = new Authenticator("another key of at least 16 bytes".getBytes());
        final int length = encoder.wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.DISCOVER).transactionId(1).sign(stranger, NOW);

        message.wrap(buffer, 0, length);
        assertEquals(DvmcError.BAD_MAC, receiver.verify(message, NOW));
    }

    @Test
    void timestampsOutsideTheWindowAreStaleEitherWay()
    {
        message.wrap(buffer, 0, request(1, NOW - 30_001));
        assertEquals(DvmcError.STALE, receiver.verify(message, NOW));

        message.wrap(buffer, 0, request(2, NOW + 30_001));
        assertEquals(DvmcError.STALE, receiver.verify(message, NOW));

        message.wrap(buffer, 0, request(3, NOW - 30_000));
        assertEquals(DvmcError.OK, receiver.verify(message, NOW));
    }

    @Test
    void theSameDatagramTwiceIsAReplay()
    {
        final int length = request(1, NOW);

        message.wrap(buffer, 0, length);
        assertEquals(DvmcError.OK, receiver.verify(message, NOW));
        assertEquals(DvmcError.REPLAY, receiver.verify(message, NOW + 1));
    }

    @Test
    void aRetransmissionWithAFreshTimestampIsNotAReplay()
    {
        message.wrap(buffer, 0, request(1, NOW));
        assertEquals(DvmcError.OK, receiver.verify(message, NOW));

        message.wrap(buffer, 0, request(1, NOW + 250));
        assertEquals(DvmcError.OK, receiver.verify(message, NOW + 250));
    }

    @Test
    void aFullReplayCacheRefusesUntilOldEntriesLeaveTheWindow()
    {
        final Authenticator small = new Authenticator(KEY, 1_000, 4);
        for (int i = 0; i < 4; i++)
        {
            message.wrap(buffer, 0, request(i, NOW));
            assertEquals(DvmcError.OK, small.verify(message, NOW));
        }
        message.wrap(buffer, 0, request(10, NOW));
        assertEquals(DvmcError.REPLAY_CACHE_FULL, small.verify(message, NOW));

        // Entries are forgotten a whole window-wide generation at a time, once no stamp in it can be accepted.
        message.wrap(buffer, 0, request(11, NOW + 2_000));
        assertEquals(DvmcError.OK, small.verify(message, NOW + 2_000));
    }

    @Test
    void repliesAreNeverRefusedByAFullReplayCache()
    {
        // An agent matches a reply to the transaction it ends; 65,536 remembered replies once stopped new leases.
        final Authenticator agent = new Authenticator(KEY, 30_000, 4);
        for (int i = 0; i < 100; i++)
        {
            message.wrap(buffer, 0, reply(i, NOW));
            assertEquals(DvmcError.OK, agent.verify(message, NOW), "reply " + i);
        }
    }

    @Test
    void aMessageInADirectByteBufferVerifiesLikeOneInAnArray()
    {
        final int length = request(1, NOW);
        final ByteBuffer direct = ByteBuffer.allocateDirect(4096);
        final UnsafeBuffer view = new UnsafeBuffer(direct, 100, 2000);
        view.putBytes(13, buffer, 0, length);

        message.wrap(view, 13, length);
        assertEquals(DvmcError.OK, receiver.verify(message, NOW));

        // Same bytes through a raw address: the HMAC still checks, so only the replay cache objects.
        final UnsafeBuffer raw = new UnsafeBuffer(view.addressOffset(), view.capacity());
        assertEquals(length, message.wrap(raw, 13, length));
        assertEquals(DvmcError.REPLAY, receiver.verify(message, NOW));
    }

    @Test
    void signingInADirectBufferMatchesSigningInAnArray()
    {
        final int length = request(1, NOW);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(DvmcMessage.MAX_LENGTH));
        direct.putBytes(0, buffer, 0, length);
        direct.setMemory(length - DvmcMessage.TRAILER_LENGTH, DvmcMessage.TRAILER_LENGTH, (byte)0);

        signer.sign(direct, 0, length);
        for (int i = 0; i < length; i++)
        {
            assertEquals(buffer.getByte(i), direct.getByte(i));
        }
    }

    @Test
    void shortKeysAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new Authenticator(new byte[15]));
    }

    @Test
    void hexKeysParse()
    {
        final byte[] key = Authenticator.parseHexKey("00ff 10\nAb");
        assertEquals(4, key.length);
        assertEquals((byte)0xFF, key[1]);
        assertEquals((byte)0xAB, key[3]);
        assertThrows(IllegalArgumentException.class, () -> Authenticator.parseHexKey("abc"));
        assertThrows(IllegalArgumentException.class, () -> Authenticator.parseHexKey("zz"));
    }

    private int reply(final long xid, final long timestamp)
    {
        return encoder.wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.OFFER)
            .transactionId(xid)
            .domainId(100)
            .mac(0x020000000001L)
            .location(0x7F000001, 5000)
            .sign(signer, timestamp);
    }

    private int request(final long xid, final long timestamp)
    {
        return encoder.wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.DISCOVER)
            .transactionId(xid)
            .domainId(100)
            .mac(0x020000000001L)
            .location(0x7F000001, 5000)
            .sign(signer, timestamp);
    }
}
