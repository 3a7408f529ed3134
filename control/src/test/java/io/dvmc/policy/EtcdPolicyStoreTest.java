package io.dvmc.policy;

import io.dvmc.lab.FreePorts;
import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.lab.Await;
import io.dvmc.lab.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.PutOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The etcd policy store against a real etcd on loopback, written to as an operator's tools would. */
class EtcdPolicyStoreTest
{
    private static final String DOMAIN = """
        { "id": %d, "name": "%s", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
          "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "mtu": %d, "services": [ "127.0.0.1:%d" ] }
        """;
    private static final String BINDING = """
        { "port": "vm1", "vlan": 0, "mac": "02:00:00:64:00:01", "domain": 100,
          "vm": "6f1c1d2e-0000-4000-8000-000000000001" }
        """;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static EtcdCluster etcd;
    private static Client writer;

    @BeforeAll
    static void startEtcd() throws Exception
    {
        etcd = EtcdCluster.start(1);
        writer = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
    }

    @AfterAll
    static void stopEtcd()
    {
        if (writer != null)
        {
            writer.close();
        }
        if (etcd != null)
        {
            etcd.close();
        }
    }

    /** A prefix of its own for each test, so that tests sharing the cluster do not see each other. */
    private static String prefix()
    {
        return "/t" + PREFIXES.incrementAndGet();
    }

    /** Domains 100 (blue) and 200 (red), MTU 1450, under a new prefix; returns the prefix. */
    private static String blueAndRed() throws Exception
    {
        final String prefix = prefix();
        put(writer, prefix + "/domains/100", domain(100, "blue", 1450, 6767));
        put(writer, prefix + "/domains/200", domain(200, "red", 1450, 6767));
        return prefix;
    }

    private static String domain(final int id, final String name, final int mtu, final int servicePort)
    {
        return DOMAIN.formatted(id, name, mtu, servicePort);
    }

