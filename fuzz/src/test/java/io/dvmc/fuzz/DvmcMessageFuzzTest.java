package io.dvmc.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcError;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DVMC codec and authenticator take any datagram from the network: wrap() accepts it or answers a DvmcError
 * code; an accepted one is read and verified without a throw; the same message signed by a peer verifies, a
 * request only once, and one flipped byte makes it fail. Input: flip position and mask, then the datagram.
 */
class DvmcMessageFuzzTest
{
    private static final byte[] KEY = "dvmc-fuzz-cluster-key-32-bytes!!".getBytes();
    private static final long NOW_MS = 1_700_000_000_000L;

    private final DvmcMessage message = new DvmcMessage();
    private final Authenticator sender = new Authenticator(KEY, 30_000, 64);

    @FuzzTest
    void anyDatagramIsRejectedOrVerifiedAndOnlyASignedOneIsAccepted(final FuzzedDataProvider data)
    {
        final int flipAt = data.consumeInt(0, DvmcMessage.MAX_LENGTH);
        final byte flipMask = data.consumeByte();
        final byte[] datagram = data.consumeRemainingAsBytes();
        final UnsafeBuffer buffer = new UnsafeBuffer(datagram);
        final int length = message.wrap(buffer, 0, datagram.length);
        if (length < 0)
        {
            assertTrue(length >= DvmcError.BAD_FIELD, "wrap() = " + length);
            return;
        }
        assertEquals(datagram.length, length);
        readEveryField();
        final Authenticator receiver = new Authenticator(KEY, 30_000, 64);
        final int unsigned = receiver.verify(message, NOW_MS);
        assertTrue(unsigned == DvmcError.BAD_MAC || unsigned == DvmcError.UNKNOWN_KEY, "verify() = " + unsigned);

        buffer.putLong(DvmcMessage.TIMESTAMP_OFFSET, NOW_MS, ByteOrder.BIG_ENDIAN);
        buffer.putShort(DvmcMessage.KEY_ID_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        sender.sign(buffer, 0, length);
        assertEquals(length, message.wrap(buffer, 0, length));
        assertEquals(DvmcError.OK, receiver.verify(message, NOW_MS));
        // Requests and REVOKEs are kept in the replay cache; replies are not (a copy finds no exchange to answer).
        final boolean bound = DvmcMessageType.isBound(message.type());
        assertEquals(bound ? DvmcError.REPLAY : DvmcError.OK, receiver.verify(message, NOW_MS));

        final byte[] flipped = Arrays.copyOf(datagram, length);
        final int at = flipAt % length;
        flipped[at] ^= flipMask == 0 ? 1 : flipMask;
        final UnsafeBuffer flippedBuffer = new UnsafeBuffer(flipped);
        if (message.wrap(flippedBuffer, 0, length) == length)
        {
            assertNotEquals(DvmcError.OK, new Authenticator(KEY, 30_000, 64).verify(message, NOW_MS),
                "a message with byte " + at + " changed still verifies");
        }
    }

    private void readEveryField()
    {
        message.version();
        message.type();
        message.keyId();
        message.domainId();
        message.transactionId();
        message.timestampMs();
        message.vmIdMsb();
        message.vmIdLsb();
        message.mac();
        message.locationAddress();
        message.locationPort();
        message.status();
        message.reason();
        message.yiaddr();
        message.serverId();
        message.vmLeaseSeconds();
        message.hostLeaseSeconds();
        message.toString();
        final int end = message.configOffset() + message.configLength();
        for (int code = 1; code < 255; code++)
        {
            final int at = message.findOption(code);
            assertTrue(at < 0 || at >= message.configOffset() && at + (message.buffer().getByte(at - 1) & 0xFF) <= end,
                "option " + code + " at " + at);
        }
    }
}
