package io.dvmc.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostConfigTest
{
    private static final String VALID = """
        { "hostId": 1, "hostAddress": "127.0.0.1", "stateDir": "state", "keyFile": "cluster.key",
          "policyFile": "policy.json",
          "dataplane": { "ports": [ { "name": "vm1", "device": "net_af_packet0,iface=dvh-vm1" } ] },
          "bindings": [ { "port": "vm1", "vlan": 0, "mac": "02:00:00:64:00:01", "domain": 100,
                          "vm": "6f1c1d2e-0000-4000-8000-000000000001" } ] }
        """;

    @TempDir
    Path dir;

    private HostConfig load(final String json) throws IOException, ConfigException
    {
        final Path file = dir.resolve("host.json");
        Files.writeString(file, json);
        return HostConfig.load(file);
    }

    private String rejected(final String json)
    {
        return assertThrows(ConfigException.class, () -> load(json)).getMessage();
    }

    @Test
    void theExampleHostConfigLoads() throws ConfigException
    {
        final HostConfig config = HostConfig.load(Path.of("..", "deploy", "examples", "host.json"));
        assertTrue(config.dataplane().ports().size() >= 1);
        assertTrue(config.policyFile().endsWith("policy.json"));
    }

    @Test
    void relativePathsAreResolvedAgainstTheConfigFileAndDefaultsAreFilledIn() throws Exception
    {
        final HostConfig config = load(VALID);
        assertEquals(dir.resolve("state").toString(), config.stateDir());
        assertEquals(dir.resolve("policy.json").toString(), config.policyFile());
        assertEquals(1, config.dataplane().workers());
        assertEquals("wait", config.dataplane().idle());
        assertEquals(0, config.portIndex().get("vm1"));
    }

    @Test
    void agentRateLimitsTakeTheirDefaultsFieldByFieldAndRefuseNonsense() throws Exception
    {
        assertEquals(HostConfig.Limits.DEFAULT, load(VALID).agent().limits());
        final HostConfig config = load(VALID.replace("\"dataplane\"",
            "\"agent\": { \"listen\": \"127.0.0.1:0\", \"limits\": { \"portPerSecond\": 50.5 } }, \"dataplane\""));
        assertEquals(50.5, config.agent().limits().portPerSecond());
        assertEquals(HostConfig.Limits.DEFAULT.vmBurst(), config.agent().limits().vmBurst());

        assertTrue(rejected(VALID.replace("\"dataplane\"",
            "\"agent\": { \"listen\": \"127.0.0.1:0\", \"limits\": { \"vmBurst\": 0 } }, \"dataplane\""))
            .contains("agent.limits"));
    }

    @Test
    void theLeaseStoresCapacityAndTheInFlightWindowTakeTheirDefaultsAndRefuseWhatCannotWork() throws Exception
    {
        assertEquals(HostConfig.Agent.DEFAULT_MAX_LEASES, load(VALID).agent().maxLeases());
        assertEquals(HostConfig.Agent.DEFAULT_MAX_EXCHANGES, load(VALID).agent().maxExchanges());
        final HostConfig config = load(VALID.replace("\"dataplane\"",
            "\"agent\": { \"listen\": \"127.0.0.1:0\", \"maxLeases\": 2000000, \"maxExchanges\": 512 }, " +
                "\"dataplane\""));
        assertEquals(2_000_000, config.agent().maxLeases());
        assertEquals(512, config.agent().maxExchanges());

        assertTrue(rejected(VALID.replace("\"dataplane\"",
            "\"agent\": { \"listen\": \"127.0.0.1:0\", \"maxLeases\": 10 }, \"dataplane\""))
            .contains("agent.maxLeases must be 1024 to 67108864, not 10"));
        assertTrue(rejected(VALID.replace("\"dataplane\"",
            "\"agent\": { \"listen\": \"127.0.0.1:0\", \"maxExchanges\": 0 }, \"dataplane\""))
            .contains("agent.maxExchanges must be 64 to 1048576, not 0"));
    }

    @Test
    void theWorkerThreadIsPinnedOnlyWhenWorkerCpuSaysWhereAndNeverOntoThePollThreadsLcore() throws Exception
    {
        assertNull(load(VALID).dataplane().workerCpu());
        assertEquals(3, load(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"lcore\": 2, \"workerCpu\": 3,"))
            .dataplane().workerCpu());
        assertTrue(rejected(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"lcore\": 2, \"workerCpu\": 2,"))
            .contains("dataplane.workerCpu 2 is the poll thread's lcore"));
        assertTrue(rejected(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"workers\": 0, \"workerCpu\": 3,"))
            .contains("workers 0 has none"));
        assertTrue(rejected(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"workerCpu\": -1,"))
            .contains("dataplane.workerCpu must be a CPU number"));
    }

    @Test
    void severalLanesRunTheirWorkersInsideEachOnACpuOfItsOwnWhenGivenOne() throws Exception
    {
        final HostConfig.Dataplane one = load(VALID).dataplane();
        assertEquals(1, one.lanes());
        assertEquals(1, one.workers());
        final HostConfig.Dataplane four = load(VALID.replace("\"dataplane\": {",
            "\"dataplane\": { \"lcore\": 0, \"lanes\": 4, \"laneCpus\": [1, 2, 3],")).dataplane();
        assertEquals(4, four.lanes());
        assertEquals(0, four.workers(), "lanes take workers 0 when it is left out");
        assertEquals(List.of(1, 2, 3), four.laneCpus());

        assertTrue(rejected(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"lanes\": 2, \"workers\": 1,"))
            .contains("dataplane.lanes 2 runs a worker inside each lane: set workers to 0"));
        assertTrue(rejected(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"lanes\": 0,"))
            .contains("dataplane.lanes must be 1 to 64, not 0"));
        assertTrue(rejected(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"lanes\": 3, \"laneCpus\": [1],"))
            .contains("dataplane.laneCpus lists the CPUs of lanes 1 to 2, one each: 2 CPU(s), not 1"));
        assertTrue(rejected(VALID.replace("\"dataplane\": {",
            "\"dataplane\": { \"lcore\": 1, \"lanes\": 2, \"laneCpus\": [1],"))
            .contains("dataplane.laneCpus: CPU 1 is given twice, or is the poll thread's lcore"));
    }

    @Test
    void aNullAmongTheLaneCpusIsRejectedAsAnEntryThatIsNullNotThrownAsANullPointer()
    {
        assertTrue(rejected(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"lanes\": 2, \"laneCpus\": [null],"))
            .contains("dataplane.laneCpus: an entry is null"));
    }

    @Test
    void aPathWithANulCharacterIsRejectedAsNoPathNotThrownAsAnInvalidPath()
    {
        // JSON's \\u0000 escape: a NUL no file system takes in a name.
        for (final String[] path : new String[][]{{"stateDir", "state"}, {"keyFile", "cluster.key"},
            {"policyFile", "policy.json"}})
        {
            final String message = rejected(VALID.replace("\"" + path[1] + "\"", "\"a\\u0000b\""));
            assertTrue(message.contains(path[0] + ": not a path: it holds a NUL character"), message);
        }
    }

    @Test
    void metricsAreServedOnlyWhereConfiguredAndABarePortIsOnLoopback() throws Exception
    {
        final HostConfig none = load(VALID);
        assertEquals(null, none.agentMetrics());
        assertEquals(null, none.dataplaneMetrics());

        final HostConfig both = load(VALID.replace("\"dataplane\": {",
            "\"agent\": { \"listen\": \"127.0.0.1:0\", \"metrics\": \"0.0.0.0:9468\" }, " +
                "\"dataplane\": { \"metrics\": 9467,"));
        assertEquals(new InetSocketAddress("0.0.0.0", 9468), both.agentMetrics());
        assertEquals(new InetSocketAddress("127.0.0.1", 9467), both.dataplaneMetrics());
    }

    @Test
    void aBadMetricsAddressIsRejectedNamingItsField()
    {
        assertEquals(dir.resolve("host.json") + ": dataplane.metrics: 'localhost:9467' is not host:port with an " +
            "IPv4 host, nor a port ('localhost' is not an IPv4 address)",
            rejected(VALID.replace("\"dataplane\": {", "\"dataplane\": { \"metrics\": \"localhost:9467\",")));
        assertTrue(rejected(VALID.replace("\"dataplane\"",
            "\"agent\": { \"listen\": \"127.0.0.1:0\", \"metrics\": \"70000\" }, \"dataplane\""))
            .endsWith("agent.metrics: port 70000 is out of range 0-65535"));
        assertTrue(rejected(VALID.replace("\"dataplane\"",
            "\"agent\": { \"listen\": \"127.0.0.1:0\", \"metrics\": \"9467\" }, \"dataplane\"")
            .replace("\"dataplane\": {", "\"dataplane\": { \"metrics\": \"127.0.0.1:9467\","))
            .contains("agent.metrics and dataplane.metrics are both"));
    }

    @Test
    void aBindingOnAnUnknownPortIsRejectedByName()
    {
        assertTrue(rejected(VALID.replace("\"port\": \"vm1\"", "\"port\": \"vm9\"")).contains("unknown port 'vm9'"));
    }

    @Test
    void aMalformedMacIsRejected()
    {
        assertTrue(rejected(VALID.replace("02:00:00:64:00:01", "02:00:00:64:00")).contains("not a MAC address"));
    }

    @Test
    void aDomainIdOfZeroIsRejected()
    {
        assertTrue(rejected(VALID.replace("\"domain\": 100", "\"domain\": 0")).contains("domain must be"));
    }

    @Test
    void anUnknownFieldIsAnErrorNotSilentlyIgnored()
    {
        assertTrue(rejected(VALID.replace("\"hostId\": 1", "\"hostId\": 1, \"hostid\": 2")).contains("hostid"));
    }

    @Test
    void anUnknownFieldDeepInsideIsNamedByItsPathWithTheFieldsThatExist()
    {
        final String message = rejected(VALID.replace("\"name\": \"vm1\"", "\"nmae\": \"vm1\""));
        assertTrue(message.startsWith(dir.resolve("host.json") + ": dataplane.ports[0].nmae: no such field at line 3"),
            message);
        assertTrue(message.contains("the fields of dataplane.ports[0] are name, device, other, role, relay"), message);
    }

    @Test
    void aValueOfTheWrongTypeIsNamedNotCoerced()
    {
        assertTrue(rejected(VALID.replace("\"hostId\": 1", "\"hostId\": \"1\"")).contains(
            "hostId must be a whole number (32 bits), not the string \"1\" (line 1)"));
        assertTrue(rejected(VALID.replace("\"vlan\": 0", "\"vlan\": 0.5")).contains(
            "bindings[0].vlan must be a whole number (32 bits), not 0.5"));
        assertTrue(rejected(VALID.replace("\"device\": \"net_af_packet0,iface=dvh-vm1\"", "\"device\": true")).contains(
            "dataplane.ports[0].device must be a string, not true"));
        assertTrue(rejected(VALID.replace("\"bindings\": [", "\"bindings\": { \"x\": [").replace("] }\n", "] } }\n"))
            .contains("bindings must be a JSON array, not an object"));
    }

    @Test
    void aNumberOutOfItsFieldsRangeOrANullForANumberIsRejected()
    {
        assertTrue(rejected(VALID.replace("\"hostId\": 1", "\"hostId\": 4294967296")).contains(
            "hostId must be a whole number (32 bits), and 4294967296 is out of its range"));
        assertTrue(rejected(VALID.replace("\"domain\": 100", "\"domain\": 99999999999999999999")).contains(
            "bindings[0].domain must be a whole number (64 bits), and 99999999999999999999 is out of its range"));
        assertTrue(rejected(VALID.replace("\"hostId\": 1", "\"hostId\": null")).contains(
            "hostId must be a whole number (32 bits), not null"));
    }

    @Test
    void aFieldGivenTwiceOrTextAfterTheDocumentIsRejected()
    {
        assertTrue(rejected(VALID.replace("\"hostId\": 1", "\"hostId\": 1, \"hostId\": 2")).contains(
            "Duplicate field 'hostId'"));
        assertTrue(rejected(VALID + "{}").contains("more after the end of the object, at line 6"));
        assertTrue(rejected("").contains("empty: expected a JSON object"));
    }

    @Test
    void theSameMacBoundTwiceOnOneVlanIsRejected()
    {
        final String twice = VALID.replace("\"bindings\": [ {", "\"bindings\": [ { \"port\": \"vm1\", \"vlan\": 0," +
            " \"mac\": \"02:00:00:64:00:01\", \"domain\": 200, \"vm\": \"6f1c1d2e-0000-4000-8000-000000000002\" }, {");
        assertTrue(rejected(twice).contains("bound twice"));
    }

    @Test
    void aPortNameIsShortPrintableAsciiSoItsCountersAndBindingsCanNameIt()
    {
        final String port = "\"name\": \"vm1\"";
        assertTrue(rejected(VALID.replace(port, "\"name\": \"" + "v".repeat(65) + "\""))
            .contains("a port name is 1-64 printable ASCII characters"));
        assertTrue(rejected(VALID.replace(port, "\"name\": \"vm \u00e9\""))
            .contains("a port name is 1-64 printable ASCII characters"));
    }

    @Test
    void aPortForwardsItsOtherFramesOnlyToAnotherDefinedPort() throws Exception
    {
        final String twoPorts = VALID.replace(
            "\"ports\": [ { \"name\": \"vm1\", \"device\": \"net_af_packet0,iface=dvh-vm1\" } ]",
            "\"ports\": [ { \"name\": \"vm1\", \"device\": \"net_af_packet0,iface=dvh-vm1\", \"other\": \"forward:up\" }," +
                " { \"name\": \"up\", \"device\": \"net_tap0\" } ]");
        assertEquals(1, load(twoPorts).forwardIndex()[0]);
        assertEquals(-1, load(twoPorts).forwardIndex()[1]);
        assertTrue(rejected(twoPorts.replace("forward:up", "forward:nowhere")).contains("not another port"));
        assertTrue(rejected(twoPorts.replace("forward:up", "forward:vm1")).contains("not another port"));
        assertTrue(rejected(twoPorts.replace("forward:up", "bounce")).contains("\"drop\" or \"forward:<port>\""));
    }

    @Test
    void aPortIsVmFacingUnlessItsRoleSaysUplink() throws Exception
    {
        final String vmPort = "\"device\": \"net_af_packet0,iface=dvh-vm1\" }";
        final String uplink = VALID.replace(vmPort, vmPort.replace(" }", ", \"role\": \"uplink\" }"));
        assertTrue(!load(VALID).dataplane().ports().get(0).uplink());
        assertTrue(load(uplink).dataplane().ports().get(0).uplink());
        assertTrue(rejected(uplink.replace("\"uplink\"", "\"trunk\""))
            .contains("role must be \"vm\", \"uplink\" or \"relay\""));
    }

    @Test
    void aRelayPortNamesItsServerAddressAndLinksAndOnlyARelayPortHasThem() throws Exception
    {
        final String vmPort = "\"device\": \"net_af_packet0,iface=dvh-vm1\" }";
        final String relay = VALID.replace(vmPort, vmPort.replace(" }", ", \"role\": \"relay\", \"relay\": {" +
            " \"serverIp\": \"10.9.0.1\", \"links\": [ { \"subnet\": \"10.0.1.0/24\", \"domain\": 100 } ]," +
            " \"remoteIds\": [ \"6c:65:61:66\" ] } }"));
        final HostConfig.Port port = load(relay).dataplane().ports().get(0);
        assertTrue(port.relayFacing());
        assertEquals(0x0A00_0100, port.relay().links().get(0).network());
        assertEquals(0xFFFF_FF00, port.relay().links().get(0).mask());
        assertEquals(0x0264_0A09_0001L, port.relay().serverMacBits());
        assertEquals(4, port.relay().remoteIdBytes().get(0).length);
        assertTrue(rejected(relay.replace("10.0.1.0/24", "10.0.1.0/33")).contains("is not a.b.c.d/len"));
        assertTrue(rejected(relay.replace("\"10.9.0.1\"", "\"server\"")).contains("relay.serverIp"));
        assertTrue(rejected(relay.replace("6c:65:61:66", "leaf")).contains("relay.remoteIds"));
        assertTrue(rejected(relay.replace("\"domain\": 100 }", "\"domain\": 0 }")).contains("domain must be"));
        assertTrue(
            rejected(relay.replace("\"relay\", \"relay\"", "\"vm\", \"relay\"")).contains("needs a \"relay\" section"));
        assertTrue(rejected(VALID.replace(vmPort, vmPort.replace(" }", ", \"role\": \"relay\" }")))
            .contains("needs a \"relay\" section"));
    }

    @Test
    void thePolicyMayComeFromEtcdInsteadOfAFileWithTheDefaultPrefix() throws Exception
    {
        final HostConfig config = load(VALID.replace("\"policyFile\": \"policy.json\"",
            "\"policy\": { \"etcd\": [ \"http://127.0.0.1:2379\", \"http://127.0.0.1:22379\" ] }"));
        assertEquals(null, config.policyFile());
        assertEquals(java.util.List.of("http://127.0.0.1:2379", "http://127.0.0.1:22379"), config.policy().etcd());
        assertEquals("/dvmc", config.policy().prefix());
    }

    @Test
    void aConfigNamesExactlyOnePolicySourceWithAtLeastOneEtcdMember()
    {
        final String both = VALID.replace("\"policyFile\": \"policy.json\"",
            "\"policyFile\": \"policy.json\", \"policy\": { \"etcd\": [ \"http://127.0.0.1:2379\" ] }");
        assertTrue(rejected(both).contains("exactly one of the two"), rejected(both));
        final String neither = VALID.replace("\"policyFile\": \"policy.json\",", "");
        assertTrue(rejected(neither).contains("exactly one of the two"), rejected(neither));
        final String noMembers = VALID.replace("\"policyFile\": \"policy.json\"",
            "\"policy\": { \"etcd\": [], \"prefix\": \"/dvmc\" }");
        assertTrue(rejected(noMembers).contains("policy.etcd: list at least one"), rejected(noMembers));
        final String badPrefix = VALID.replace("\"policyFile\": \"policy.json\"",
            "\"policy\": { \"etcd\": [ \"http://127.0.0.1:2379\" ], \"prefix\": \"dvmc\" }");
        assertTrue(rejected(badPrefix).contains("policy.prefix must start with '/'"), rejected(badPrefix));
    }

    @Test
    void textThatIsNotJsonIsRejectedWithItsLineAndNoParserInternals()
    {
        final String message = rejected("{\n  \"stateDir\": \"state\",\n  bad\n}");
        assertTrue(message.contains("host.json: not valid JSON: ") && message.endsWith(" at line 3"), message);
        assertFalse(message.contains("Source:"), message);
    }

    @Test
    void aMissingFileIsNamed()
    {
        final String message = assertThrows(ConfigException.class,
            () -> HostConfig.load(dir.resolve("absent.json"))).getMessage();
        assertTrue(message.contains("absent.json") && message.contains("no such file"), message);
    }
}
