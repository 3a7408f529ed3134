package io.dvmc.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.dvmc.lab.FreePorts;
import io.dvmc.cli.DvmcRun;
import io.dvmc.config.Addresses;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.KeyRing;
import io.dvmc.lab.Await;
import io.dvmc.lab.EtcdCluster;
import io.dvmc.policy.FilePolicyStore;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dvmc ctl leases} on the leases two service replicas share in a real etcd: what the operator looks up,
 * releases, expires, exports and imports, both replicas follow through their watch, and no change undoes a renewal
 * or takes an address from another MAC.
 */
class EtcdLeaseAdminTest
{
    private static final int BLUE = 100;
    /** Domains of one address each: whether a second MAC gets it shows whether a replica holds it free. */
    private static final int ONE_A = 301;
    private static final int ONE_B = 302;
    private static final int ONE_C = 303;
    private static final long MAC = 0x0200_0000_0001L;
    private static final long OTHER = 0x0200_0000_0002L;
    private static final Duration FOLLOWED = Duration.ofSeconds(30);
    /** A Kea user context with extended info, its comma escaped as Kea's memfile writes it. */
    private static final String CONTEXT = "{ \"ISC\": { \"relay-agent-info\": { \"sub-options\": \"0x0104AABBCCDD\"&#x2c " +
        "\"remote-id\": \"AABBCCDD\" } } }";

    @TempDir
    Path dir;

    private EtcdCluster etcd;
    private Client check;
    private Path policy;
    private DvmcService a;
    private DvmcService b;
    private TestAgent agent;

    @BeforeEach
    void startReplicas() throws Exception
    {
        etcd = EtcdCluster.start(1);
        check = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
        final int portA = FreePorts.udp();
        final int portB = FreePorts.udp();
        policy = dir.resolve("policy.json");
        Files.writeString(policy, """
            { "domains": [
                { "id": 100, "name": "blue", "subnet": "10.0.0.0/16", "router": "10.0.0.1",
                  "pools": [ { "start": "10.0.1.0", "end": "10.0.8.255" } ], "leaseSeconds": 600,
                  "services": [ "127.0.0.1:%1$d", "127.0.0.1:%2$d" ] },
                { "id": 301, "name": "one-a", "subnet": "10.31.0.0/24", "router": "10.31.0.1",
                  "pools": [ { "start": "10.31.0.100", "end": "10.31.0.100" } ], "leaseSeconds": 600,
                  "offerHoldSeconds": 2, "services": [ "127.0.0.1:%1$d", "127.0.0.1:%2$d" ] },
                { "id": 302, "name": "one-b", "subnet": "10.32.0.0/24", "router": "10.32.0.1",
                  "pools": [ { "start": "10.32.0.100", "end": "10.32.0.100" } ], "leaseSeconds": 600,
                  "offerHoldSeconds": 2, "services": [ "127.0.0.1:%1$d", "127.0.0.1:%2$d" ] },
                { "id": 303, "name": "one-c", "subnet": "10.33.0.0/24", "router": "10.33.0.1",
                  "pools": [ { "start": "10.33.0.100", "end": "10.33.0.100" } ], "leaseSeconds": 600,
                  "offerHoldSeconds": 2, "services": [ "127.0.0.1:%1$d", "127.0.0.1:%2$d" ] } ] }
            """.formatted(portA, portB));
        a = replica("a", portA);
        b = replica("b", portB);
        agent = new TestAgent(SystemEpochClock.INSTANCE);
    }

    @AfterEach
    void stop()
    {
        org.agrona.CloseHelper.quietCloseAll(agent, a, b, check, etcd);
    }

    @Test
    void aLeaseIsFoundByMacAddressAndVmIdAndItsReleaseByVmIdFreesTheAddressAtBothReplicas() throws Exception
    {
        final TestAgent.Reply bound = agent.bind(a.localAddress(), ONE_A, MAC);
        assertEquals(DvmcMessageType.ACK, bound.type());
        final String ip = Addresses.ipv4(bound.yiaddr());
        final String vm = new UUID(1, MAC).toString();

        for (final String which : List.of(Addresses.mac(MAC), ip, vm))
        {
            final JsonNode shown = ctl("leases", "show", which, "--json").json();
            assertEquals(1, shown.size(), which);
            assertEquals(ip, shown.get(0).get("ip").asText());
            assertEquals(vm, shown.get(0).get("vm").asText());
        }
        // b follows a's binding through its watch, which may take longer than three quick CLI runs.
        Await.until("replica b follows the binding", FOLLOWED, () -> b.manager().boundCount() >= 1);
        assertNoOffer(b, ONE_A, OTHER, "the address is bound at the other replica too");

        final DvmcRun.Run release = ctl("leases", "release", vm);
        assertEquals(0, release.exit(), release.err());
        assertEquals(null, value("/dvmc/leases/" + ONE_A + "/" + ip));
        awaitOffer(a, ONE_A, OTHER, bound.yiaddr());
        awaitOffer(b, ONE_A, OTHER, bound.yiaddr());
        // Each replica saw the key deleted long before it ran out, and the host has spoken to both: each tells it.
        final long deadline = System.nanoTime() + FOLLOWED.toNanos();
        while (agent.revoked.size() < 2 && System.nanoTime() < deadline)
        {
            agent.client.poll();
            Thread.onSpinWait();
        }
        assertEquals(List.of(bound.yiaddr(), bound.yiaddr()), agent.revoked, "one REVOKE from each replica");
        assertEquals(1, a.counters().get(ServiceCounters.Counter.REVOKES_SENT));
        assertEquals(1, b.counters().get(ServiceCounters.Counter.REVOKES_SENT));
    }

