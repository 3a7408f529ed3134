package io.dvmc.lease;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.UUID;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class LeaseRecordTest
{

    @Test
    void fieldsSitAtTheirDocumentedOffsetsLittleEndian()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LeaseRecord.LENGTH + 8]);
        final LeaseRecord record = new LeaseRecord(buffer, 8).clear()
            .ip(0x0A000001)
            .state(LeaseState.BOUND)
            .flags(0x81)
            .vmLeaseSeconds(3600)
            .serverId(0x0A0000FE)
            .hostLeaseExpiryMillis(1_800_000_000_123L)
            .vmLeaseExpiryMillis(1_700_000_000_456L)
            .updatedMillis(1_699_999_999_999L)
            .vmId(0x0102030405060708L, 0x1112131415161718L)
            .optionsVersion(42)
            .seal();
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        assertEquals(0x0A000001, buffer.getInt(8 + LeaseRecord.IP_OFFSET, le));
        assertEquals(0x01, buffer.getByte(8 + LeaseRecord.IP_OFFSET), "little-endian: low byte first");
        assertEquals(2, buffer.getByte(8 + LeaseRecord.STATE_OFFSET));
        assertEquals((byte)0x81, buffer.getByte(8 + LeaseRecord.FLAGS_OFFSET));
        assertEquals(LeaseRecord.LAYOUT, buffer.getShort(8 + LeaseRecord.LAYOUT_OFFSET, le));
        assertEquals(3600, buffer.getInt(8 + LeaseRecord.VM_LEASE_SECONDS_OFFSET, le));
        assertEquals(0x0A0000FE, buffer.getInt(8 + LeaseRecord.SERVER_ID_OFFSET, le));
        assertEquals(1_800_000_000_123L, buffer.getLong(8 + LeaseRecord.HOST_LEASE_EXPIRY_MILLIS_OFFSET, le));
        assertEquals(1_700_000_000_456L, buffer.getLong(8 + LeaseRecord.VM_LEASE_EXPIRY_MILLIS_OFFSET, le));
        assertEquals(1_699_999_999_999L, buffer.getLong(8 + LeaseRecord.UPDATED_MILLIS_OFFSET, le));
        assertEquals(0x0102030405060708L, buffer.getLong(8 + LeaseRecord.VM_ID_MSB_OFFSET, le));
        assertEquals(0x1112131415161718L, buffer.getLong(8 + LeaseRecord.VM_ID_LSB_OFFSET, le));
        assertEquals(42, buffer.getInt(8 + LeaseRecord.OPTIONS_VERSION_OFFSET, le));
        assertEquals(record.checksum(), buffer.getInt(8 + LeaseRecord.CHECKSUM_OFFSET, le));
        assertEquals(new UUID(0x0102030405060708L, 0x1112131415161718L), record.vmId());
        assertEquals(LeaseState.BOUND, record.state());
        assertEquals(0x81, record.flags());
        assertTrue(record.isValid());
        assertEquals(0, buffer.getLong(0), "bytes before the record untouched");
    }

    @Test
    void aRelayDomainsTenantOptionsAreKeptAfterTheFirst64BytesUpToTheirBound()
    {
        final LeaseRecord record = new LeaseRecord().clear();
        final UnsafeBuffer options = new UnsafeBuffer(new byte[LeaseRecord.MAX_TENANT_OPTIONS_LENGTH + 1]);
        options.setMemory(0, options.capacity(), (byte)7);
        assertFalse(record.tenantOptions(options, 0, options.capacity()), "more than the area");
        assertFalse(record.hasTenantOptions());
        assertTrue(record.tenantOptions(options, 0, 6));
        record.seal();
        assertAll(
            () -> assertTrue(record.hasTenantOptions()),
            () -> assertEquals(6, record.tenantOptionsLength()),
            () -> assertEquals(6, record.buffer().getShort(LeaseRecord.TENANT_OPTIONS_LENGTH_OFFSET,
                ByteOrder.LITTLE_ENDIAN)),
            () -> assertEquals(7, record.buffer().getByte(record.tenantOptionsIndex() + 5)),
            () -> assertEquals(0, record.buffer().getByte(record.tenantOptionsIndex() + 6), "the rest zeroed"),
            () -> assertTrue(record.isValid()));
    }

    @Test
    void everySingleByteChangeIsDetected()
    {
        final LeaseRecord record = Samples.lease(12345, new LeaseRecord());
        for (int i = 0; i < LeaseRecord.LENGTH; i++)
        {
            final byte original = record.buffer().getByte(i);
            for (int bit = 0; bit < 8; bit++)
            {
                record.buffer().putByte(i, (byte)(original ^ (1 << bit)));
                assertFalse(record.isValid(), "flip of byte " + i + " bit " + bit + " went unnoticed");
            }
            record.buffer().putByte(i, original);
        }
        assertTrue(record.isValid());
    }

    @Test
    void tornRecordHalfOldHalfNewIsDetected()
    {
        final LeaseRecord older = Samples.lease(1, new LeaseRecord());
        final LeaseRecord newer = Samples.lease(2, new LeaseRecord());
        for (int cut = 8; cut < LeaseRecord.LENGTH; cut += 8)
        {
            final LeaseRecord torn = new LeaseRecord().copyFrom(older);
            torn.buffer().putBytes(0, newer.buffer(), 0, cut);
            assertFalse(torn.isValid(), "torn at " + cut);
        }
    }

    @Test
    void foreignBytesAreNotALease()
    {
        final LeaseRecord record = new LeaseRecord();
        assertFalse(record.isValid(), "all zero");
        final DomainRecord domain = Samples.domain(7, new DomainRecord());
        record.wrap(domain.buffer(), 0);
        assertFalse(record.isValid(), "the head of a domain record");
        final UnsafeBuffer ones = new UnsafeBuffer(new byte[LeaseRecord.LENGTH]);
        ones.setMemory(0, LeaseRecord.LENGTH, (byte)0xFF);
        assertFalse(record.wrap(ones, 0).isValid(), "all ones");
    }

    @Test
    void unknownStateCodeIsInvalidEvenWithAMatchingChecksum()
    {
        final LeaseRecord record = Samples.lease(3, new LeaseRecord());
        record.buffer().putByte(LeaseRecord.STATE_OFFSET, (byte)9);
        record.seal();
        assertFalse(record.isValid());
        assertThrows(IllegalArgumentException.class, record::state);
    }

    @Test
    void stateCodesAreTheFileFormat()
    {
        assertEquals(0, LeaseState.FREE.code());
        assertEquals(1, LeaseState.OFFERED.code());
        assertEquals(2, LeaseState.BOUND.code());
        assertEquals(3, LeaseState.RELEASED.code());
        for (final LeaseState state : LeaseState.values())
        {
            assertEquals(state, LeaseState.of(state.code()));
        }
    }

    @Test
    void leaseKeyLayoutAndMacWidth()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LeaseKey.LENGTH]);
        final LeaseKey key = new LeaseKey(buffer, 0).set(0xCAFE, 0x020000000001L);
        assertEquals(0xCAFE, buffer.getInt(LeaseKey.DOMAIN_ID_OFFSET, ByteOrder.LITTLE_ENDIAN));
        assertEquals(0x020000000001L, buffer.getLong(LeaseKey.MAC_OFFSET, ByteOrder.LITTLE_ENDIAN));
        assertEquals(0xCAFE, key.domainId());
        assertEquals(0x020000000001L, key.mac());
        assertThrows(IllegalArgumentException.class, () -> key.set(1, 0x1_000000000000L));
        assertEquals("LeaseKey{domain=51966, mac=02:00:00:00:00:01}", key.toString());
    }
}
