package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.lab.Await;
import io.dvmc.lab.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The lease log's compare-and-set against a real etcd, where another writer got there first. */
class EtcdLeaseLogTest
{
    private static final int DOMAIN = 7;
    private static final int ADDRESS = Addresses.parseIpv4("10.0.0.9");
    private static final long MAC = 0x0200_0000_0001L;
    private static final long OTHER_MAC = 0x0200_0000_0002L;

    @Test
    void aBindingOfAnAddressThatAnotherWriterBoundMeanwhileIsTakenAndTheSameMacsIsWrittenAgain() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
            EtcdLeaseLog log = EtcdLeaseLog.open(etcd.endpoints(), "/t", "r1", "127.0.0.1:1", Clock.systemUTC(),
                EtcdLeaseLog.DEFAULT_TTL_SECONDS, EtcdLeaseLog.DEFAULT_TIMEOUT_MS))
        {
            final NoListener none = new NoListener();
            Await.until("the log loaded", Duration.ofSeconds(30), () -> log.poll(none) >= 0);
            final long later = System.currentTimeMillis() + 3_600_000;
            // Written behind the log's back, and not polled: the log still believes both addresses free.
            put(operator, ADDRESS, "{\"mac\":\"" + Addresses.mac(OTHER_MAC) + "\",\"expiresAtMs\":" + later + "}");
            put(operator, ADDRESS + 1, "{\"mac\":\"" + Addresses.mac(MAC) + "\",\"expiresAtMs\":" + later + "}");

            final int taken = log.appendBound(DOMAIN, MAC, ADDRESS, later, 1, 2, 0, 0, 0x42, ClientKeys.NONE, null);
            final int renewed = log.appendBound(DOMAIN, MAC, ADDRESS + 1, later, 1, 2, 0, 0, 0x43, ClientKeys.NONE,
                null);
            log.sync();

            assertEquals(LeaseLog.TAKEN, log.outcome(taken));
            assertEquals(LeaseLog.OK, log.outcome(renewed));
            assertEquals(1, log.conflicts());
            final String stored = operator.getKVClient().get(key(ADDRESS + 1)).get(10, TimeUnit.SECONDS)
                .getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
            assertEquals("43", EtcdLeaseLog.field(stored, "xid"));
            log.endBatch();
        }
    }

    @Test
    void aLeaseRecordsFieldsAreReadAsWrittenAndDamageIsRefused()
    {
        final String record = "{\"mac\":\"02:00:00:00:00:01\",\"expiresAtMs\":1700000000000,\"vm\":null,\"xid\":\"ff\"}";
        assertEquals("02:00:00:00:00:01", EtcdLeaseLog.field(record, "mac"));
        assertEquals("1700000000000", EtcdLeaseLog.field(record, "expiresAtMs"));
        assertEquals("ff", EtcdLeaseLog.field(record, "xid"));
        assertNull(EtcdLeaseLog.field(record, "vm"));
        assertNull(EtcdLeaseLog.field(record, "location"));
        assertThrows(IllegalArgumentException.class, () -> EtcdLeaseLog.field("[1,2]", "mac"));
        assertThrows(IllegalArgumentException.class, () -> EtcdLeaseLog.field("{\"mac\":\"02:00", "mac"));
        assertThrows(IllegalArgumentException.class, () -> EtcdLeaseLog.field("{\"mac\":\"a\\\"b\"}", "mac"));
    }

    private static void put(final Client etcd, final int address, final String value) throws Exception
    {
        etcd.getKVClient().put(key(address), ByteSequence.from(value, StandardCharsets.UTF_8)).get(10,
            TimeUnit.SECONDS);
    }

    private static ByteSequence key(final int address)
    {
        return ByteSequence.from("/t/leases/" + DOMAIN + "/" + Addresses.ipv4(address), StandardCharsets.UTF_8);
    }

    private static final class NoListener implements LeaseLog.Listener
    {
        public void onBound(final int domainId, final int address, final long mac, final long expiresAtMs,
            final long vmIdMsb, final long vmIdLsb, final int locationAddress, final int locationPort,
            final long transactionId, final long clientKey, final byte[] names)
        {
        }

        public void onEnded(final int domainId, final int address)
        {
        }

        public void onDeclined(final int domainId, final int address, final long untilMs)
        {
        }

        public void onSnapshotBegin()
        {
        }

        public void onSnapshotEnd()
        {
        }
    }
}