    @Test
    void aForcedExpiryKeepsTheRecordAsExpiredAndBothReplicasFreeTheAddress() throws Exception
    {
        final TestAgent.Reply bound = agent.bind(a.localAddress(), ONE_B, MAC);
        assertEquals(DvmcMessageType.ACK, bound.type());
        final String ip = Addresses.ipv4(bound.yiaddr());

        final DvmcRun.Run expire = ctl("leases", "expire", Addresses.mac(MAC), "--json");
        assertEquals(0, expire.exit(), expire.err());
        final JsonNode shown = ctl("leases", "show", ip, "--json").json();
        assertEquals("expired", shown.get(0).get("state").asText());
        assertEquals(Addresses.mac(MAC), shown.get(0).get("mac").asText());
        awaitOffer(b, ONE_B, OTHER, bound.yiaddr());
        awaitOffer(a, ONE_B, OTHER, bound.yiaddr());
    }

    @Test
    void aReleaseOfTheRevisionReadBeforeARenewalIsRefusedAndTheRenewalStands() throws Exception
    {
        final TestAgent.Reply bound = agent.bind(a.localAddress(), ONE_C, MAC);
        assertEquals(DvmcMessageType.ACK, bound.type());
        final String ip = Addresses.ipv4(bound.yiaddr());
        final long read = ctl("leases", "show", ip, "--json").json().get(0).get("revision").asLong();

        final TestAgent.Reply renewed = agent.request(b.localAddress(), ONE_C, MAC, bound.yiaddr());
        assertEquals(DvmcMessageType.ACK, renewed.type());
        final long now = ctl("leases", "show", ip, "--json").json().get(0).get("revision").asLong();
        assertTrue(now > read, "the renewal rewrote the key");

        for (final String command : List.of("release", "expire"))
        {
            final DvmcRun.Run late = ctl("leases", command, ip, "--revision", Long.toString(read));
            assertEquals(3, late.exit(), late.out() + late.err());
            assertTrue(late.err().contains("nothing was"), late.err());
        }
        final JsonNode kept = ctl("leases", "show", ip, "--json").json().get(0);
        assertEquals(now, kept.get("revision").asLong(), "the renewed key is untouched");
        assertEquals("bound", kept.get("state").asText());
        assertNoOffer(a, ONE_C, OTHER, "the renewed lease still holds the address");
        assertNoOffer(b, ONE_C, OTHER, "the renewed lease still holds the address");
    }

