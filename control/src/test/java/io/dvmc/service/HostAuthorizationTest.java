package io.dvmc.service;

import io.dvmc.exchange.DvmcError;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.RetryPolicy;
import io.dvmc.lab.EtcdCluster;
import io.dvmc.policy.EtcdPolicyStore;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §4 across many hosts: with the policy in etcd, a service answers a host only for the domains that host has
 * VMs of (its bindings); a hypervisor that asks for another tenant's domain is dropped and counted, never answered.
 */
class HostAuthorizationTest
{
    private static final String DOMAIN = """
        { "id": %d, "name": "d%d", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
          "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "services": [ "127.0.0.1:6767" ] }
        """;

    @TempDir
    Path dir;

    private static void put(final Client client, final String key, final String value) throws Exception
    {
        client.getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8),
            ByteSequence.from(value, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aServiceAnswersAHostOnlyForTheDomainsItsBindingsName() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client writer = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build())
        {
            put(writer, "/dvmc/domains/100", DOMAIN.formatted(100, 100));
            put(writer, "/dvmc/domains/200", DOMAIN.formatted(200, 200));
            // TestAgent speaks as host 42: it has a VM of domain 100 and none of 200.
            put(writer, "/dvmc/bindings/42/0/02:00:00:64:00:01", """
                { "port": "vm1", "vlan": 0, "mac": "02:00:00:64:00:01", "domain": 100,
                  "vm": "6f1c1d2e-0000-4000-8000-000000000001" }
                """);
            try (EtcdPolicyStore policy = EtcdPolicyStore.connect(etcd.endpoints(), "/dvmc");
                DvmcService service = new DvmcService(policy, new InetSocketAddress("127.0.0.1", 0), TestAgent.KEY,
                    dir, Clock.systemUTC(), new BackoffIdleStrategy()).start();
                TestAgent agent = new TestAgent(System::currentTimeMillis, new RetryPolicy(2, 1_000, 2_000)))
            {
                final TestAgent.Reply own = agent.discover(service.localAddress(), 100, 0x020000640001L);
                assertEquals(DvmcMessageType.OFFER, own.type());

                final long xid = agent.client.send(DvmcMessageType.DISCOVER, service.localAddress(), 200,
                    0x020000c80001L, 1, 2, 0, 0);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!agent.timeouts.contains(xid) && System.nanoTime() < deadline)
                {
                    agent.client.poll();
                    Thread.onSpinWait();
                }
                assertTrue(agent.timeouts.contains(xid), "another tenant's domain is never answered");
                assertTrue(service.counters().drops(DvmcError.HOST_NOT_AUTHORIZED) >= 1,
                    service.counters().snapshot().toString());
            }
        }
    }
}
