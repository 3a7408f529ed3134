package io.dvmc.agent;

import io.dvmc.config.HostConfig;
import io.dvmc.lab.Await;
import io.dvmc.lab.EtcdCluster;
import io.dvmc.policy.EtcdPolicyStore;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A host's bindings kept in the policy service (etcd), as `dvmc ctl bind` writes them, reach its agent. */
class PolicyBindingsTest
{
    private static final String DOMAIN = """
        { "id": %d, "name": "d%d", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
          "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "services": [ "127.0.0.1:6767" ] }
        """;
    private static final String VM = "6f1c1d2e-0000-4000-8000-000000000001";

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
        CloseHelper.quietCloseAll(writer, etcd);
    }

    private static void put(final Client client, final String key, final String value) throws Exception
    {
        client.getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8),
            ByteSequence.from(value, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
    }

    private static String binding(final String port, final String mac, final int domain)
    {
        return "{ \"port\": \"" + port + "\", \"vlan\": 0, \"mac\": \"" + mac + "\", \"domain\": " + domain +
            ", \"vm\": \"" + VM + "\" }";
    }

    private static long pollUntil(final HostBindings source, final int size)
    {
        final long[] version = new long[1];
        Await.until(size + " binding(s)", Duration.ofSeconds(10), () -> {
            version[0] = source.poll(System.currentTimeMillis());
            return source.current().size() == size;
        });
        return version[0];
    }

    @Test
    void aBindingWrittenToEtcdReachesTheAgentOfItsHostAndNoOther() throws Exception
    {
        try (EtcdPolicyStore store = EtcdPolicyStore.connect(etcd.endpoints(), "/a"))
        {
            put(writer, "/a/domains/100", DOMAIN.formatted(100, 100));
            final PolicyStoreBindings host1 = new PolicyStoreBindings(store, 1);
            final PolicyStoreBindings host2 = new PolicyStoreBindings(store, 2);
            final long before = host1.poll(System.currentTimeMillis());
            assertEquals(List.of(), host1.current());

            put(writer, "/a/bindings/1/0/02:00:00:64:00:01", binding("vm1", "02:00:00:64:00:01", 100));
            final long after = pollUntil(host1, 1);

            assertEquals(List.of(new HostConfig.Binding("vm1", 0, "02:00:00:64:00:01", 100, VM)), host1.current());
            assertTrue(after != before, "a change gives a new version");
            assertEquals(List.of(), host2.current());
            assertEquals(after, host1.poll(System.currentTimeMillis()), "no change, same version");
        }
    }

    @Test
    void aHostMayAskOnlyForTheDomainsItsBindingsName() throws Exception
    {
        put(writer, "/b/domains/100", DOMAIN.formatted(100, 100));
        put(writer, "/b/domains/200", DOMAIN.formatted(200, 200));
        put(writer, "/b/bindings/1/0/02:00:00:64:00:01", binding("vm1", "02:00:00:64:00:01", 100));
        put(writer, "/b/bindings/2/0/02:00:00:c8:00:01", binding("vm1", "02:00:00:c8:00:01", 200));
        try (EtcdPolicyStore store = EtcdPolicyStore.connect(etcd.endpoints(), "/b"))
        {
            pollUntil(new PolicyStoreBindings(store, 2), 1);

            assertTrue(store.mayServe(1, 100));
            assertFalse(store.mayServe(1, 200), "host 1 has no VM of domain 200");
            assertTrue(store.mayServe(2, 200));
            assertFalse(store.mayServe(3, 100), "a host without bindings reaches no domain");
        }
    }

    @Test
    void hostJsonAndThePolicyServiceMergeAndHostJsonWinsWhereBothBindOneMac()
    {
        final HostConfig.Binding local = new HostConfig.Binding("vm1", 0, "02:00:00:64:00:01", 100, VM);
        final HostConfig.Binding same = new HostConfig.Binding("vm9", 0, "02:00:00:64:00:01", 200, VM);
        final HostConfig.Binding other = new HostConfig.Binding("vm2", 0, "02:00:00:64:00:02", 100, VM);
        final MergedBindings merged = new MergedBindings(HostBindings.of(List.of(local)),
            HostBindings.of(List.of(same, other)));

        merged.poll(0);

        assertEquals(List.of(local, other), merged.current());
    }
}
