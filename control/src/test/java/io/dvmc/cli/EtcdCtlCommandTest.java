package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dvmc.lab.FreePorts;
import io.dvmc.cli.DvmcRun.Run;
import io.dvmc.lab.EtcdCluster;
import io.dvmc.policy.Domain;
import io.dvmc.policy.DomainJson;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.dvmc.policy.PolicyFile;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.dvmc.cli.DvmcRun.dvmc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dvmc ctl} against a real etcd: what each command writes and prints, and how it refuses. */
class EtcdCtlCommandTest
{
    private static final Path EXAMPLES = Path.of("..", "deploy", "examples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final String VM = "6f1c2f4e-8a8b-4d8e-9a51-0c1d2e3f4a5b";

    private static EtcdCluster etcd;
    private static Client client;

    @TempDir
    Path dir;

    /** Each test has its own key prefix in the one etcd. */
    private String prefix;

    @BeforeAll
    static void startEtcd() throws Exception
    {
        etcd = EtcdCluster.start(1);
        client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
    }

    @AfterAll
    static void stopEtcd()
    {
        if (client != null)
        {
            client.close();
        }
        if (etcd != null)
        {
            etcd.close();
        }
    }

    @BeforeEach
    void newPrefix()
    {
        prefix = "/t" + PREFIXES.incrementAndGet();
    }

    private Run ctl(final String... args)
    {
        final List<String> all = new ArrayList<>(List.of("ctl"));
        all.addAll(Arrays.asList(args));
        // A generous deadline: the first call of a cold JVM on a loaded machine loads gRPC and netty.
        all.addAll(List.of("--etcd", etcd.endpointList(), "--etcd-prefix", prefix, "--etcd-timeout-ms", "20000"));
        return dvmc(all.toArray(String[]::new));
    }

    private Run createBlue(final String... extra)
    {
        final List<String> args = new ArrayList<>(List.of("domain", "create", "--id", "100", "--name", "blue",
            "--subnet", "10.0.0.0/24", "--router", "10.0.0.1", "--pool", "10.0.0.100-10.0.0.199",
            "--dns", "10.0.0.53", "--lease-seconds", "600", "--service", "127.0.0.1:6767"));
        args.addAll(Arrays.asList(extra));
        final Run run = ctl(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.err());
        return run;
    }

    private String get(final String key) throws Exception
    {
        final var kvs = client.getKVClient().get(ByteSequence.from(prefix + key, StandardCharsets.UTF_8))
            .get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.getFirst().getValue().toString(StandardCharsets.UTF_8);
    }

    private void put(final String key, final String value) throws Exception
    {
        client.getKVClient().put(ByteSequence.from(prefix + key, StandardCharsets.UTF_8),
            ByteSequence.from(value, StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
    }

    /** The refusal: its exit code and one line on stderr that says why, no stack trace. */
    private static void assertRefused(final Run run, final int exit, final String message)
    {
        assertEquals(exit, run.exit(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().contains(message), run.err());
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run.err());
    }

    @Test
    void domainCreateWritesThePolicyFileObjectUnderItsIdAndShowListAndJsonReadItBack() throws Exception
    {
        final Run created = createBlue("--json");
        assertEquals("blue", created.json().get("domains").get(0).get("name").asText());

        final Domain stored = DomainJson.parse(get("/domains/100"), "etcd");
        assertEquals(List.of(new Domain.AddressRange(0x0A000064, 0x0A0000C7)), stored.pools());
        assertEquals(2400, stored.hostLeaseSeconds());

        final Run list = ctl("domain", "list");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().matches(
            "(?s)DOMAIN.*\n100 +blue +10\\.0\\.0\\.0/24 +10\\.0\\.0\\.100-10\\.0\\.0\\.199 .*"), list.out());

        final JsonNode listed = ctl("domain", "list", "--json").json();
        assertEquals(1, listed.size());
        assertEquals(stored, DomainJson.parse(listed.get(0).get("domain"), ""));
        assertTrue(listed.get(0).get("revision").asLong() > 0);

        final Run show = ctl("domain", "show", "blue");
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().matches("(?s).*\ndns +10\\.0\\.0\\.53\n.*"), show.out());
        assertEquals(stored, DomainJson.parse(ctl("domain", "show", "100", "--json").json().get("domain"), ""));
    }

    @Test
    void domainCreateWithoutAnIdTakesTheOneAboveEveryDomainsAndSaysWhichItTook() throws Exception
    {
        createBlue();
        final Run green = ctl("domain", "create", "--name", "green", "--subnet", "10.0.0.0/24", "--router",
            "10.0.0.1", "--pool", "10.0.0.100-10.0.0.199", "--service", "127.0.0.1:6767");
        assertEquals(0, green.exit(), green.err());
        assertTrue(green.out().contains("101"), green.out());
        assertEquals("green", DomainJson.parse(get("/domains/101"), "etcd").name());
    }

    @Test
    void domainCreateFromAPolicyFileCreatesEveryDomainOfIt() throws Exception
    {
        final Run run = ctl("domain", "create", "--file", EXAMPLES.resolve("policy.json").toString());
        assertEquals(0, run.exit(), run.err());

        assertEquals(PolicyFile.load(EXAMPLES.resolve("policy.json")).domains(),
            List.of(DomainJson.parse(get("/domains/100"), ""), DomainJson.parse(get("/domains/200"), "")));
    }

    @Test
    void domainCreateFromAFileTakesTheOptionsOverItsFields() throws Exception
    {
        final Path file = dir.resolve("green.json");
        Files.writeString(file, """
            // one domain of the policy file
            { "id": 300, "name": "green", "subnet": "10.3.0.0/24", "router": "10.3.0.1",
              "pools": [ { "start": "10.3.0.10", "end": "10.3.0.20" } ], "services": [ "127.0.0.1:6767" ] }
            """);
        final Run run = ctl("domain", "create", "--file", file.toString(), "--mtu", "1400", "--json");
        assertEquals(0, run.exit(), run.err());

        assertEquals(1400, DomainJson.parse(get("/domains/300"), "").mtu());
        assertEquals("green", DomainJson.parse(get("/domains/300"), "").name());
    }

    @Test
    void domainUpdateChangesOnlyTheNamedFields() throws Exception
    {
        createBlue();
        final Domain before = DomainJson.parse(get("/domains/100"), "");

        final Run run = ctl("domain", "update", "blue", "--dns", "10.0.0.54,10.0.0.55", "--json");
        assertEquals(0, run.exit(), run.err());

        final Domain after = DomainJson.parse(get("/domains/100"), "");
        assertEquals(List.of(0x0A000036, 0x0A000037), after.dns());
        assertEquals(DomainJson.toJson(before).put("dns", 0).without("dns"),
            DomainJson.toJson(after).put("dns", 0).without("dns"));
        assertEquals(after, DomainJson.parse(run.json().get("domain"), ""));
    }

    @Test
    void domainDeleteRemovesTheKeyButNotWhileABindingNamesIt() throws Exception
    {
        createBlue();
        assertEquals(0, ctl("bind", "--host", "1", "--port", "vm1", "--mac", "02:00:00:64:00:01",
            "--domain", "100", "--vm", VM).exit());

        assertRefused(ctl("domain", "delete", "blue"), 2, "domain 100 (blue) is named by 1 binding(s)");

        assertEquals(0, ctl("unbind", "--host", "1", "--mac", "02:00:00:64:00:01").exit());
        final Run run = ctl("domain", "delete", "blue", "--json");
        assertEquals(0, run.exit(), run.err());
        assertEquals("blue", run.json().get("deleted").get("name").asText());
        assertEquals(null, get("/domains/100"));
    }

    @Test
    void poolAddAndRemoveChangeTheDomainsPools() throws Exception
    {
        createBlue();

        final Run add = ctl("pool", "add", "blue", "10.0.0.20-10.0.0.29", "--json");
        assertEquals(0, add.exit(), add.err());
        assertEquals(2, add.json().get("domain").get("pools").size());
        assertEquals(2, DomainJson.parse(get("/domains/100"), "").pools().size());

        final Run remove = ctl("pool", "remove", "100", "10.0.0.100-10.0.0.199");
        assertEquals(0, remove.exit(), remove.err());
        assertEquals(List.of(new Domain.AddressRange(0x0A000014, 0x0A00001D)),
            DomainJson.parse(get("/domains/100"), "").pools());
    }

    @Test
    void reservationAddAndRemoveChangeTheDomainsReservations() throws Exception
    {
        createBlue();

        final Run add = ctl("reservation", "add", "blue", "02:00:00:00:00:10", "10.0.0.10");
        assertEquals(0, add.exit(), add.err());
        assertEquals(0x0A00000A, DomainJson.parse(get("/domains/100"), "").reservedAddress(0x020000000010L));

        final Run remove = ctl("reservation", "remove", "blue", "02:00:00:00:00:10", "--json");
        assertEquals(0, remove.exit(), remove.err());
        assertEquals(0, remove.json().get("domain").get("reservations").size());
        assertTrue(DomainJson.parse(get("/domains/100"), "").reservations().isEmpty());
    }

    @Test
    void reservationAddAndRemoveTakeAClientIdentifierToo() throws Exception
    {
        createBlue();

        final Run add = ctl("reservation", "add", "--client-id", "blue", "01:02:00:00:00:00:10", "10.0.0.10");
        assertEquals(0, add.exit(), add.err());
        assertEquals(List.of(new Domain.Reservation(0, "01020000000010", 0x0A00000A)),
            DomainJson.parse(get("/domains/100"), "").reservations());
        assertRefused(ctl("reservation", "add", "--client-id", "blue", "01:0g", "10.0.0.11"), 2, "is not hex bytes");

        final Run remove = ctl("reservation", "remove", "--client-id", "blue", "01020000000010");
        assertEquals(0, remove.exit(), remove.err());
        assertTrue(DomainJson.parse(get("/domains/100"), "").reservations().isEmpty());
    }

    @Test
    void bindWritesTheHostConfigBindingUnderHostVlanAndMac() throws Exception
    {
        createBlue();

        final Run run = ctl("bind", "--host", "1", "--port", "vm1", "--vlan", "7", "--mac", "02:00:00:64:00:0A",
            "--domain", "blue", "--vm", VM, "--json");
        assertEquals(0, run.exit(), run.err());
        assertEquals("02:00:00:64:00:0a", run.json().get("mac").asText());

        final JsonNode stored = JSON.readTree(get("/bindings/1/7/02:00:00:64:00:0a"));
        assertEquals(JSON.readTree("{\"port\":\"vm1\",\"vlan\":7,\"mac\":\"02:00:00:64:00:0a\",\"domain\":100," +
            "\"vm\":\"" + VM + "\"}"), stored);

        final Run unbind = ctl("unbind", "--host", "1", "--vlan", "7", "--mac", "02-00-00-64-00-0a", "--json");
        assertEquals(0, unbind.exit(), unbind.err());
        assertEquals(VM, unbind.json().get("unbound").get("vm").asText());
        assertEquals(null, get("/bindings/1/7/02:00:00:64:00:0a"));
    }

    @Test
    void bindingsListShowsTheBindingsOfEveryHostOrOfOne() throws Exception
    {
        createBlue();
        assertEquals(0, ctl("bind", "--host", "1", "--port", "vm1", "--mac", "02:00:00:64:00:01",
            "--domain", "blue", "--vm", VM).exit());
        assertEquals(0, ctl("bind", "--host", "2", "--port", "vm3", "--vlan", "5", "--mac", "02:00:00:64:00:02",
            "--domain", "100", "--vm", VM).exit());

        final Run all = ctl("bindings", "list");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("vm1") && all.out().contains("vm3"), all.out());

        final Run one = ctl("bindings", "list", "--host", "02", "--json");
        assertEquals(0, one.exit(), one.err());
        assertEquals(1, one.json().size());
        assertEquals("2", one.json().get(0).get("host").asText());
        assertEquals("02:00:00:64:00:02", one.json().get(0).get("mac").asText());
        assertEquals(5, one.json().get(0).get("vlan").asInt());

        assertRefused(ctl("bindings", "list", "--host", "vm1"), 2, "not a host's number");
    }

