package io.dvmc.lab;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class EtcdClusterTest
{
    private static ByteSequence bytes(String s)
    {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void aThreeMemberClusterKeepsAcceptedWritesWhenItsLeaderIsKilled() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(3);
            Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build())
        {
            client.getKVClient().put(bytes("/t/a"), bytes("1")).get(10, TimeUnit.SECONDS);
            EtcdCluster.Member leader = etcd.leader();
            etcd.kill(leader);
            EtcdCluster.Member next = etcd.leader();
            assertNotEquals(leader.name(), next.name());
            client.getKVClient().put(bytes("/t/b"), bytes("2")).get(20, TimeUnit.SECONDS);
            assertEquals("1", client.getKVClient().get(bytes("/t/a")).get(10, TimeUnit.SECONDS)
                .getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
            etcd.restart(leader);
            assertEquals(2, client.getKVClient().get(bytes("/t/"),
                io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS)
                .getCount());
        }
    }
}
