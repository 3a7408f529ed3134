package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class DomainRecordTest
{

    @Test
    void fieldsAndOptionsSitAtTheirDocumentedOffsets()
    {
        final byte[] options = {3, 4, 10, 0, 0, 1, 26, 2, 0x05, (byte)0xDC};
        final DomainRecord record = new DomainRecord().clear()
            .domainId(77)
            .version(5)
            .serverIp(0x0A000001)
            .subnetMask(0xFFFFFF00)
            .serverMac(0x02FE00000001L)
            .vmLeaseSeconds(600)
            .updatedMillis(123L)
            .options(new UnsafeBuffer(options), 0, options.length)
            .seal();
        final UnsafeBuffer b = (UnsafeBuffer)record.buffer();
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        assertEquals(77, b.getInt(DomainRecord.DOMAIN_ID_OFFSET, le));
        assertEquals(5, b.getInt(DomainRecord.VERSION_OFFSET, le));
        assertEquals(0x0A000001, b.getInt(DomainRecord.SERVER_IP_OFFSET, le));
        assertEquals(0xFFFFFF00, b.getInt(DomainRecord.SUBNET_MASK_OFFSET, le));
        assertEquals(0x02FE00000001L, b.getLong(DomainRecord.SERVER_MAC_OFFSET, le));
        assertEquals(600, b.getInt(DomainRecord.VM_LEASE_SECONDS_OFFSET, le));
        assertEquals(DomainRecord.LAYOUT, b.getShort(DomainRecord.LAYOUT_OFFSET, le));
        assertEquals(options.length, b.getShort(DomainRecord.OPTIONS_LENGTH_OFFSET, le));
        assertEquals(123L, b.getLong(DomainRecord.UPDATED_MILLIS_OFFSET, le));
        final byte[] stored = new byte[options.length];
        b.getBytes(DomainRecord.OPTIONS_OFFSET, stored);
        assertArrayEquals(options, stored);
        assertTrue(record.isValid());

        final UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
        assertEquals(options.length, record.copyOptionsTo(frame, 20));
        final byte[] copied = new byte[options.length];
        frame.getBytes(20, copied);
        assertArrayEquals(options, copied);
    }

    @Test
    void changesToHeaderOrOptionsAreDetected()
    {
        final DomainRecord record = Samples.domain(9, new DomainRecord());
        final int covered = DomainRecord.OPTIONS_OFFSET + record.optionsLength();
        for (int i = 0; i < covered; i++)
        {
            if (i >= DomainRecord.CHECKSUM_OFFSET && i < DomainRecord.OPTIONS_OFFSET)
            {
                continue;
            }
            final byte original = record.buffer().getByte(i);
            record.buffer().putByte(i, (byte)(original ^ 0x10));
            assertFalse(record.isValid(), "change at byte " + i + " went unnoticed");
            record.buffer().putByte(i, original);
        }
        assertTrue(record.isValid());
    }

    @Test
    void optionsAreBoundedAndShorterOptionsClearTheRest()
    {
        final DomainRecord record = new DomainRecord().clear();
        final UnsafeBuffer big = new UnsafeBuffer(new byte[DomainRecord.MAX_OPTIONS_LENGTH + 1]);
        big.setMemory(0, big.capacity(), (byte)7);
        record.options(big, 0, DomainRecord.MAX_OPTIONS_LENGTH).seal();
        assertTrue(record.isValid());
        assertThrows(IllegalArgumentException.class,
            () -> record.options(big, 0, DomainRecord.MAX_OPTIONS_LENGTH + 1));
        record.options(big, 0, 3).seal();
        assertEquals(0, record.buffer().getByte(DomainRecord.OPTIONS_OFFSET + 3));
        assertEquals(0, record.buffer().getByte(DomainRecord.LENGTH - 1));
        assertTrue(record.isValid());
    }

    @Test
    void aLeaseIsNotADomain()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DomainRecord.LENGTH]);
        Samples.lease(5, new LeaseRecord(buffer, 0));
        assertFalse(new DomainRecord(buffer, 0).isValid());
    }
}