    @Test
    void leasesListShowAndReleaseTheServiceSideLeasesByMacOrAddress() throws Exception
    {
        createBlue();
        final long future = System.currentTimeMillis() + 3_600_000;
        put("/leases/100/10.0.0.100", "{\"mac\":\"02:00:00:64:00:01\",\"expiresAtMs\":" + future + ",\"vm\":\"" + VM +
            "\",\"location\":\"10.1.0.5:40000\",\"xid\":\"1a2b\",\"replica\":\"r1\",\"hostname\":\"web\\u001b-1\"," +
            "\"fqdn\":\"web-1.example.com\"}");
        put("/leases/100/10.0.0.101", "{\"mac\":\"02:00:00:64:00:02\",\"expiresAtMs\":1000,\"vm\":\"" + VM +
            "\",\"location\":\"10.1.0.5:40000\",\"xid\":\"1a2c\",\"replica\":\"r2\"}");

        final Run list = ctl("leases", "list");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().matches("(?s).*\n100 +10\\.0\\.0\\.100 +02:00:00:64:00:01 +bound .* web\\?-1 +" +
            "web-1\\.example\\.com +r1\n.*"), "the names, without the escape character the VM sent:\n" + list.out());
        assertTrue(list.out().matches("(?s).*\n100 +10\\.0\\.0\\.101 +02:00:00:64:00:02 +expired .* r2\n"), list.out());

