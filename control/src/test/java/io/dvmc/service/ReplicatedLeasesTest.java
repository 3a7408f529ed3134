package io.dvmc.service;

import io.dvmc.lab.FreePorts;
import io.dvmc.agent.ServiceLocator;
import io.dvmc.config.Addresses;
import io.dvmc.e2e.JvmProcess;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.exchange.KeyRing;
import io.dvmc.lab.Await;
import io.dvmc.lab.EtcdCluster;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.time.MonotonicClock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Active service replicas sharing their leases in a real etcd (issue 5, item 3): what one binds the others know, no
 * address goes to two MACs whichever replica or etcd member dies, and nothing acknowledged is lost.
 */
class ReplicatedLeasesTest
{
    private static final int BLUE = 100;
    private static final int TINY = 300;
    private static final int BIG = 400;
    private static final long MAC = 0x0200_0000_0001L;

    @TempDir
    Path dir;

    @Test
    void twoReplicasAllocatingConcurrentlyNeverGiveAnAddressToTwoMacsThroughAReplicaKillAndALeaderKill()
        throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(3);
            Client check = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build())
        {
            final int[] ports = {FreePorts.udp(), FreePorts.udp()};
            final Path policy = policy(ports);
            final Path key = dir.resolve("cluster.key");
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(key, HexFormat.of().formatHex(TestAgent.KEY) + "\n");
            final List<JvmProcess> replicas = new ArrayList<>();
            final List<BindingAgent> agents = new ArrayList<>();
            final StringBuilder logs = new StringBuilder();
            final List<Thread> threads = new ArrayList<>();
            try
            {
                for (int i = 0; i < 2; i++)
                {
                    final JvmProcess replica = JvmProcess.start("replica" + i, dir.resolve("logs"), null,
                        "io.dvmc.cli.Dvmc", "service", "--policy", policy.toString(), "--listen",
                        "127.0.0.1:" + ports[i], "--state-dir", dir.resolve("replica" + i).toString(), "--key-file",
                        key.toString(), "--etcd", etcd.endpointList(), "--replica-id", "r" + i);
                    replicas.add(replica);
                }
                for (final JvmProcess replica : replicas)
                {
                    replica.await("the replica listening", Duration.ofSeconds(30),
                        () -> replica.log().contains("listening on"));
                }
                final List<InetSocketAddress> endpoints = List.of(new InetSocketAddress("127.0.0.1", ports[0]),
                    new InetSocketAddress("127.0.0.1", ports[1]));
                for (int i = 0; i < 2; i++)
                {
                    final BindingAgent agent = new BindingAgent(i + 1, endpoints, i, MAC + i * 0x1_0000L, 300, 16);
                    agents.add(agent);
                    final Thread t = new Thread(agent, "binding-agent-" + i);
                    threads.add(t);
                    t.start();
                }
                final BooleanSupplier done = () -> agents.stream().allMatch(a -> a.acks.size() == a.count);
                awaitTrue("100 bindings", Duration.ofSeconds(30), () -> acks(agents) >= 100);
                replicas.get(0).kill();
                final int beforeLeaderKill = acks(agents);
                awaitTrue("bindings after the replica kill", Duration.ofSeconds(30),
                    () -> acks(agents) >= beforeLeaderKill + 100 || done.getAsBoolean());
                etcd.kill(etcd.leader());
                awaitTrue("every VM bound", Duration.ofSeconds(50), done);
            }
            finally
            {
                agents.forEach(a -> a.stop = true);
                for (final Thread t : threads)
                {
                    t.join(10_000);
                }
                CloseHelper.quietCloseAll(replicas);
                replicas.forEach(r -> logs.append("--- ").append(r.name()).append('\n').append(r.log()));
            }

            final Map<Integer, Long> held = new HashMap<>();
            for (final KeyValue kv : check.getKVClient().get(bytes("/dvmc/leases/" + BLUE + "/"),
                GetOption.builder().isPrefix(true).build()).get(20, TimeUnit.SECONDS).getKvs())
            {
                final String k = kv.getKey().toString(StandardCharsets.UTF_8);
                final String v = kv.getValue().toString(StandardCharsets.UTF_8);
                final int at = v.indexOf("\"mac\":\"") + 7;
                held.put(Addresses.parseIpv4(k.substring(k.lastIndexOf('/') + 1)),
                    Addresses.parseMac(v.substring(at, at + 17)));
            }
            final Map<Integer, Long> acknowledged = new HashMap<>();
            for (final BindingAgent agent : agents)
            {
                assertEquals(List.of(), agent.naks, () -> "no VM saw a NAK\n" + logs);
                for (final Map.Entry<Long, Integer> ack : agent.acks.entrySet())
                {
                    final Long other = acknowledged.put(ack.getValue(), ack.getKey());
                    if (other != null && other.longValue() != ack.getKey())
                    {
                        fail(Addresses.ipv4(ack.getValue()) + " was acknowledged to " + Addresses.mac(other) +
                            " and to " + Addresses.mac(ack.getKey()));
                    }
                    assertEquals(ack.getKey(), held.get(ack.getValue()), "etcd holds the acknowledged lease of " +
                        Addresses.mac(ack.getKey()) + " at " + Addresses.ipv4(ack.getValue()));
                }
            }
            assertEquals(600, acknowledged.size());
        }
    }

    @Test
    void aVmBoundThroughOneReplicaRenewsThroughTheOtherWhichNeverHandsItsAddressOut() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            DvmcService a = replica(etcd, "a");
            DvmcService b = replica(etcd, "b");
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
        {
            final TestAgent.Reply bound = agent.bind(a.localAddress(), BLUE, MAC);
            assertEquals(DvmcMessageType.ACK, bound.type());

            final TestAgent.Reply renewed = agent.request(b.localAddress(), BLUE, MAC, bound.yiaddr());
            assertEquals(DvmcMessageType.ACK, renewed.type(), "the standby knows the lease: " + renewed);
            assertEquals(bound.yiaddr(), renewed.yiaddr());

            for (long mac = MAC + 1; mac < MAC + 20; mac++)
            {
                final TestAgent.Reply other = agent.bind(b.localAddress(), BLUE, mac);
                assertEquals(DvmcMessageType.ACK, other.type());
                assertNotEquals(bound.yiaddr(), other.yiaddr(), "the standby handed out a bound address again");
            }
            final TestAgent.Reply rediscover = agent.discover(b.localAddress(), BLUE, MAC);
            assertEquals(bound.yiaddr(), rediscover.yiaddr(), "the VM is offered its own address at the standby");
        }
    }

    @Test
    void aReplicaWhoseLowestSixteenCandidateBlocksAreAllTakenClaimsAHigherFreeBlock() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build())
        {
            // Other replicas hold the pool's first 20 blocks (of 24), each of 1,024 addresses from 10.1.0.0.
            for (int block = 0; block < 20; block++)
            {
                final String first = Addresses.ipv4(Addresses.parseIpv4("10.1.0.0") + block * AddressPool.BLOCK);
                operator.getKVClient().put(bytes("/dvmc/blocks/" + BIG + "/" + first),
                    bytes("{\"replica\":\"other-" + block + "\"}")).get(10, TimeUnit.SECONDS);
            }
            try (DvmcService a = replica(etcd, "a");
                TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
            {
                final TestAgent.Reply bound = agent.bind(a.localAddress(), BIG, MAC);
                assertEquals(DvmcMessageType.ACK, bound.type());
                assertTrue(Integer.compareUnsigned(bound.yiaddr(), Addresses.parseIpv4("10.1.80.0")) >= 0,
                    "bound in a block of its own, not in another replica's: " + Addresses.ipv4(bound.yiaddr()));
                final List<KeyValue> mine = operator.getKVClient().get(bytes("/dvmc/blocks/" + BIG + "/"),
                    GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS).getKvs();
                assertEquals(21, mine.size(), "one block claimed beside the 20 taken");
            }
        }
    }

    @Test
    void anExpiredLeaseIsDeletedInEtcdByTheReplicaThatOwnsItsBlockAloneAndIsFreeEverywhere() throws Exception
    {
        final MutableClock clockA = new MutableClock(System.currentTimeMillis());
        final MutableClock clockB = new MutableClock(clockA.millis());
        final EtcdLeaseLog[] logA = new EtcdLeaseLog[1];
        final EtcdLeaseLog[] logB = new EtcdLeaseLog[1];
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
            DvmcService a = replica(etcd, "a", clockA, logA);
            DvmcService b = replica(etcd, "b", clockB, logB);
            TestAgent agentA = new TestAgent(clockA::millis);
            TestAgent agentB = new TestAgent(clockB::millis))
        {
            final TestAgent.Reply bound = agentA.bind(a.localAddress(), TINY, MAC);
            assertEquals(DvmcMessageType.ACK, bound.type());
            final ByteSequence key = bytes("/dvmc/leases/" + TINY + "/" + Addresses.ipv4(bound.yiaddr()));
            awaitTrue("b knows the lease", Duration.ofSeconds(10),
                () -> agentB.discover(b.localAddress(), TINY, MAC + 1).status() == DvmcStatus.NAK);
            final long bWrites = logB[0].syncs();

            // b sees the lease expire first: the address is free at b, but the key is a's to delete.
            clockB.advanceSeconds(3_600);
            awaitTrue("b expired the lease", Duration.ofSeconds(10),
                () -> b.counters().get(ServiceCounters.Counter.EXPIRED) > 0);
            // Answered after the duty cycle that expired it, and its writes, are over.
            final TestAgent.Reply offer = agentB.discover(b.localAddress(), TINY, MAC + 2);
            assertEquals(bound.yiaddr(), offer.yiaddr(), "free at b: " + offer);
            assertEquals(bWrites, logB[0].syncs(), "b, which owns no block of the address, wrote nothing");
            assertEquals(1, operator.getKVClient().get(key).join().getKvs().size());

            clockA.advanceSeconds(3_600);
            awaitTrue("a, the block's owner, deleted the expired key", Duration.ofSeconds(10),
                () -> operator.getKVClient().get(key).join().getKvs().isEmpty());
        }
    }

    @Test
    void aClientBoundHereThatRequestsAFreeAddressAnotherReplicaOfferedItGetsItAndItsOldBindingEnds() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
            DvmcService b = replica(etcd, "b");
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
        {
            final TestAgent.Reply first = agent.bind(b.localAddress(), BLUE, MAC);
            assertEquals(DvmcMessageType.ACK, first.type());
            // Its ACK lost, the client went back to DISCOVER at a replica that had not seen the binding yet, and
            // asks for what that one offered: a free address.
            final int offeredElsewhere = first.yiaddr() + 40;

            final TestAgent.Reply second = agent.request(b.localAddress(), BLUE, MAC, offeredElsewhere);

            assertEquals(DvmcMessageType.ACK, second.type(), DvmcStatus.reasonName(second.reason()));
            assertEquals(offeredElsewhere, second.yiaddr());
            awaitTrue("the first binding's key deleted", Duration.ofSeconds(10), () -> operator.getKVClient()
                .get(bytes("/dvmc/leases/" + BLUE + "/" + Addresses.ipv4(first.yiaddr()))).join().getKvs().isEmpty());
        }
    }

    @Test
    void anExpiredLeaseWhoseBlockOwnerIsGoneIsDeletedInEtcdByAnotherReplicaAfterAGrace() throws Exception
    {
        final MutableClock clockB = new MutableClock(System.currentTimeMillis());
        final EtcdLeaseLog[] logB = new EtcdLeaseLog[1];
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
            DvmcService b = replica(etcd, "b", clockB, logB);
            TestAgent agentB = new TestAgent(clockB::millis))
        {
            final ByteSequence key;
            try (DvmcService a = replica(etcd, "a");
                TestAgent agentA = new TestAgent(SystemEpochClock.INSTANCE))
            {
                final TestAgent.Reply bound = agentA.bind(a.localAddress(), TINY, MAC);
                assertEquals(DvmcMessageType.ACK, bound.type());
                key = bytes("/dvmc/leases/" + TINY + "/" + Addresses.ipv4(bound.yiaddr()));
                awaitTrue("b knows the lease", Duration.ofSeconds(10),
                    () -> agentB.discover(b.localAddress(), TINY, MAC + 1).status() == DvmcStatus.NAK);
            }

            // a is gone: nobody owns the block any more, and the key would stay for ever.
            clockB.advanceSeconds(3_600);
            awaitTrue("b expired the lease", Duration.ofSeconds(10),
                () -> b.counters().get(ServiceCounters.Counter.EXPIRED) > 0);
            assertEquals(1, operator.getKVClient().get(key).join().getKvs().size(), "within the grace, a's to delete");

            clockB.advanceSeconds(AddressManager.ORPHAN_GRACE_MS / 1000 + 1);
            awaitTrue("b deleted the ownerless expired key", Duration.ofSeconds(10),
                () -> operator.getKVClient().get(key).join().getKvs().isEmpty());
        }
    }

    @Test
    void aBootpBindingIsInEtcdWhenItsAckArrivesAndTheOtherReplicaGivesTheMacTheSameAddressAndNoOneElse()
        throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
            DvmcService a = replica(etcd, "a");
            DvmcService b = replica(etcd, "b");
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
        {
            final TestAgent.Reply bound = agent.send(DvmcMessageType.BOOTP, a.localAddress(), BLUE, MAC, 0);
            assertEquals(DvmcMessageType.ACK, bound.type());
            final String key = "/dvmc/leases/" + BLUE + "/" + Addresses.ipv4(bound.yiaddr());
            assertEquals(1, operator.getKVClient().get(bytes(key)).get(10, TimeUnit.SECONDS).getCount(),
                "the binding was in etcd before its ACK");

            awaitTrue("the binding known at the other replica", Duration.ofSeconds(10),
                () -> agent.send(DvmcMessageType.LEASEQUERY, b.localAddress(), BLUE, MAC, 0).yiaddr() == bound
                    .yiaddr());
            assertEquals(bound.yiaddr(), agent.send(DvmcMessageType.BOOTP, b.localAddress(), BLUE, MAC, 0).yiaddr());
            for (long mac = MAC + 1; mac < MAC + 10; mac++)
            {
                assertNotEquals(bound.yiaddr(), agent.send(DvmcMessageType.BOOTP, b.localAddress(), BLUE, mac, 0)
                    .yiaddr(), "an address a BOOTP client holds went to another MAC");
            }
        }
    }

    @Test
    void anAddressDeclinedAtOneReplicaIsHeldByTheOtherAndByTheFirstAfterItsRestartUntilTheHoldEnds()
        throws Exception
    {
        final MutableClock clockB = new MutableClock(System.currentTimeMillis());
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
            DvmcService b = replica(etcd, "b", clockB, new EtcdLeaseLog[1]);
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE);
            TestAgent agentB = new TestAgent(clockB::millis))
        {
            final int declined;
            try (DvmcService a = replica(etcd, "a"))
            {
                declined = agent.bind(a.localAddress(), TINY, MAC).yiaddr();
                assertEquals(DvmcMessageType.ACK,
                    agent.send(DvmcMessageType.DECLINE, a.localAddress(), TINY, MAC, declined).type());
                // b follows a's writes in order: once it knows a later binding, it has seen the decline.
                final int later = agent.bind(a.localAddress(), BLUE, MAC).yiaddr();
                awaitTrue("b knows a's later binding", Duration.ofSeconds(10),
                    () -> agentB.discover(b.localAddress(), BLUE, MAC).yiaddr() == later);
            }
            final TestAgent.Reply atB = agentB.discover(b.localAddress(), TINY, MAC + 1);
            assertEquals(DvmcStatus.NAK, atB.status(), "the other replica holds the declined address: " + atB);
            try (DvmcService restarted = replica(etcd, "a"))
            {
                final TestAgent.Reply atA = agent.discover(restarted.localAddress(), TINY, MAC + 2);
                assertEquals(DvmcStatus.NAK, atA.status(), "the restarted replica holds the declined address: " +
                    atA);
            }

            final KeyValue key = operator.getKVClient().get(bytes("/dvmc/leases/" + TINY + "/declined/" +
                Addresses.ipv4(declined))).get(10, TimeUnit.SECONDS).getKvs().get(0);
            final long ttl = operator.getLeaseClient().timeToLive(key.getLease(), LeaseOption.DEFAULT)
                .get(10, TimeUnit.SECONDS).getTTL();
            assertTrue(ttl > AddressManager.DECLINE_HOLD_MS / 1000 - 30 &&
                ttl <= AddressManager.DECLINE_HOLD_MS / 1000 + EtcdLeaseLog.DECLINE_SLACK_SECONDS,
                "the decline key goes by itself within a minute of the hold's end, TTL " + ttl + " s");

            // b's clock stood still while a's ran on through the test: a minute more covers that.
            clockB.advanceMillis(AddressManager.DECLINE_HOLD_MS + 60_000);
            final TestAgent.Reply[] offer = new TestAgent.Reply[1];
            awaitTrue("the address handed out again once its hold ended", Duration.ofSeconds(10), () -> {
                offer[0] = agentB.discover(b.localAddress(), TINY, MAC + 3);
                return offer[0].type() == DvmcMessageType.OFFER;
            });
            assertEquals(declined, offer[0].yiaddr());
        }
    }

    @Test
    void aRestartedReplicaKeepsTheNamesOfALeaseThroughARefreshAndItsAddressForTheVmWhoseMacChangedByClientId()
        throws Exception
    {
        final long vm = 0x77;
        final byte[] options = vmOptions("vm-7 eth0", "web-1", "web-1.example.com");
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
        {
            final int bound;
            try (DvmcService a = replica(etcd, "a"))
            {
                final TestAgent.Reply offer = agent.send(DvmcMessageType.DISCOVER, a.localAddress(), BLUE, MAC, vm, 0,
                    options);
                bound = agent.send(DvmcMessageType.REQUEST, a.localAddress(), BLUE, MAC, vm, offer.yiaddr(), options)
                    .yiaddr();
            }
            try (DvmcService a = replica(etcd, "a"))
            {
                // The host's refresh of its lease carries none of the VM's options.
                assertEquals(DvmcMessageType.ACK, agent.send(DvmcMessageType.REQUEST, a.localAddress(), BLUE, MAC, vm,
                    bound, new byte[0]).type());
                final JsonNode record = new ObjectMapper().readTree(operator.getKVClient()
                    .get(bytes("/dvmc/leases/" + BLUE + "/" + Addresses.ipv4(bound))).get(10, TimeUnit.SECONDS)
                    .getKvs().get(0).getValue().getBytes());
                assertEquals("web-1", record.path("hostname").asText(), record.toString());
                assertEquals("web-1.example.com", record.path("fqdn").asText(), record.toString());

                final TestAgent.Reply offer = agent.send(DvmcMessageType.DISCOVER, a.localAddress(), BLUE, MAC + 9, vm,
                    0, options);
                assertEquals(bound, offer.yiaddr(), "RFC 2131 §4.2: the client identifier names the client: " +
                    offer);
            }
        }
    }

    /** Options 61, 12 and 81 (RFC 4702, the name in canonical wire format) as a VM sends them. */
    static byte[] vmOptions(final String clientId, final String hostName, final String fqdn)
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(61);
        out.write(clientId.length());
        out.writeBytes(clientId.getBytes(StandardCharsets.US_ASCII));
        out.write(12);
        out.write(hostName.length());
        out.writeBytes(hostName.getBytes(StandardCharsets.US_ASCII));
        final java.io.ByteArrayOutputStream name = new java.io.ByteArrayOutputStream();
        for (final String label : fqdn.split("\\."))
        {
            name.write(label.length());
            name.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        name.write(0);
        out.write(81);
        out.write(3 + name.size());
        out.write(0x05); // S and E: the server may update DNS, the name is in wire format
        out.write(0);
        out.write(0);
        out.writeBytes(name.toByteArray());
        return out.toByteArray();
    }

    @Test
    void aClientRequestingTheAddressOneReplicaOfferedIsAcknowledgedByAnotherThatOfferedItAnother() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            DvmcService a = replica(etcd, "a");
            DvmcService b = replica(etcd, "b");
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
        {
            // The agent's DISCOVER reached both (a failover in between): each offered from its own block.
            final TestAgent.Reply fromA = agent.discover(a.localAddress(), BLUE, MAC);
            final TestAgent.Reply fromB = agent.discover(b.localAddress(), BLUE, MAC);
            assertNotEquals(fromA.yiaddr(), fromB.yiaddr());

            final TestAgent.Reply ack = agent.request(b.localAddress(), BLUE, MAC, fromA.yiaddr());
            assertEquals(DvmcMessageType.ACK, ack.type(), "RFC 2131 §4.3.2: the address is free for it: " + ack);
            assertEquals(fromA.yiaddr(), ack.yiaddr());
        }
    }

    @Test
    void aLeaseDeletedInEtcdFreesTheAddressAtEveryReplica() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
            DvmcService a = replica(etcd, "a");
            DvmcService b = replica(etcd, "b");
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
        {
            final TestAgent.Reply bound = agent.bind(a.localAddress(), TINY, MAC);
            assertEquals(DvmcMessageType.ACK, bound.type());
            for (final DvmcService replica : List.of(a, b))
            {
                awaitTrue("the only address taken at " + replica.localAddress(), Duration.ofSeconds(10),
                    () -> agent.discover(replica.localAddress(), TINY, MAC + 1).status() == DvmcStatus.NAK);
            }

            operator.getKVClient().delete(bytes("/dvmc/leases/" + TINY + "/" + Addresses.ipv4(bound.yiaddr())))
                .get(10, TimeUnit.SECONDS);

            final TestAgent.Reply[] offer = new TestAgent.Reply[1];
            for (final DvmcService replica : List.of(b, a))
            {
                awaitTrue("the address free again at " + replica.localAddress(), Duration.ofSeconds(10), () -> {
                    offer[0] = agent.discover(replica.localAddress(), TINY, MAC + 2);
                    return offer[0].type() == DvmcMessageType.OFFER;
                });
                assertEquals(bound.yiaddr(), offer[0].yiaddr());
                agent.send(DvmcMessageType.RELEASE, replica.localAddress(), TINY, MAC + 2, 0);
            }
        }
    }

    @Test
    void aReplicaThatCannotReachEtcdAcknowledgesNothingCountsItAndServesAgainWhenEtcdIsBack() throws Exception
    {
        try (EtcdCluster etcd = EtcdCluster.start(1);
            DvmcService a = replica(etcd, "a");
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
        {
            final TestAgent.Reply bound = agent.bind(a.localAddress(), BLUE, MAC);
            assertEquals(DvmcMessageType.ACK, bound.type());
            // The agent keeps asking for 7.75 s, longer than the replica waits for etcd (3 s): a late ACK is seen.
            final EtcdCluster.Member member = etcd.members().get(0);
            etcd.kill(member);

            final long renewal = agent.client.send(DvmcMessageType.REQUEST, a.localAddress(), BLUE, MAC, 1, MAC,
                bound.yiaddr(), 0);
            awaitTrue("the renewal to go unanswered", Duration.ofSeconds(20), () -> {
                agent.client.poll();
                assertTrue(!agent.replies.containsKey(renewal), "acknowledged without etcd: " +
                    agent.replies.get(renewal));
                return agent.timeouts.contains(renewal);
            });
            awaitTrue("the failure counted", Duration.ofSeconds(10),
                () -> a.counters().get(ServiceCounters.Counter.JOURNAL_FAILURES) +
                    a.counters().get(ServiceCounters.Counter.UNAVAILABLE) > 0);

            etcd.restart(member);
            final TestAgent.Reply[] renewed = new TestAgent.Reply[1];
            awaitTrue("a renewal acknowledged once etcd is back", Duration.ofSeconds(40), () -> {
                final long xid = agent.client.send(DvmcMessageType.REQUEST, a.localAddress(), BLUE, MAC, 1, MAC,
                    bound.yiaddr(), 0);
                while (!agent.replies.containsKey(xid) && !agent.timeouts.contains(xid))
                {
                    agent.client.poll();
                }
                renewed[0] = agent.replies.get(xid);
                return renewed[0] != null;
            });
            assertEquals(DvmcMessageType.ACK, renewed[0].type());
            assertEquals(bound.yiaddr(), renewed[0].yiaddr());
            awaitTrue("the reload after the outage counted beside the one at start", Duration.ofSeconds(10),
                () -> a.counters().get(ServiceCounters.Counter.SHARED_RELOADS) >= 2);
        }
    }

    @Test
    void anOfferWhoseRequestEtcdRefusedStaysTheClientsAndNoOtherClientIsOfferedIt() throws Exception
    {
        // etcd refuses a transaction of more than four writes: the batch's bindings are certainly not written.
        final int clients = 5;
        try (EtcdCluster etcd = EtcdCluster.start(1, List.of("--max-txn-ops=" + (clients - 1)));
            EtcdLeaseLog leases = EtcdLeaseLog.open(etcd.endpoints(), EtcdLeaseLog.DEFAULT_PREFIX, "a",
                "127.0.0.1:" + FreePorts.udp(), Clock.systemUTC(), EtcdLeaseLog.DEFAULT_TTL_SECONDS,
                EtcdLeaseLog.DEFAULT_TIMEOUT_MS))
        {
            final AddressManager manager = new AddressManager(new FilePolicyStore(policy(new int[]{FreePorts.udp()})),
                leases, MonotonicClock.system());
            awaitTrue("the shared leases read", Duration.ofSeconds(20), () -> manager.pollShared() >= 0);
            final Grant grant = new Grant();
            final Set<Integer> offered = new HashSet<>();
            for (int i = 0; i < clients; i++)
            {
                manager.offer(BLUE, MAC + i, 1, MAC + i, 0, 0, 0, grant);
                offered.add(grant.address());
            }
            manager.endBatch();

            for (int i = 0; i < clients; i++)
            {
                manager.request(BLUE, MAC + i, 1, MAC + i, 0, 0, manager.addressOf(BLUE, MAC + i), 0, 7 + i, grant);
            }
            assertThrows(LeaseStoreException.class, manager::sync, "no ACK leaves: the clients retransmit");
            manager.endBatch();

            awaitTrue("the shared leases read again", Duration.ofSeconds(20), () -> manager.pollShared() >= 0);
            manager.offer(BLUE, MAC + clients, 1, MAC + clients, 0, 0, 0, grant);
            assertTrue(!offered.contains(grant.address()), "RFC 2131 §4.3.2: an offer stays its client's while " +
                "the client asks for it; " + Addresses.ipv4(grant.address()) + " was another's");
            manager.endBatch();
            final int first = manager.addressOf(BLUE, MAC);
            manager.request(BLUE, MAC, 1, MAC, 0, 0, first, 0, 7, grant);
            manager.sync();
            assertEquals(LeaseLog.OK, manager.outcome(grant), "the retransmitted REQUEST binds the offer");
            assertTrue(offered.contains(first));
        }
    }

    @Test
    void aReplicaStartingOnMoreLeasesThanOneEtcdReplyCanCarryLoadsThemAll() throws Exception
    {
        final int first = Addresses.parseIpv4("10.1.0.0");
        final int count = 96 * 256;
        try (EtcdCluster etcd = EtcdCluster.start(1);
            Client operator = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build())
        {
            // Leases of a replica that is gone: more than 4 MiB of records, the most one gRPC reply carries.
            final long expiresAtMs = System.currentTimeMillis() + 3_600_000;
            final List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int start = 0; start < count; start += 128)
            {
                final List<Op> puts = new ArrayList<>();
                for (int i = start; i < Math.min(count, start + 128); i++)
                {
                    final String record = ("{\"mac\":\"%s\",\"expiresAtMs\":%d,\"vm\":\"%s\"," +
                        "\"location\":\"10.200.0.7:40000\",\"xid\":\"1f00000a\",\"replica\":\"old\"}")
                        .formatted(Addresses.mac(MAC + 0x10000 + i), expiresAtMs, new UUID(1, i));
                    puts.add(Op.put(bytes("/dvmc/leases/" + BIG + "/" + Addresses.ipv4(first + i)), bytes(record),
                        PutOption.DEFAULT));
                }
                writes.add(operator.getKVClient().txn().Then(puts.toArray(new Op[0])).commit());
            }
            for (final CompletableFuture<?> w : writes)
            {
                w.get(30, TimeUnit.SECONDS);
            }

            try (DvmcService replica = replica(etcd, "late");
                TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE))
            {
                final TestAgent.Reply full = agent.discover(replica.localAddress(), BIG, MAC);
                assertEquals(DvmcStatus.REASON_NO_ADDRESS, full.reason(), "every address is bound: " + full);
                final TestAgent.Reply renewed = agent.request(replica.localAddress(), BIG, MAC + 0x10000 + 5,
                    first + 5);
                assertEquals(DvmcMessageType.ACK, renewed.type(), "a lease it loaded renews");
            }
        }
    }

    private DvmcService replica(final EtcdCluster etcd, final String id) throws Exception
    {
        return replica(etcd, id, Clock.systemUTC(), new EtcdLeaseLog[1]);
    }

    /** A replica on {@code clock}; its lease log is handed back in {@code log[0]}. */
    private DvmcService replica(final EtcdCluster etcd, final String id, final Clock clock, final EtcdLeaseLog[] log)
        throws Exception
    {
        final int port = FreePorts.udp();
        final Path policy = dir.resolve("policy-" + id + ".json");
        Files.copy(policy(new int[]{port}), policy, StandardCopyOption.REPLACE_EXISTING);
        final EtcdLeaseLog leases = EtcdLeaseLog.open(etcd.endpoints(), EtcdLeaseLog.DEFAULT_PREFIX, id,
            "127.0.0.1:" + port, clock, EtcdLeaseLog.DEFAULT_TTL_SECONDS, EtcdLeaseLog.DEFAULT_TIMEOUT_MS);
        log[0] = leases;
        try
        {
            return new DvmcService(new FilePolicyStore(policy), new InetSocketAddress("127.0.0.1", port), null,
                KeyRing.single(TestAgent.KEY), dir.resolve("state-" + id), clock,
                clock instanceof MutableClock moved ? moved : SystemNanoClock.INSTANCE, new BackoffIdleStrategy(),
                leases).start();
        }
        catch (final IOException | RuntimeException ex)
        {
            leases.close();
            throw ex;
        }
    }

    private Path policy(final int[] ports) throws IOException
    {
        final StringBuilder services = new StringBuilder();
        for (final int port : ports)
        {
            services.append(services.isEmpty() ? "" : ", ").append("\"127.0.0.1:").append(port).append('"');
        }
        final Path file = dir.resolve("policy.json");
        Files.writeString(file, """
            { "domains": [
                { "id": 100, "name": "blue", "subnet": "10.0.0.0/16", "router": "10.0.0.1",
                  "pools": [ { "start": "10.0.1.0", "end": "10.0.8.255" } ], "leaseSeconds": 600,
                  "services": [ %1$s ] },
                { "id": 300, "name": "tiny", "subnet": "10.9.0.0/24", "router": "10.9.0.1",
                  "pools": [ { "start": "10.9.0.100", "end": "10.9.0.100" } ], "leaseSeconds": 60,
                  "offerHoldSeconds": 30, "services": [ %1$s ] },
                { "id": 400, "name": "big", "subnet": "10.0.0.0/8", "router": "10.0.0.1",
                  "pools": [ { "start": "10.1.0.0", "end": "10.1.95.255" } ], "leaseSeconds": 600,
                  "services": [ %1$s ] } ] }
            """.formatted(services));
        return file;
    }

    private static int acks(final List<BindingAgent> agents)
    {
        return agents.stream().mapToInt(a -> a.acks.size()).sum();
    }

    private static void awaitTrue(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        Await.until(what, timeout, condition);
    }

    private static ByteSequence bytes(final String s)
    {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /**
     * A host agent with many VMs binding at once: DISCOVER then REQUEST of the offer, a window of exchanges in
     * flight, and after a timeout the exchange goes on at the next replica, as {@link ServiceLocator} moves it.
     */
    private static final class BindingAgent implements Runnable, DvmcClient.Listener
    {
        final List<InetSocketAddress> replicas;
        final long firstMac;
        final int count;
        final int window;
        final Map<Long, Integer> acks = new ConcurrentHashMap<>();
        final List<String> naks = new java.util.concurrent.CopyOnWriteArrayList<>();
        final DvmcClient client;
        final Map<Long, long[]> inFlight = new HashMap<>();
        volatile boolean stop;
        private int current;
        private int started;

        BindingAgent(final int hostId, final List<InetSocketAddress> replicas, final int first, final long firstMac,
            final int count, final int window) throws IOException
        {
            this.replicas = replicas;
            this.current = first;
            this.firstMac = firstMac;
            this.count = count;
            this.window = window;
            client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, hostId, 256,
                ServiceLocator.FAILOVER_RETRY, new Authenticator(TestAgent.KEY), SystemEpochClock.INSTANCE, this);
        }

        public void run()
        {
            final IdleStrategy idle = new BackoffIdleStrategy();
            try
            {
                while (!stop && acks.size() < count)
                {
                    while (inFlight.size() < window && started < count)
                    {
                        send(DvmcMessageType.DISCOVER, firstMac + started++, 0, 0);
                    }
                    idle.idle(client.poll());
                }
            }
            finally
            {
                client.close();
            }
        }

        public void onReply(final long xid, final DvmcMessage reply)
        {
            final long[] exchange = inFlight.remove(xid);
            if (exchange == null)
            {
                return;
            }
            final long mac = exchange[0];
            if (reply.type() == DvmcMessageType.NAK || reply.status() == DvmcStatus.NAK)
            {
                naks.add(Addresses.mac(mac) + " " + DvmcMessageType.name((int)exchange[1]) + " " +
                    Addresses.ipv4((int)exchange[2]) + ": " + DvmcStatus.reasonName(reply.reason()));
                send(DvmcMessageType.DISCOVER, mac, 0, 0);
            }
            else if (reply.type() == DvmcMessageType.OFFER)
            {
                send(DvmcMessageType.REQUEST, mac, reply.yiaddr(), 0);
            }
            else
            {
                acks.put(mac, reply.yiaddr());
            }
        }

        public void onTimeout(final long xid)
        {
            final long[] exchange = inFlight.remove(xid);
            if (exchange != null)
            {
                if (replicas.get(current).equals(replicas.get((int)exchange[3])))
                {
                    current = (current + 1) % replicas.size();
                }
                // Like udhcpc and dhclient: a REQUEST left unanswered a few times sends the client back to DISCOVER.
                final boolean again = exchange[1] == DvmcMessageType.REQUEST && exchange[4] < 2;
                send(again ? DvmcMessageType.REQUEST : DvmcMessageType.DISCOVER, exchange[0],
                    again ? (int)exchange[2] : 0, again ? exchange[4] + 1 : 0);
            }
        }

        private void send(final int type, final long mac, final int address, final long unanswered)
        {
            final long xid = client.send(type, replicas.get(current), BLUE, mac, 1, mac, address, 0);
            if (DvmcClient.isError(xid))
            {
                throw new IllegalStateException("send failed: " + xid);
            }
            inFlight.put(xid, new long[]{mac, type, address, current, unanswered});
        }
    }
}
