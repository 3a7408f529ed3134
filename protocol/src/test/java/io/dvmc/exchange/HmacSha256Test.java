package io.dvmc.exchange;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The authenticator's HMAC is the JCE's HmacSHA256 for any key and message, and allocates nothing per message. */
class HmacSha256Test
{
    @Test
    void theMacOfAnyKeyAndMessageIsTheJceOnesMessageAfterMessage() throws Exception
    {
        final Random random = new Random(7);
        for (final int keyLength : new int[]{16, 32, 63, 64, 65, 200})
        {
            final byte[] key = new byte[keyLength];
            random.nextBytes(key);
            final HmacSha256 hmac = new HmacSha256(key);
            final Mac reference = Mac.getInstance("HmacSHA256");
            reference.init(new SecretKeySpec(key, "HmacSHA256"));
            for (final int length : new int[]{0, 1, 55, 64, 300, 1500})
            {
                final byte[] message = new byte[length];
                random.nextBytes(message);
                final ByteBuffer direct = ByteBuffer.allocateDirect(length).put(message).flip();
                hmac.update(direct);
                hmac.update(message, 0, length);
                final byte[] out = new byte[HmacSha256.LENGTH + 3];
                hmac.doFinal(out, 3);
                reference.update(message);
                reference.update(message);
                assertArrayEquals(reference.doFinal(), Arrays.copyOfRange(out, 3, out.length),
                    "key of " + keyLength + " bytes, message of " + length);
            }
        }
    }

    @Test
    void aMacAllocatesNothingInSteadyState()
    {
        final HmacSha256 hmac = new HmacSha256(new byte[32]);
        final byte[] message = new byte[300];
        final byte[] out = new byte[HmacSha256.LENGTH];
        final ByteBuffer direct = ByteBuffer.allocateDirect(300);
        final Runnable round = () -> {
            for (int i = 0; i < 20_000; i++)
            {
                hmac.update(message, 0, message.length);
                hmac.update(direct.clear());
                hmac.doFinal(out, 0);
            }
        };
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory
            .getThreadMXBean();
        final long thread = Thread.currentThread().threadId();
        final long[] allocated = new long[4];
        round.run();
        for (int i = 0; i < allocated.length; i++)
        {
            final long before = threads.getThreadAllocatedBytes(thread);
            round.run();
            allocated[i] = threads.getThreadAllocatedBytes(thread) - before;
        }
        assertEquals(0, Arrays.stream(allocated).min().orElseThrow(), Arrays.toString(allocated));
    }
}