    /** A put retried until etcd takes it: a put in flight when the leader dies fails without being applied. */
    private static void put(final Client client, final String key, final String value)
    {
        final Exception[] last = new Exception[1];
        if (!Await.within(Duration.ofSeconds(30), () -> {
            try
            {
                client.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
                return true;
            }
            catch (final ExecutionException | TimeoutException ex)
            {
                last[0] = ex;
                return false;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }))
        {
            throw new AssertionError("etcd did not take the put of " + key, last[0]);
        }
    }

    private static void delete(final String key) throws Exception
    {
        writer.getKVClient().delete(bytes(key)).get(20, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(final String text)
    {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static boolean within(final Duration timeout, final BooleanSupplier condition)
    {
        return Await.within(timeout, condition);
    }

    private static int mtu(final PolicyStore store, final int id)
    {
        final Domain d = store.domainOrNull(id);
        return d == null ? -1 : d.mtu();
    }

    @Test
    void theStoreSeesTheDomainsAndBindingsAlreadyInEtcdAndThoseWrittenLater() throws Exception
    {
        final String prefix = prefix();
        put(writer, prefix + "/domains/100", domain(100, "blue", 1450, 6767));
        put(writer, prefix + "/bindings/1/0/02:00:00:64:00:01", BINDING);
        put(writer, prefix + "/leases/100/10.0.0.100", "{ \"not\": \"a domain\" }");
        try (EtcdPolicyStore store = EtcdPolicyStore.connect(etcd.endpoints(), prefix))
        {
            final List<Integer> hosts = new CopyOnWriteArrayList<>();
            store.addListener(new PolicyListener()
            {
                public void bindingsChanged(final int hostId)
                {
                    hosts.add(hostId);
                }
            });
            assertEquals(1450, mtu(store, 100));
            assertEquals(List.of(new InetSocketAddress("127.0.0.1", 6767)), store.serviceLocations(100));
            assertEquals(List.of(new HostConfig.Binding("vm1", 0, "02:00:00:64:00:01", 100,
                "6f1c1d2e-0000-4000-8000-000000000001")), store.bindings(1));
            assertEquals(List.of(), store.bindings(2));

            put(writer, prefix + "/domains/200", domain(200, "red", 1400, 6768));
            put(writer, prefix + "/bindings/2/7/02:00:00:c8:00:01", BINDING
                .replace("\"vlan\": 0", "\"vlan\": 7").replace("64:00:01", "c8:00:01").replace("100", "200"));
            // Domains and bindings are two watches: either may arrive first.
            assertTrue(within(Duration.ofSeconds(10), () -> store.bindings(2).size() == 1 && mtu(store, 200) == 1400));
            assertEquals(1400, mtu(store, 200));
            assertEquals(200, store.bindings(2).get(0).domain());
            assertEquals(List.of(2), hosts);
            assertEquals(2, store.domains().size());
        }
    }

    @Test
    void aFleetWhoseBindingsExceedWhatOneEtcdReplyCarriesIsReadWhole() throws Exception
    {
        final String prefix = blueAndRed();
        final int hosts = 300;
        final int perHost = 100;
        // ~5.7 MB of bindings: one gRPC reply carries at most 4 MiB.
        final List<CompletableFuture<?>> writes = new ArrayList<>();
        for (int host = 1; host <= hosts; host++)
        {
            final List<Op> puts = new ArrayList<>();
            for (int vm = 0; vm < perHost; vm++)
            {
                final String mac = Addresses.mac(0x0200_0000_0000L + (long)host * perHost + vm);
                puts.add(Op.put(bytes(prefix + "/bindings/" + host + "/0/" + mac), bytes(BINDING
                    .replace("02:00:00:64:00:01", mac)
                    .replace("000000000001", "%012d".formatted((long)host * perHost + vm))), PutOption.DEFAULT));
            }
            writes.add(writer.getKVClient().txn().Then(puts.toArray(new Op[0])).commit());
        }
        for (final CompletableFuture<?> write : writes)
        {
            write.get(30, TimeUnit.SECONDS);
        }

        try (EtcdPolicyStore store = EtcdPolicyStore.connect(etcd.endpoints(), prefix))
        {
            assertEquals(perHost, store.bindings(1).size());
            assertEquals(perHost, store.bindings(hosts).size());
            assertEquals(2, store.domains().size());
        }
    }

    @Test
    void aDomainEditArrivesWhileTheStoreRunsAndListenersAreToldWhichDomainChanged() throws Exception
    {
        final String prefix = blueAndRed();
        try (EtcdPolicyStore store = EtcdPolicyStore.connect(etcd.endpoints(), prefix))
        {
            final List<Integer> changed = new CopyOnWriteArrayList<>();
            store.addListener(new PolicyListener()
            {
                public void domainsChanged(final int[] domainIds)
                {
                    for (final int id : domainIds)
                    {
                        changed.add(id);
                    }
                }
            });
            put(writer, prefix + "/domains/100", domain(100, "blue", 1400, 6767));
            // The spec's bound (issue 5, item 2), from the moment etcd acknowledged the write.
            assertTrue(within(Duration.ofSeconds(10), () -> mtu(store, 100) == 1400), "the edit did not arrive");
            assertTrue(within(Duration.ofSeconds(10), () -> changed.equals(List.of(100))), changed::toString);

            delete(prefix + "/domains/100");
            assertTrue(within(Duration.ofSeconds(10), () -> store.domainOrNull(100) == null));
            assertEquals(List.of(), store.serviceLocations(100));
            assertEquals(1450, mtu(store, 200));
            assertTrue(within(Duration.ofSeconds(10), () -> changed.equals(List.of(100, 100))), changed::toString);
        }
    }

    @Test
    void anInvalidDomainValueIsRefusedAndThePreviousDomainStaysInForce() throws Exception
    {
        final String prefix = blueAndRed();
        try (EtcdPolicyStore store = EtcdPolicyStore.connect(etcd.endpoints(), prefix))
        {
            // A pool outside the subnet, text that is not JSON, a value that is another domain than its key, a
            // name another domain has: each refused, and the domain as it was before stays.
            put(writer, prefix + "/domains/100", domain(100, "blue", 1400, 6767).replace("10.0.0.199", "10.0.1.9"));
            put(writer, prefix + "/domains/100", "{ \"id\": 100, ");
            put(writer, prefix + "/domains/100", domain(101, "blue", 1400, 6767));
            put(writer, prefix + "/domains/100", domain(100, "red", 1400, 6767));
            put(writer, prefix + "/domains/300", "not json");
            put(writer, prefix + "/domains/200", domain(200, "red", 1300, 6767));
            assertTrue(within(Duration.ofSeconds(10), () -> mtu(store, 200) == 1300));
            assertEquals(1450, mtu(store, 100));
            assertEquals("blue", store.domainOrNull(100).name());
            assertEquals(2, store.domains().size());

            // A store started on bad values takes the good ones and leaves the rest out: it has nothing older.
            put(writer, prefix + "/domains/100", "{ \"id\": 100, ");
            try (EtcdPolicyStore second = EtcdPolicyStore.connect(etcd.endpoints(), prefix))
            {
                assertEquals(1300, mtu(second, 200));
                assertEquals(-1, mtu(second, 100));
                assertEquals(-1, mtu(second, 300));
            }
            assertEquals(1450, mtu(store, 100));
        }
    }

    @Test
    void aBindingThatDisagreesWithItsKeyOrIsMalformedIsRefused() throws Exception
    {
        final String prefix = prefix();
        try (EtcdPolicyStore store = EtcdPolicyStore.connect(etcd.endpoints(), prefix))
        {
            put(writer, prefix + "/bindings/1/0/02:00:00:64:00:09", BINDING);
            put(writer, prefix + "/bindings/1/0/02:00:00:64:00:01", BINDING.replace("\"vm\"", "\"vmid\""));
            put(writer, prefix + "/bindings/x/0/02:00:00:64:00:01", BINDING);
            put(writer, prefix + "/bindings/1/0/02:00:00:64:00:01",
                BINDING.replace("\"domain\": 100", "\"domain\": 0"));
            put(writer, prefix + "/bindings/3/0/02:00:00:64:00:01", BINDING);
            assertTrue(within(Duration.ofSeconds(10), () -> store.bindings(3).size() == 1));
            assertEquals(List.of(), store.bindings(1));
        }
    }

    @Test
    void aStoreThatCannotReachEtcdFailsAtStartWithOneClearLine() throws Exception
    {
        final int port = FreePorts.tcp();
        final String message = assertThrows(PolicyException.class, () -> EtcdPolicyStore.connect(
            List.of("http://127.0.0.1:" + port), "/dvmc", Duration.ofMillis(1500))).getMessage();
        assertEquals("etcd http://127.0.0.1:" + port + ": no answer within 1500 ms", message);
    }

    @Test
    void aProcessStartingWhileEtcdIsDownWaitsForItAndThenReadsThePolicy() throws Exception
    {
        try (EtcdCluster single = EtcdCluster.start(1);
            Client client = Client.builder().endpoints(single.endpoints().toArray(String[]::new)).build())
        {
            put(client, "/dvmc/domains/100", domain(100, "blue", 1450, 6767));
            final EtcdCluster.Member member = single.members().get(0);
            single.kill(member);
            final CompletableFuture<EtcdPolicyStore> starting = CompletableFuture.supplyAsync(() -> {
                try
                {
                    return EtcdPolicyStore.connect(single.endpoints(), "/dvmc");
                }
                catch (final PolicyException ex)
                {
                    throw new CompletionException(ex);
                }
            });
            // Longer than one call's deadline: the first read failed at least once and is tried again.
            assertFalse(within(EtcdPolicyStore.DEFAULT_TIMEOUT.plusSeconds(2), starting::isDone),
                () -> "gave up while etcd was down: " + starting);
            single.restart(member);
            try (EtcdPolicyStore store = starting.get(60, TimeUnit.SECONDS))
            {
                assertEquals(1450, mtu(store, 100));
            }
        }
    }

    @Test
    void theStoreKeepsFollowingChangesWhenTheEtcdLeaderIsKilled() throws Exception
    {
        try (EtcdCluster cluster = EtcdCluster.start(3);
            Client client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build())
        {
            put(client, "/dvmc/domains/100", domain(100, "blue", 1450, 6767));
            try (EtcdPolicyStore store = EtcdPolicyStore.connect(cluster.endpoints(), "/dvmc"))
            {
                assertEquals(1450, mtu(store, 100));
                cluster.kill(cluster.leader());
                put(client, "/dvmc/domains/100", domain(100, "blue", 1400, 6767));
                assertTrue(within(Duration.ofSeconds(30), () -> mtu(store, 100) == 1400), cluster::logs);

                final EtcdCluster.Member second = cluster.leader();
                cluster.kill(second);
                // One member of three left: no quorum, no writes; the store serves what it has.
                assertEquals(1400, mtu(store, 100));
                cluster.restart(second);
                put(client, "/dvmc/domains/200", domain(200, "red", 1300, 6767));
                put(client, "/dvmc/domains/100", domain(100, "blue", 1350, 6767));
                assertTrue(within(Duration.ofSeconds(30), () -> mtu(store, 100) == 1350 && mtu(store, 200) == 1300),
                    cluster::logs);
                assertFalse(store.domains().isEmpty());
            }
        }
    }

    @Test
    void changesMadeWhileTheStoreWasCutOffArriveEvenWhenEtcdCompactedItsHistoryMeanwhile() throws Exception
    {
        try (EtcdCluster single = EtcdCluster.start(1);
            Client client = Client.builder().endpoints(single.endpoints().toArray(String[]::new)).build())
        {
            put(client, "/dvmc/domains/100", domain(100, "blue", 1450, 6767));
            put(client, "/dvmc/domains/200", domain(200, "red", 1450, 6767));
            try (EtcdPolicyStore store = EtcdPolicyStore.connect(single.endpoints(), "/dvmc"))
            {
                // A change seen proves the watch is up before etcd goes away.
                put(client, "/dvmc/domains/200", domain(200, "red", 1440, 6767));
                assertTrue(within(Duration.ofSeconds(10), () -> mtu(store, 200) == 1440));
                final EtcdCluster.Member member = single.members().get(0);
                single.kill(member);
                assertEquals(1450, mtu(store, 100), "the policy read last stays in force");
                single.restart(member);
                put(client, "/dvmc/domains/100", domain(100, "blue", 1400, 6767));
                client.getKVClient().delete(bytes("/dvmc/domains/200")).get(20, TimeUnit.SECONDS);
                final long latest = client.getKVClient().get(bytes("/dvmc/domains/100")).get(20, TimeUnit.SECONDS)
                    .getHeader().getRevision();
                client.getKVClient().compact(latest).get(20, TimeUnit.SECONDS);

                // jetcd resumes a watch cut by an unreachable member by itself, with backoff, before the compaction
                // makes it fail over to a full read: on a busy machine that took more than 30 s once.
                assertTrue(within(Duration.ofSeconds(90), () -> mtu(store, 100) == 1400 && mtu(store, 200) == -1),
                    () -> "resyncs " + store.resyncs() + ", revision " + store.revision() + "\n" + single.logs());
                assertTrue(store.resyncs() >= 1);
                put(client, "/dvmc/domains/100", domain(100, "blue", 1300, 6767));
                assertTrue(within(Duration.ofSeconds(10), () -> mtu(store, 100) == 1300), "the watch goes on");
            }
        }
    }

    /**
     * The store's member is killed, the change is made on the others, and then the member comes back while the
     * others are down: with no leader to follow it cannot serve the store's watch, and the client leaves that
     * watch hanging without a word. The store notices (its progress requests go unanswered) and, once the others
     * are back, reads the policy again.
     */
    private static void changeWhileTheStoresMemberIsAway(final EtcdCluster three, final EtcdPolicyStore store,
        final Runnable change) throws Exception
    {
        final EtcdCluster.Member storesMember = three.members().get(0);
        final List<EtcdCluster.Member> others = three.members().subList(1, 3);
        three.kill(storesMember);
        change.run();
        others.forEach(three::kill);
        three.relaunch(storesMember);
        assertTrue(within(Duration.ofSeconds(60), () -> store.watchFailures() > 0), "the store saw its watch fail");
        for (final EtcdCluster.Member other : others)
        {
            three.restart(other);
        }
    }

    private static Client clientOfOthers(final EtcdCluster three)
    {
        return Client.builder().endpoints(three.members().subList(1, 3).stream()
            .map(EtcdCluster.Member::clientUrl).toArray(String[]::new)).build();
    }

    @Test
    void aWatchThatARestartedMemberLeftHangingIsNoticedAndThePolicyIsReadAgain() throws Exception
    {
        try (EtcdCluster three = EtcdCluster.start(3); Client client = clientOfOthers(three))
        {
            put(client, "/dvmc/domains/100", domain(100, "blue", 1450, 6767));
            try (EtcdPolicyStore store = EtcdPolicyStore.connect(List.of(three.members().get(0).clientUrl()),
                "/dvmc"))
            {
                changeWhileTheStoresMemberIsAway(three, store,
                    () -> put(client, "/dvmc/domains/100", domain(100, "blue", 1400, 6767)));
                assertTrue(within(Duration.ofSeconds(30), () -> mtu(store, 100) == 1400));
                put(client, "/dvmc/domains/100", domain(100, "blue", 1300, 6767));
                assertTrue(within(Duration.ofSeconds(10), () -> mtu(store, 100) == 1300), "the watch goes on");
            }
        }
    }

    /**
     * etcd drops a deletion's tombstone when it compacts at exactly the deletion's revision, and a watch that starts
     * at that revision is not told it was compacted: it just never sees the deletion. The store therefore watches
     * from the revision it read at, where a compaction past its read is always reported.
     */
    @Test
    void aDeletionCompactedAwayBetweenTheStoresReadAndItsWatchIsStillSeen() throws Exception
    {
        try (EtcdCluster three = EtcdCluster.start(3);
            Client client = clientOfOthers(three);
            Client viaStoresMember = Client.builder().endpoints(three.members().get(0).clientUrl()).build())
        {
            put(client, "/dvmc/domains/100", domain(100, "blue", 1450, 6767));
            put(client, "/dvmc/domains/200", domain(200, "red", 1450, 6767));
            try (EtcdPolicyStore store = EtcdPolicyStore.connect(List.of(three.members().get(0).clientUrl()),
                "/dvmc"))
            {
                // Holds the store's thread inside the read that follows the failed watch, before it watches again.
                final CountDownLatch inRead = new CountDownLatch(1);
                final CountDownLatch release = new CountDownLatch(1);
                store.addListener(new PolicyListener()
                {
                    @Override
                    public void domainsChanged(final int[] domainIds)
                    {
                        if (store.resyncs() > 0 && mtu(store, 100) == 1400 && inRead.getCount() == 1)
                        {
                            inRead.countDown();
                            awaitQuietly(release);
                        }
                    }
                });
                changeWhileTheStoresMemberIsAway(three, store,
                    () -> put(client, "/dvmc/domains/100", domain(100, "blue", 1400, 6767)));
                assertTrue(inRead.await(60, TimeUnit.SECONDS), "the store read the policy again");

                final long deleted = client.getKVClient().delete(bytes("/dvmc/domains/200"))
                    .get(20, TimeUnit.SECONDS).getHeader().getRevision();
                viaStoresMember.getKVClient().compact(deleted, CompactOption.builder()
                    .withCompactPhysical(true).build()).get(20, TimeUnit.SECONDS);
                release.countDown();

                assertTrue(within(Duration.ofSeconds(30), () -> mtu(store, 200) == -1),
                    () -> "domain 200 still held; revision " + store.revision() + ", deleted at " + deleted);
                put(client, "/dvmc/domains/100", domain(100, "blue", 1300, 6767));
                assertTrue(within(Duration.ofSeconds(10), () -> mtu(store, 100) == 1300), "the watch goes on");
            }
        }
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await(60, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
