package io.dvmc.exchange;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DvmcMessageTest
{
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
    private final DvmcMessageEncoder encoder = new DvmcMessageEncoder();
    private final DvmcMessage message = new DvmcMessage();
    private final Authenticator authenticator = new Authenticator(KEY);

    @Test
    void everyHeaderFieldReadsBackAsWritten()
    {
        final int length = encodeOffer();

        assertEquals(length, message.wrap(buffer, 0, length));
        assertEquals(DvmcMessageType.OFFER, message.type());
        assertEquals(DvmcMessage.VERSION, message.version());
        assertEquals(authenticator.signingKeyId(), message.keyId());
        assertEquals(0x7000_0000_0000_0001L, message.transactionId());
        assertEquals(0xFFFF_FFF0, message.domainId());
        assertEquals(0x02_00_00_00_00_01L, message.mac());
        assertEquals(0x1111_2222_3333_4444L, message.vmIdMsb());
        assertEquals(0x5555_6666_7777_8888L, message.vmIdLsb());
        assertEquals(0xC0A8_0001, message.locationAddress());
        assertEquals(40_000, message.locationPort());
        assertEquals(DvmcStatus.ACK, message.status());
        assertEquals(DvmcStatus.REASON_NONE, message.reason());
        assertEquals(0x0A00_0064, message.yiaddr());
        assertEquals(0x0A00_0001, message.serverId());
        assertEquals(600, message.vmLeaseSeconds());
        assertEquals(2400, message.hostLeaseSeconds());
        assertEquals(1_700_000_000_000L, message.timestampMs());
        assertEquals(6, message.configLength());
        assertEquals(DvmcMessage.HEADER_LENGTH + 6 + DvmcMessage.TRAILER_LENGTH, message.length());
    }

    @Test
    void fieldsAreBigEndianAtTheirDocumentedOffsets()
    {
        encodeOffer();

        assertEquals(0x44, buffer.getByte(0));
        assertEquals(0x0A000064, buffer.getInt(DvmcMessage.YIADDR_OFFSET, BIG_ENDIAN));
        assertEquals(0x0A, buffer.getByte(DvmcMessage.YIADDR_OFFSET));
        assertEquals(0x02, buffer.getByte(DvmcMessage.MAC_OFFSET + 2));
    }

    @Test
    void optionsInTheConfigurationBlockCanBeFound()
    {
        final int length = encodeOffer();
        message.wrap(buffer, 0, length);

        final int value = message.findOption(1);
        assertEquals(4, buffer.getByte(value - 1));
        assertEquals(0xFFFFFF00, buffer.getInt(value, BIG_ENDIAN));
        assertEquals(-1, message.findOption(3));
    }

    @Test
    void aReplyCarriesTheIdentityOfItsRequest()
    {
        final int length = encodeOffer();
        message.wrap(buffer, 0, length);
        final UnsafeBuffer replyBuffer = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
        final int replyLength = new DvmcMessageEncoder().wrap(replyBuffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.ACK).identityOf(message).sign(authenticator, 5);

        final DvmcMessage reply = new DvmcMessage();
        assertEquals(replyLength, reply.wrap(replyBuffer, 0, replyLength));
        assertEquals(message.transactionId(), reply.transactionId());
        assertEquals(message.domainId(), reply.domainId());
        assertEquals(message.mac(), reply.mac());
        assertEquals(message.vmIdLsb(), reply.vmIdLsb());
        assertEquals(message.locationPort(), reply.locationPort());
        assertEquals(5, reply.timestampMs());
        assertEquals(0, reply.configLength());
    }

    @Test
    void shortOrForeignDatagramsAreRejectedWithErrorCodesNotExceptions()
    {
        final int length = encodeOffer();

        assertEquals(DvmcError.TOO_SHORT, message.wrap(buffer, 0, DvmcMessage.MIN_LENGTH - 1));
        assertEquals(DvmcError.BAD_LENGTH, message.wrap(buffer, 0, length - 1));
        assertEquals(DvmcError.TOO_SHORT, message.wrap(buffer, buffer.capacity() - 10, length));

        buffer.putByte(0, (byte)'X');
        assertEquals(DvmcError.BAD_MAGIC, message.wrap(buffer, 0, length));
    }

    @Test
    void unknownVersionTypeAndStatusAreRejected()
    {
        final int length = encodeOffer();

        buffer.putByte(DvmcMessage.VERSION_OFFSET, (byte)(DvmcMessage.VERSION + 1));
        assertEquals(DvmcError.BAD_VERSION, message.wrap(buffer, 0, length));
        buffer.putByte(DvmcMessage.VERSION_OFFSET, (byte)(DvmcMessage.VERSION - 1));
        assertEquals(DvmcError.BAD_VERSION, message.wrap(buffer, 0, length));
        buffer.putByte(DvmcMessage.VERSION_OFFSET, (byte)DvmcMessage.VERSION);

        buffer.putByte(DvmcMessage.TYPE_OFFSET, (byte)0);
        assertEquals(DvmcError.BAD_TYPE, message.wrap(buffer, 0, length));
        buffer.putByte(DvmcMessage.TYPE_OFFSET, (byte)(DvmcMessageType.MAX_TYPE + 1));
        assertEquals(DvmcError.BAD_TYPE, message.wrap(buffer, 0, length));
        buffer.putByte(DvmcMessage.TYPE_OFFSET, (byte)DvmcMessageType.BOOTP);
        assertEquals(length, message.wrap(buffer, 0, length), "a BOOTP client's request (type 10)");
        buffer.putByte(DvmcMessage.TYPE_OFFSET, (byte)DvmcMessageType.OFFER);

        buffer.putByte(DvmcMessage.STATUS_OFFSET, (byte)3);
        assertEquals(DvmcError.BAD_FIELD, message.wrap(buffer, 0, length));
    }

    @Test
    void aMacWiderThan48BitsIsRejected()
    {
        final int length = encodeOffer();
        buffer.putByte(DvmcMessage.MAC_OFFSET, (byte)1);

        assertEquals(DvmcError.BAD_FIELD, message.wrap(buffer, 0, length));
    }

    @Test
    void aConfigurationLengthThatDisagreesWithTheDatagramIsRejected()
    {
        final int length = encodeOffer();
        buffer.putShort(DvmcMessage.CONFIG_LENGTH_OFFSET, (short)7, BIG_ENDIAN);

        assertEquals(DvmcError.BAD_LENGTH, message.wrap(buffer, 0, length));
    }

    @Test
    void anOptionRunningPastTheBlockIsRejected()
    {
        final int length = encodeOffer();
        buffer.putByte(DvmcMessage.CONFIG_OFFSET + 1, (byte)5);

        assertEquals(DvmcError.BAD_CONFIG, message.wrap(buffer, 0, length));
    }

    @Test
    void padsAndAnEndOptionAreWellFormed()
    {
        final UnsafeBuffer block = new UnsafeBuffer(new byte[]{0, 0, 3, 4, 10, 0, 0, 1, (byte)255, 77});

        assertTrue(DvmcMessage.validOptions(block, 0, block.capacity()));
    }

    @Test
    void aConfigurationBlockLargerThanTheLimitIsRefusedByTheEncoder()
    {
        final UnsafeBuffer big = new UnsafeBuffer(new byte[DvmcMessage.MAX_CONFIG_LENGTH + 1]);
        encoder.wrap(buffer, 0, DvmcMessage.MAX_LENGTH);

        assertEquals(false, encoder.config(big, 0, big.capacity()));
        assertEquals(DvmcMessage.MIN_LENGTH, encoder.length());
    }

    @Test
    void randomBytesNeverThrow()
    {
        final java.util.Random random = new java.util.Random(42);
        final byte[] bytes = new byte[DvmcMessage.MAX_LENGTH];
        final UnsafeBuffer noise = new UnsafeBuffer(bytes);
        for (int i = 0; i < 20_000; i++)
        {
            random.nextBytes(bytes);
            if ((i & 1) == 0)
            {
                noise.putInt(0, DvmcMessage.MAGIC, BIG_ENDIAN);
                noise.putByte(DvmcMessage.VERSION_OFFSET, (byte)DvmcMessage.VERSION);
                noise.putByte(DvmcMessage.TYPE_OFFSET, (byte)(1 + random.nextInt(DvmcMessageType.MAX_TYPE)));
            }
            final int length = random.nextInt(bytes.length + 1);
            final int rc = message.wrap(noise, 0, length);
            if (rc > 0)
            {
                message.findOption(random.nextInt(256));
                assertTrue(authenticator.verify(message, 0) < 0);
            }
        }
    }

    @Test
    void aByteBufferBackedMessageDecodesTheSame()
    {
        final int length = encodeOffer();
        final ByteBuffer direct = ByteBuffer.allocateDirect(DvmcMessage.MAX_LENGTH + 7);
        final UnsafeBuffer view = new UnsafeBuffer(direct);
        view.putBytes(7, buffer, 0, length);

        assertEquals(length, message.wrap(view, 7, length));
        assertEquals(0x0A00_0064, message.yiaddr());
    }

    private int encodeOffer()
    {
        final UnsafeBuffer options = new UnsafeBuffer(new byte[]{1, 4, (byte)255, (byte)255, (byte)255, 0});
        encoder.wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.OFFER)
            .transactionId(0x7000_0000_0000_0001L)
            .domainId(0xFFFF_FFF0)
            .mac(0x02_00_00_00_00_01L)
            .vmId(0x1111_2222_3333_4444L, 0x5555_6666_7777_8888L)
            .location(0xC0A8_0001, 40_000)
            .status(DvmcStatus.ACK, DvmcStatus.REASON_NONE)
            .yiaddr(0x0A00_0064)
            .serverId(0x0A00_0001)
            .vmLeaseSeconds(600)
            .hostLeaseSeconds(2400);
        assertTrue(encoder.config(options, 0, options.capacity()));
        return encoder.sign(authenticator, 1_700_000_000_000L);
    }
}