    @Test
    void anImportWritesOnlyFreeOrSameMacAddressesReportsEveryRefusedLineAndBothReplicasServeIt() throws Exception
    {
        final TestAgent.Reply bound = agent.bind(a.localAddress(), BLUE, MAC);
        assertEquals(DvmcMessageType.ACK, bound.type());
        final String held = Addresses.ipv4(bound.yiaddr());
        final long imported = 0x0200_0000_00AAL;
        final long expire = System.currentTimeMillis() / 1000 + 3600;
        final String clientId = "ff:00:00:00:2a:00:01:00:01:2c:3b:4d:5e:02:00:00:00:00:aa";
        final Path csv = dir.resolve("leases4.csv");
        Files.writeString(csv, String.join("\n", KeaCsv.HEADER,
            "10.0.2.10," + Addresses.mac(imported) + "," + clientId + ",600," + expire + ",100,1,1,web-1,0," + CONTEXT,
            held + ",02:00:00:00:00:bb,,600," + expire + ",100,0,0,,0,",
            "10.0.2.11," + Addresses.mac(MAC) + ",,600," + expire + ",100,0,0,,0,",
            held + "," + Addresses.mac(MAC) + ",,600," + expire + ",100,0,0,,0,",
            "10.0.2.12,02:00:00:00:00:cc,,600,1000,100,0,0,,0,") + "\n");

        final DvmcRun.Run run = ctl("leases", "import", csv.toString(), "--domain", "100", "--policy",
            policy.toString());
        assertEquals(3, run.exit(), run.out() + run.err());
        assertTrue(run.out().startsWith("imported 2 leases into domain"), run.out());
        assertTrue(run.out().contains("line 3: " + held + " is bound to 02:00:00:00:00:01"), run.out());
        assertTrue(run.out().contains("line 4: 02:00:00:00:00:01 already holds " + held), run.out());
        assertTrue(run.err().contains("line 6 skipped (expired)"), run.err());
        assertTrue(value("/dvmc/leases/100/" + held).contains("\"mac\":\"02:00:00:00:00:01\""));
        assertEquals(null, value("/dvmc/leases/100/10.0.2.11"));

        final int address = Addresses.parseIpv4("10.0.2.10");
        awaitOffer(a, BLUE, imported, address);
        awaitOffer(b, BLUE, imported, address);
        for (long mac = OTHER; mac < OTHER + 8; mac++)
        {
            assertNotEquals(address, agent.discover(b.localAddress(), BLUE, mac).yiaddr(), "an imported address");
        }

        final DvmcRun.Run export = ctl("leases", "export", "--domain", "100", "--policy", policy.toString());
        assertEquals(0, export.exit(), export.err());
        assertTrue(export.out().contains("10.0.2.10," + Addresses.mac(imported) + "," + clientId + ",600," + expire +
            ",100,1,1,web-1,0," + CONTEXT + "\n"),
            "the client id whole, not only the 01:<MAC> form, and Kea's DNS flags and user context:\n" + export.out());

        final TestAgent.Reply renewed = agent.request(b.localAddress(), BLUE, imported, address);
        assertEquals(DvmcMessageType.ACK, renewed.type());
        final DvmcRun.Run afterRenewal = ctl("leases", "export", "--domain", "100", "--policy", policy.toString());
        assertTrue(afterRenewal.out().contains("10.0.2.10," + Addresses.mac(imported) + "," + clientId + ",600,"),
            "a renewal at a replica keeps the imported client id:\n" + afterRenewal.out());
        assertTrue(afterRenewal.out().contains(",100,1,1,web-1,0," + CONTEXT + "\n"),
            "and the Kea fields:\n" + afterRenewal.out());
    }

    private DvmcRun.Run ctl(final String... args)
    {
        final List<String> all = new ArrayList<>(List.of("ctl"));
        all.addAll(Arrays.asList(args));
        all.addAll(List.of("--etcd", etcd.endpointList(), "--etcd-timeout-ms", "20000"));
        return DvmcRun.dvmc(all.toArray(String[]::new));
    }

    /** The replica offers {@code mac} the address once it follows the change (its watch). */
    private void awaitOffer(final DvmcService replica, final int domain, final long mac, final int address)
    {
        Await.until(Addresses.ipv4(address) + " offered to " + Addresses.mac(mac) + " at " + replica.localAddress(),
            FOLLOWED, () -> {
                final TestAgent.Reply r = agent.discover(replica.localAddress(), domain, mac);
                return r.type() == DvmcMessageType.OFFER && r.yiaddr() == address;
            });
    }

    private void assertNoOffer(final DvmcService replica, final int domain, final long mac, final String why)
    {
        final TestAgent.Reply r = agent.discover(replica.localAddress(), domain, mac);
        assertNotEquals(DvmcMessageType.OFFER, r.type(), why + ": " + r);
    }

    private String value(final String key) throws Exception
    {
        final List<KeyValue> kvs = check.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8))
            .get(10, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.getFirst().getValue().toString(StandardCharsets.UTF_8);
    }

    private DvmcService replica(final String id, final int port) throws Exception
    {
        final EtcdLeaseLog leases = EtcdLeaseLog.open(etcd.endpoints(), EtcdLeaseLog.DEFAULT_PREFIX, id,
            "127.0.0.1:" + port, Clock.systemUTC(), EtcdLeaseLog.DEFAULT_TTL_SECONDS,
            EtcdLeaseLog.DEFAULT_TIMEOUT_MS);
        try
        {
            return new DvmcService(new FilePolicyStore(policy), new InetSocketAddress("127.0.0.1", port), null,
                KeyRing.single(TestAgent.KEY), dir.resolve("state-" + id), Clock.systemUTC(),
                SystemNanoClock.INSTANCE, new BackoffIdleStrategy(), leases).start();
        }
        catch (final IOException | RuntimeException ex)
        {
            leases.close();
            throw ex;
        }
    }

}