        final JsonNode listed = ctl("leases", "list", "--domain", "blue", "--json").json();
        assertEquals(2, listed.size());
        assertEquals("10.0.0.100", listed.get(0).get("ip").asText());
        assertEquals(future, listed.get(0).get("expires_at_ms").asLong());
        assertEquals("web\u001b-1", listed.get(0).get("hostname").asText());
        assertEquals("web-1.example.com", listed.get(0).get("fqdn").asText());
        assertEquals("", listed.get(1).get("hostname").asText());

        final JsonNode byMac = ctl("leases", "show", "02:00:00:64:00:02", "--json").json();
        assertEquals("10.0.0.101", byMac.get(0).get("ip").asText());
        final JsonNode byAddress = ctl("leases", "show", "10.0.0.100", "--json").json();
        assertEquals("02:00:00:64:00:01", byAddress.get(0).get("mac").asText());

        final Run release = ctl("leases", "release", "02:00:00:64:00:01", "--domain", "100", "--json");
        assertEquals(0, release.exit(), release.err());
        assertEquals("10.0.0.100", release.json().get("released").get("ip").asText());
        assertEquals(null, get("/leases/100/10.0.0.100"));
        assertRefused(ctl("leases", "show", "10.0.0.100"), 2, "no lease for 10.0.0.100");
    }

    @Test
    void leasesListShowsADeclinedAddressUntilItsHoldEndsAndReleaseLeavesItBe() throws Exception
    {
        createBlue();
        final long until = System.currentTimeMillis() + 600_000;
        put("/leases/100/declined/10.0.0.102", "{\"mac\":\"02:00:00:64:00:03\",\"untilMs\":" + until +
            ",\"replica\":\"r1\"}");

        final Run list = ctl("leases", "list");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().matches("(?s).*\n100 +10\\.0\\.0\\.102 +02:00:00:64:00:03 +declined .* r1\n"),
            list.out());
        final JsonNode shown = ctl("leases", "show", "10.0.0.102", "--json").json();
        assertEquals("declined", shown.get(0).get("state").asText());
        assertEquals(until, shown.get(0).get("expires_at_ms").asLong());

        assertRefused(ctl("leases", "release", "10.0.0.102"), 2, "declined, not leased");
        assertTrue(get("/leases/100/declined/10.0.0.102") != null);
    }

    @Test
    void leasesReleaseOfAnAddressLeasedInTwoDomainsAsksWhichDomain() throws Exception
    {
        createBlue();
        assertEquals(0, ctl("domain", "create", "--id", "200", "--name", "red", "--subnet", "10.0.0.0/24",
            "--router", "10.0.0.1", "--pool", "10.0.0.100-10.0.0.199", "--service", "127.0.0.1:6767").exit());
        put("/leases/100/10.0.0.100", "{\"mac\":\"02:00:00:64:00:01\",\"expiresAtMs\":1}");
        put("/leases/200/10.0.0.100", "{\"mac\":\"02:00:00:c8:00:01\",\"expiresAtMs\":1}");

        assertRefused(ctl("leases", "release", "10.0.0.100"), 2, "name the domain with --domain");
        assertEquals(0, ctl("leases", "release", "10.0.0.100", "--domain", "red").exit());
        assertEquals(null, get("/leases/200/10.0.0.100"));
        assertTrue(get("/leases/100/10.0.0.100") != null);
    }

    @Test
    void serviceListShowsTheRegisteredReplicasAndTheBlocksTheyHold() throws Exception
    {
        put("/services/r1", "{\"replica\":\"r1\",\"listen\":\"127.0.0.1:6767\",\"startedMs\":1733350000000}");
        put("/services/r2", "{\"replica\":\"r2\",\"listen\":\"127.0.0.1:6768\",\"startedMs\":1733350001000}");
        put("/blocks/100/10.0.0.64", "{\"replica\":\"r1\",\"first\":\"10.0.0.64\",\"last\":\"10.0.0.127\"}");
        put("/blocks/200/10.0.0.64", "{\"replica\":\"r1\",\"first\":\"10.0.0.64\",\"last\":\"10.0.0.127\"}");

        final Run table = ctl("service", "list");
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().matches("(?s).*\nr1 +127\\.0\\.0\\.1:6767 +2024-12-04T22:06:40Z +2\n.*"), table.out());

        final JsonNode json = ctl("service", "list", "--json").json();
        assertEquals(2, json.size());
        assertEquals("r2", json.get(1).get("replica").asText());
        assertEquals(0, json.get(1).get("blocks").asInt());
    }

    @Test
    void anUnknownDomainIsRefusedByEveryCommandThatNamesOne()
    {
        createBlue();

        assertRefused(ctl("domain", "show", "999"), 2, "unknown domain 999");
        assertRefused(ctl("domain", "update", "green", "--mtu", "1400"), 2, "unknown domain green");
        assertRefused(ctl("pool", "add", "999", "10.0.0.1-10.0.0.9"), 2, "unknown domain 999");
        assertRefused(ctl("bind", "--host", "1", "--port", "vm1", "--mac", "02:00:00:64:00:01", "--domain", "999",
            "--vm", VM), 2, "unknown domain 999");
        assertRefused(ctl("leases", "list", "--domain", "999"), 2, "unknown domain 999");
    }

    @Test
    void aPoolOutsideTheSubnetIsRefusedAndNothingIsWritten() throws Exception
    {
        createBlue();
        final String before = get("/domains/100");

        assertRefused(ctl("pool", "add", "blue", "10.0.1.10-10.0.1.20"), 2,
            "domain 100 (blue): pools[1]: 10.0.1.10-10.0.1.20 is not inside subnet 10.0.0.0/24");
        assertEquals(before, get("/domains/100"));
    }

    @Test
    void overlappingPoolsAreRefused()
    {
        createBlue();

        assertRefused(ctl("pool", "add", "blue", "10.0.0.150-10.0.0.220"), 2,
            "domain 100 (blue): pools: 10.0.0.100-10.0.0.199 overlaps 10.0.0.150-10.0.0.220");
        assertRefused(ctl("domain", "create", "--id", "101", "--name", "b2", "--subnet", "10.0.0.0/24",
            "--router", "10.0.0.1", "--pool", "10.0.0.10-10.0.0.20,10.0.0.15-10.0.0.30", "--service", "127.0.0.1"),
            2, "overlaps");
    }

    @Test
    void aMalformedMacIsRefused()
    {
        createBlue();

        assertRefused(ctl("reservation", "add", "blue", "02:00:00:00:zz:10", "10.0.0.10"), 2,
            "'02:00:00:00:zz:10' is not a MAC address");
        assertRefused(ctl("bind", "--host", "1", "--port", "vm1", "--mac", "02:00:00:64:00", "--domain", "100",
            "--vm", VM), 2, "--mac: '02:00:00:64:00' is not a MAC address");
        assertRefused(ctl("leases", "show", "nonsense"), 2, "'nonsense' is no MAC, IPv4 address or VM id");
    }

    @Test
    void aSecondDomainOfTheSameNameOrIdIsRefused()
    {
        createBlue();

        assertRefused(ctl("domain", "create", "--id", "101", "--name", "blue", "--subnet", "10.9.0.0/24",
            "--router", "10.9.0.1", "--pool", "10.9.0.10-10.9.0.20", "--service", "127.0.0.1"), 2,
            "name: 'blue' is used by another domain");
        assertRefused(ctl("domain", "create", "--id", "100", "--name", "other", "--subnet", "10.9.0.0/24",
            "--router", "10.9.0.1", "--pool", "10.9.0.10-10.9.0.20", "--service", "127.0.0.1"), 2,
            "domain 100 exists already");
        assertRefused(ctl("bind", "--host", "1", "--port", "vm1", "--mac", "02:00:00:64:00:01", "--domain", "100",
            "--vm", "not-a-uuid"), 2, "not-a-uuid");
        // A host is its number, as host.json and the stores read it: no key that every reader would refuse.
        assertRefused(ctl("bind", "--host", "h1", "--port", "vm1", "--mac", "02:00:00:64:00:01", "--domain", "100",
            "--vm", VM), 2, "host id 'h1' is not a host's number");
    }

    @Test
    void twoUpdatesFromTheSameReadTheSecondIsRefusedNotLost() throws Exception
    {
        createBlue();
        final long read = ctl("domain", "show", "blue", "--json").json().get("revision").asLong();

        final Run first = ctl("domain", "update", "blue", "--dns", "10.0.0.54", "--if-revision", Long.toString(read));
        assertEquals(0, first.exit(), first.err());
        assertRefused(ctl("pool", "add", "blue", "10.0.0.20-10.0.0.29", "--if-revision", Long.toString(read)), 3,
            "domain 100 changed since it was read");

        final Domain stored = DomainJson.parse(get("/domains/100"), "");
        assertEquals(List.of(0x0A000036), stored.dns());
        assertEquals(1, stored.pools().size());
    }

    @Test
    void twoAdminUpdatesFromTheSameReadTheSecondIsRefused() throws Exception
    {
        createBlue();
        final EtcdPolicyAdmin admin = new EtcdPolicyAdmin(client, prefix, Duration.ofSeconds(5));
        final EtcdPolicyAdmin.Versioned read = admin.domain(100);

        final Domain one = DomainJson.parse(DomainJson.toJson(read.domain()).put("mtu", 1400), "");
        final Domain two = DomainJson.parse(DomainJson.toJson(read.domain()).put("mtu", 1300), "");
        admin.update(one, read.modRevision());

        assertThrows(EtcdPolicyAdmin.ConflictException.class, () -> admin.update(two, read.modRevision()));
        assertEquals(1400, admin.domain(100).domain().mtu());
    }

    @Test
    void aBindingTwiceIsRefusedWithoutTouchingTheFirst() throws Exception
    {
        createBlue();
        assertEquals(0, ctl("bind", "--host", "1", "--port", "vm1", "--mac", "02:00:00:64:00:01",
            "--domain", "100", "--vm", VM).exit());

        assertRefused(ctl("bind", "--host", "1", "--port", "vm2", "--mac", "02:00:00:64:00:01",
            "--domain", "100", "--vm", VM), 3, "is bound already");
        assertEquals("vm1", JSON.readTree(get("/bindings/1/0/02:00:00:64:00:01")).get("port").asText());
    }

    @Test
    void anUnreachableEtcdIsOneLineAndExitOneWithinTheDeadline() throws Exception
    {
        final int port = FreePorts.tcp();
        final Run run = dvmc("ctl", "domain", "list", "--etcd", "http://127.0.0.1:" + port,
            "--etcd-timeout-ms", "1000");

        assertRefused(run, 1, "etcd http://127.0.0.1:" + port + " unavailable");
    }

    @Test
    void theHostLeasesCommandWithoutConfigOrSubcommandSaysWhatItNeeds()
    {
        final Run run = dvmc("ctl", "leases");

        assertEquals(2, run.exit());
        assertEquals(
            "dvmc ctl leases: --config HOST.json is required (or: leases list|show|release|expire|export|import)\n",
            run.err());
    }

    @Test
    void aLeaseKeyThatIsNotALeaseIsNamedByItsKey() throws Exception
    {
        put("/leases/100/not-an-address", "{\"mac\":\"02:00:00:64:00:01\",\"expiresAtMs\":1}");

        assertRefused(ctl("leases", "list"), 2, prefix + "/leases/100/not-an-address: not a lease record");
    }

    /**
     * A client whose first transaction is preceded by another operator's raw write of {@code rivalKey}: the race
     * between an admin's read of the set and its write, made to happen every time.
     */
    private Client clientRacedBy(final String rivalKey, final String rivalValue)
    {
        final AtomicBoolean armed = new AtomicBoolean(true);
        return Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).interceptor(new ClientInterceptor()
        {
            public <Q, S> ClientCall<Q, S> interceptCall(
                final MethodDescriptor<Q, S> method, final CallOptions options, final Channel next)
            {
                if (method.getFullMethodName().endsWith("KV/Txn") && armed.getAndSet(false))
                {
                    try
                    {
                        put(rivalKey, rivalValue);
                    }
                    catch (final Exception ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                }
                return next.newCall(method, options);
            }
        }).build();
    }

    private static String green(final int id) throws Exception
    {
        return DomainJson.write(DomainJson.parse("{\"id\":" + id + ",\"name\":\"green\",\"subnet\":\"10.3.0.0/24\"," +
            "\"router\":\"10.3.0.1\",\"pools\":[{\"start\":\"10.3.0.10\",\"end\":\"10.3.0.20\"}]," +
            "\"services\":[\"127.0.0.1:6767\"]}", ""));
    }

    @Test
    void aNameGivenToAnotherIdBetweenReadAndCreateUndoesTheCreate() throws Exception
    {
        try (Client raced = clientRacedBy("/domains/102", green(102)))
        {
            final EtcdPolicyAdmin admin = new EtcdPolicyAdmin(raced, prefix, Duration.ofSeconds(20));

            final EtcdPolicyAdmin.ConflictException ex = assertThrows(EtcdPolicyAdmin.ConflictException.class,
                () -> admin.create(List.of(DomainJson.parse(green(101), ""))));

            assertEquals("name 'green' was given to " + prefix + "/domains/102 meanwhile: nothing was written",
                ex.getMessage());
            assertEquals(null, get("/domains/101"));
            assertEquals(green(102), get("/domains/102"));
        }
    }

    @Test
    void aNameGivenToAnotherIdBetweenReadAndRenameUndoesTheRename() throws Exception
    {
        createBlue();
        final String blue = get("/domains/100");
        try (Client raced = clientRacedBy("/domains/102", green(102)))
        {
            final EtcdPolicyAdmin admin = new EtcdPolicyAdmin(raced, prefix, Duration.ofSeconds(20));
            final EtcdPolicyAdmin.Versioned read = admin.domain(100);
            final Domain renamed = DomainJson.parse(DomainJson.toJson(read.domain()).put("name", "green"), "");

            assertThrows(EtcdPolicyAdmin.ConflictException.class, () -> admin.update(renamed, read.modRevision()));

            assertEquals(blue, get("/domains/100"));
        }
    }
}
