package io.dvmc.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A domain written as the policy file's JSON object reads back as the same domain, field for field. */
class DomainJsonTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every field of a domain, none at its default. */
    private static final String EVERY_FIELD = """
        { "id": 4000000000, "name": "blue.tenant-1", "subnet": "10.1.0.0/16",
          "pools": [ { "start": "10.1.0.100", "end": "10.1.0.199" }, { "start": "10.1.2.0", "end": "10.1.2.0" } ],
          "exclusions": [ "10.1.0.150", "10.1.0.160-10.1.0.165" ],
          "reservations": [ { "mac": "02:00:00:00:00:10", "ip": "10.1.0.10" },
                            { "mac": "0a:bc:de:f0:12:34", "ip": "10.1.0.11" },
                            { "clientId": "01:0a:bc:de:f0:12:35", "ip": "10.1.0.12" } ],
          "router": "10.1.0.1", "dns": [ "10.1.0.53", "10.1.0.54" ], "domainName": "blue.example",
          "searchList": [ "blue.example", "example" ], "mtu": 1450,
          "staticRoutes": [ { "destination": "192.168.0.0/16", "gateway": "10.1.0.2" },
                            { "destination": "0.0.0.0/0", "gateway": "10.1.0.1" } ],
          "ntp": [ "10.1.0.123" ], "leaseSeconds": 600, "hostLeaseSeconds": 2500, "offerHoldSeconds": 20,
          "serverMac": "02:44:00:00:00:99", "serverIp": "10.1.0.3", "mode": "relay",
          "relayServers": [ "10.1.0.67:67", "10.1.0.68:1067" ], "relayAddress": "192.0.2.1", "linkSelection": true,
          "services": [ "127.0.0.1:6767", "127.0.0.2:7000" ],
          "boot": { "nextServer": "10.1.0.5", "tftpServer": "tftp.blue.example", "file": "undionly.kpxe",
                    "ipxeFile": "http://10.1.0.5/boot.ipxe" },
          "rawOptions": [ { "code": 252, "hex": "687474703a2f2f77706164", "always": false },
                          { "code": 224, "hex": "", "always": true } ] }
        """;

    @Test
    void everyFieldWrittenReadsBackAsTheSameDomain() throws Exception
    {
        final Domain d = DomainJson.parse(EVERY_FIELD, "test");

        assertEquals(d, DomainJson.parse(DomainJson.write(d), "etcd"));
    }

    @Test
    void aPolicyFileDomainWithEveryFieldIsWrittenBackAsTheSameJson() throws Exception
    {
        final Domain d = DomainJson.parse(EVERY_FIELD, "test");

        assertEquals(JSON.readTree(EVERY_FIELD), JSON.readTree(DomainJson.write(d)));
    }

    @Test
    void theExamplePolicysDomainsReadBackEqualWithTheirDefaultsWrittenOut() throws Exception
    {
        for (final Domain d : PolicyFile.load(Path.of("..", "deploy", "examples", "policy.json")).domains())
        {
            final JsonNode written = DomainJson.toJson(d);
            assertEquals(d, DomainJson.parse(written, "etcd"));
            assertEquals(2400, written.get("hostLeaseSeconds").asInt(), "defaults are explicit in etcd");
            assertEquals("02:44:00:00:00:" + Integer.toHexString(d.id()), written.get("serverMac").asText());
        }
    }

    @Test
    void noneValuesAreLeftOutAndStayNone() throws Exception
    {
        final Domain d = DomainJson.parse("""
            { "id": 7, "name": "bare", "subnet": "10.0.0.0/24", "serverIp": "10.0.0.2",
              "pools": [ { "start": "10.0.0.10", "end": "10.0.0.20" } ], "services": [ "127.0.0.1:6767" ] }
            """, "");
        final JsonNode written = DomainJson.toJson(d);

        assertFalse(written.has("router") || written.has("domainName") || written.has("mtu"), written.toString());
        assertEquals(d, DomainJson.parse(written, ""));
    }

    @Test
    void aChangedFieldReadsBackChanged() throws Exception
    {
        final Domain d = DomainJson.parse(EVERY_FIELD, "test");
        final ObjectNode o = DomainJson.toJson(d);
        o.putArray("dns").add("10.1.0.99");

        assertNotEquals(d, DomainJson.parse(o, ""));
        assertEquals(List.of(0x0A010063), DomainJson.parse(o, "").dns());
    }

    @Test
    void anInvalidDomainIsRefusedWithThePolicyFilesMessage()
    {
        final PolicyException unknown = assertThrows(PolicyException.class, () -> DomainJson.parse(
            EVERY_FIELD.replace("\"mtu\"", "\"mtuu\""), "/dvmc/domains/4000000000"));
        assertEquals("/dvmc/domains/4000000000: domain 4000000000 (blue.tenant-1): mtuu: unknown field",
            unknown.getMessage());

        final PolicyException outside = assertThrows(PolicyException.class, () -> DomainJson.parse(
            EVERY_FIELD.replace("10.1.2.0", "10.2.2.0"), ""));
        assertTrue(outside.getMessage().startsWith("domain 4000000000 (blue.tenant-1): pools[1]: "),
            outside.getMessage());

        final PolicyException notObject = assertThrows(PolicyException.class, () -> DomainJson.parse("[1]", "f"));
        assertEquals("f: expected a JSON object (one domain)", notObject.getMessage());
    }
}
