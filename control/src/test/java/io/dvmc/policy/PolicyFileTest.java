package io.dvmc.policy;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyFileTest
{
    private static final String MINIMAL = """
        { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
          "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "services": ["127.0.0.1:6767"] %s }
        """;

    @Test
    void theExamplePolicyHasTwoDomainsOnTheSameSubnetWithTheirOwnOptions() throws Exception
    {
        final Policy policy = PolicyFile.load(Path.of("..", "deploy", "examples", "policy.json"));

        final Domain blue = policy.domainOrNull(100);
        final Domain red = policy.domainOrNull(200);
        assertEquals("blue", blue.name());
        assertEquals("red", red.name());
        assertEquals(blue.subnet(), red.subnet());
        assertEquals(List.of(0x0A000035), blue.dns());
        assertEquals(List.of(0x0A000036), red.dns());
        assertEquals(1450, blue.mtu());
        assertEquals(1400, red.mtu());
        assertEquals(600, blue.leaseSeconds());
        assertEquals(List.of(new Domain.AddressRange(0x0A000064, 0x0A0000C7)), red.pools());
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 6767)), policy.serviceLocations(100));
    }

    @Test
    void omittedFieldsTakeTheirDefaults() throws Exception
    {
        final Domain d = one("");

        assertEquals(3600, d.leaseSeconds());
        assertEquals(4 * 3600, d.hostLeaseSeconds());
        assertEquals(30, d.offerHoldSeconds());
        assertEquals(0x0A000001, d.serverIp());
        assertEquals(0x024400000064L, d.serverMac());
        assertEquals(Domain.Mode.BUILTIN, d.mode());
        assertEquals(0, d.mtu());
        assertNull(d.domainName());
        assertEquals(0xFFFFFF00, d.subnetMask());
        assertEquals(0x0A0000FF, d.broadcast());
    }

    @Test
    void everyFieldIsRead() throws Exception
    {
        final Domain d = one("""
            , "exclusions": ["10.0.0.150", "10.0.0.160-10.0.0.165"],
            "reservations": [ { "mac": "02:00:00:00:00:10", "ip": "10.0.0.10" } ],
            "dns": ["10.0.0.53", "10.0.0.54"], "domainName": "blue.example", "searchList": ["blue.example", "example"],
            "mtu": 1450, "staticRoutes": [ { "destination": "192.168.0.0/16", "gateway": "10.0.0.2" } ],
            "ntp": ["10.0.0.123"], "leaseSeconds": 600, "hostLeaseSeconds": 1200, "offerHoldSeconds": 10,
            "serverMac": "02:aa:00:00:00:01", "serverIp": "10.0.0.2", "mode": "builtin", "relayServers": []
            """);

        assertEquals(List.of(new Domain.AddressRange(0x0A000096, 0x0A000096),
            new Domain.AddressRange(0x0A0000A0, 0x0A0000A5)), d.exclusions());
        assertEquals(List.of(new Domain.Reservation(0x020000000010L, 0x0A00000A)), d.reservations());
        assertEquals(0x0A00000A, d.reservedAddress(0x020000000010L));
        assertEquals("blue.example", d.domainName());
        assertEquals(List.of("blue.example", "example"), d.searchList());
        assertEquals(List.of(new Domain.StaticRoute(0xC0A80000, 16, 0x0A000002)), d.staticRoutes());
        assertEquals(List.of(0x0A00007B), d.ntp());
        assertEquals(1200, d.hostLeaseSeconds());
        assertEquals(10, d.offerHoldSeconds());
        assertEquals(0x02AA00000001L, d.serverMac());
        assertEquals(0x0A000002, d.serverIp());
    }

    @Test
    void aDomainIdUsesAll32Bits() throws Exception
    {
        final Policy p = PolicyFile.parse(MINIMAL.formatted("").replace("\"id\": 100", "\"id\": 4294967295")
            .transform(d -> "{ \"domains\": [" + d + "] }"), "t");

        assertEquals("4294967295", p.domains().get(0).idString());
        assertEquals(-1, p.domains().get(0).id());
    }

    @Test
    void topLevelServicesApplyToDomainsThatNameNone() throws Exception
    {
        final Policy p = PolicyFile.parse("""
            { "services": ["10.1.1.1:7000", "10.1.1.2"], "domains": [
              { "id": 7, "name": "x", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
                "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ] } ] }
            """, "t");

        assertEquals(List.of(new InetSocketAddress("10.1.1.1", 7000), new InetSocketAddress("10.1.1.2", 6767)),
            p.serviceLocations(7));
        assertEquals(List.of(), p.serviceLocations(8));
    }

    @Test
    void aPoolOutsideTheSubnetIsNamedInTheError()
    {
        assertError("domain 100 (blue): pools[1]: 10.0.1.1-10.0.1.9 is not inside subnet 10.0.0.0/24",
            MINIMAL.formatted("").replace("\"end\": \"10.0.0.199\" }",
                "\"end\": \"10.0.0.199\" }, { \"start\": \"10.0.1.1\", \"end\": \"10.0.1.9\" }"));
    }

    @Test
    void overlappingPoolsAreRefused()
    {
        assertError("pools: 10.0.0.100-10.0.0.199 overlaps 10.0.0.150-10.0.0.160",
            MINIMAL.formatted("").replace("\"end\": \"10.0.0.199\" }",
                "\"end\": \"10.0.0.199\" }, { \"start\": \"10.0.0.150\", \"end\": \"10.0.0.160\" }"));
    }

    @Test
    void aReservationOutsideTheSubnetIsRefused()
    {
        assertError("reservations[0]: 10.0.5.10 is not in subnet 10.0.0.0/24",
            MINIMAL.formatted(", \"reservations\": [ { \"mac\": \"02:00:00:00:00:01\", \"ip\": \"10.0.5.10\" } ]"));
    }

    @Test
    void aRouterOutsideTheSubnetIsRefused()
    {
        assertError("domain 100 (blue): router: 10.0.1.1 is not in subnet 10.0.0.0/24",
            MINIMAL.formatted("").replace("\"router\": \"10.0.0.1\"", "\"router\": \"10.0.1.1\""));
    }

    @Test
    void duplicateDomainIdsAreRefused()
    {
        final String d = MINIMAL.formatted("");
        assertPolicyError("domain 100: id: defined twice",
            "{ \"domains\": [" + d + ", " + d.replace("blue", "red") + "] }");
    }

    @Test
    void twoDomainsMayShareASubnet() throws Exception
    {
        final String d = MINIMAL.formatted("");
        final Policy p = PolicyFile.parse("{ \"domains\": [" + d + ", " +
            d.replace("blue", "red").replace("\"id\": 100", "\"id\": 200") + "] }", "t");

        assertEquals(2, p.domains().size());
    }

    @Test
    void aRelayDomainNamesItsTenantServersAndTheAddressTheyAnswerTo() throws Exception
    {
        final String relay = ", \"mode\": \"relay\", \"relayServers\": [\"192.0.2.10\", \"192.0.2.11:1067\"]";
        assertError("relayAddress: a relay domain needs the address it relays from (giaddr), one its tenant servers " +
            "route back to", MINIMAL.formatted(relay));
        assertError("relayAddress: 192.0.2.1 is not a host address of 10.0.0.0/24: a tenant server would not know " +
            "the VM's subnet; set \"linkSelection\": true (RFC 3527) if its servers support it",
            MINIMAL.formatted(relay + ", \"relayAddress\": \"192.0.2.1\""));
        assertError("relayAddress: 127.0.0.1 is not a unicast address a tenant server can reach",
            MINIMAL.formatted(relay + ", \"relayAddress\": \"127.0.0.1\", \"linkSelection\": true"));
        assertError("relayServers[0]: 224.0.0.1 is not a unicast address", MINIMAL.formatted(
            ", \"mode\": \"relay\", \"relayServers\": [\"224.0.0.1\"], \"relayAddress\": \"10.0.0.3\""));
        assertError("linkSelection: expected true or false",
            MINIMAL.formatted(relay + ", \"relayAddress\": \"192.0.2.1\", \"linkSelection\": \"yes\""));

        final Domain outside = one(relay + ", \"relayAddress\": \"192.0.2.1\", \"linkSelection\": true");
        assertEquals(List.of(new InetSocketAddress("192.0.2.10", 67), new InetSocketAddress("192.0.2.11", 1067)),
            outside.relayServers());
        assertEquals(0xC0000201, outside.relayAddress());
        assertTrue(outside.linkSelection());
        final Domain inside = one(relay + ", \"relayAddress\": \"10.0.0.3\"");
        assertFalse(inside.linkSelection());
    }

    @Test
    void aRelayDomainOfSeveralServiceReplicasNamesARelayAddressForEach() throws Exception
    {
        final String relay = ", \"mode\": \"relay\", \"relayServers\": [\"192.0.2.10\"]";
        final Domain replicated = one(relay + ", \"relayAddresses\": [\"10.0.0.3\", \"10.0.0.4\"]");
        assertEquals(List.of(0x0A000003, 0x0A000004), replicated.relayAddresses());
        assertEquals(replicated, DomainJson.parse(DomainJson.write(replicated), "etcd"));
        assertError("relayAddresses[1]: 192.0.2.1 is not a host address of 10.0.0.0/24: a tenant server would not " +
            "know the VM's subnet; set \"linkSelection\": true (RFC 3527) if its servers support it",
            MINIMAL.formatted(relay + ", \"relayAddresses\": [\"10.0.0.3\", \"192.0.2.1\"]"));
        assertError("relayAddresses: give either relayAddress or relayAddresses, not both",
            MINIMAL.formatted(relay + ", \"relayAddress\": \"10.0.0.3\", \"relayAddresses\": [\"10.0.0.4\"]"));
    }

    @Test
    void mistakesInFieldsAreReportedWithTheField()
    {
        assertError("subnet: 10.0.0.5/24 has host bits set",
            MINIMAL.formatted("").replace("10.0.0.0/24", "10.0.0.5/24"));
        assertError("hostLeaseSeconds: must be at least leaseSeconds (600), is 300",
            MINIMAL.formatted(", \"leaseSeconds\": 600, \"hostLeaseSeconds\": 300"));
        assertError("relayServers: a relay domain needs at least one relay server",
            MINIMAL.formatted(", \"mode\": \"relay\""));
        assertError("mode: 'proxy' is not builtin or relay", MINIMAL.formatted(", \"mode\": \"proxy\""));
        assertError("dsn: unknown field", MINIMAL.formatted(", \"dsn\": [\"10.0.0.53\"]"));
        assertError("dns[0]: '10.0.0.300' is not an IPv4 address", MINIMAL.formatted(", \"dns\": [\"10.0.0.300\"]"));
        assertError("mtu: must be 68..65535, is 40", MINIMAL.formatted(", \"mtu\": 40"));
        assertError("reservations[0]: 03:00:00:00:00:01 is not a unicast MAC",
            MINIMAL.formatted(", \"reservations\": [ { \"mac\": \"03:00:00:00:00:01\", \"ip\": \"10.0.0.10\" } ]"));
        assertError("staticRoutes[0]: gateway 10.9.0.1 is not in subnet 10.0.0.0/24",
            MINIMAL
                .formatted(", \"staticRoutes\": [ { \"destination\": \"10.9.0.0/16\", \"gateway\": \"10.9.0.1\" } ]"));
        assertError("domainName: 'bad_name' is not a DNS name", MINIMAL.formatted(", \"domainName\": \"bad_name\""));
        assertError("services[0]: '127.0.0.1:x' has no numeric port",
            MINIMAL.formatted("").replace("127.0.0.1:6767", "127.0.0.1:x"));
        assertError("pools: pools and reservations span 33554429 addresses, at most 16777216 are supported",
            MINIMAL.formatted("").replace("10.0.0.0/24", "10.0.0.0/7").replace("10.0.0.199", "11.255.255.254")
                .replace("\"10.0.0.100\"", "\"10.0.0.2\""));
        assertError("serverIp: required when the domain has no router",
            MINIMAL.formatted("").replace("\"router\": \"10.0.0.1\",", ""));
        assertPolicyError("domains[0]: id: required", "{ \"domains\": [ { \"name\": \"x\" } ] }");
    }

    @Test
    void optionsLargerThanTheHostsDomainRecordAreRefusedNamingTheDomainAndBothSizes()
    {
        // 30 search domains of 20 bytes: 618 bytes of options, within the DVMC field but not the host's record.
        final String search = String.join(", ", java.util.Collections.nCopies(30, "\"abcdefghij.example\""));

        assertError("domain 100 (blue): options: the encoded options take 618 bytes; the host's domain record " +
            "holds at most 464 bytes", MINIMAL.formatted(", \"searchList\": [" + search + "]"));
    }

    @Test
    void invalidJsonNamesTheSourceAndLine()
    {
        final PolicyException ex = assertThrows(PolicyException.class,
            () -> PolicyFile.parse("{\n \"domains\": [ }", "policy.json"));

        assertTrue(ex.getMessage().startsWith("policy.json: not valid JSON"), ex.getMessage());
        assertTrue(ex.getMessage().contains("line 2"), ex.getMessage());
    }

    @Test
    void aMissingFileIsReportedAsSuch()
    {
        final PolicyException ex = assertThrows(PolicyException.class,
            () -> PolicyFile.load(Path.of("no-such-policy.json")));

        assertTrue(ex.getMessage().contains("no such policy file"), ex.getMessage());
    }

    private static Domain one(final String extra) throws PolicyException
    {
        return PolicyFile.parse("{ \"domains\": [" + MINIMAL.formatted(extra) + "] }", "t").domains().get(0);
    }

    private static void assertError(final String expected, final String domainJson)
    {
        assertPolicyError(expected, "{ \"domains\": [" + domainJson + "] }");
    }

    private static void assertPolicyError(final String expected, final String json)
    {
        final PolicyException ex = assertThrows(PolicyException.class, () -> PolicyFile.parse(json, "t"));
        assertTrue(ex.getMessage().contains(expected), "expected '" + expected + "' in '" + ex.getMessage() + "'");
    }
}
