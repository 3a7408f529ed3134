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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

    /**
     * The replica's member is killed, another replica binds an address on the others, and then the member comes
     * back while the others are down: the client leaves the replica's watch hanging without a word. The replica
     * notices (its progress requests go unanswered), reads the leases again once the others are back, and so holds
     * the address as bound instead of offering it.
     */
    @Test
    void aReplicaWhoseWatchWasLeftHangingByARestartedMemberStillLearnsWhatWasBoundMeanwhile() throws Exception
    {
        try (EtcdCluster three = EtcdCluster.start(3);
            Client operator = Client.builder().endpoints(three.members().subList(1, 3).stream()
                .map(EtcdCluster.Member::clientUrl).toArray(String[]::new)).build();
            EtcdLeaseLog log = EtcdLeaseLog.open(List.of(three.members().get(0).clientUrl()), "/t", "r1",
                "127.0.0.1:1", Clock.systemUTC(), EtcdLeaseLog.DEFAULT_TTL_SECONDS, EtcdLeaseLog.DEFAULT_TIMEOUT_MS))
        {
            final Set<Integer> bound = ConcurrentHashMap.newKeySet();
            final NoListener listener = new NoListener()
            {
                @Override
                public void onBound(final int domainId, final int address, final long mac, final long expiresAtMs,
                    final long vmIdMsb, final long vmIdLsb, final int locationAddress, final int locationPort,
                    final long transactionId, final long clientKey, final byte[] names)
                {
                    bound.add(address);
                }
            };
            Await.until("the log loaded", Duration.ofSeconds(30), () -> log.poll(listener) >= 0);
            final EtcdCluster.Member replicasMember = three.members().get(0);
            final List<EtcdCluster.Member> others = three.members().subList(1, 3);

            three.kill(replicasMember);
            // Retried: the killed member may have been the leader, and the put waits for the next election.
            Await.until("the others took the binding", Duration.ofSeconds(30),
                () -> tryPut(operator, ADDRESS, "{\"mac\":\"" + Addresses.mac(OTHER_MAC) + "\",\"expiresAtMs\":" +
                    (System.currentTimeMillis() + 3_600_000) + "}"));
            others.forEach(three::kill);
            three.relaunch(replicasMember);
            Await.until("the replica took its watch for dead", Duration.ofSeconds(60), () -> {
                log.poll(listener);
                return log.silentWatches() > 0;
            });
            for (final EtcdCluster.Member other : others)
            {
                three.restart(other);
            }
            Await.until("the replica learned the address bound while it was cut off", Duration.ofSeconds(60),
                () -> {
                    log.poll(listener);
                    return bound.contains(ADDRESS);
                });
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

    private static boolean tryPut(final Client etcd, final int address, final String value)
    {
        try
        {
            put(etcd, address, value);
            return true;
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    private static ByteSequence key(final int address)
    {
        return ByteSequence.from("/t/leases/" + DOMAIN + "/" + Addresses.ipv4(address), StandardCharsets.UTF_8);
    }

    private static class NoListener implements LeaseLog.Listener
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
