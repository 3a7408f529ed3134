package io.dvmc.cli;

import io.dvmc.config.ClusterKeyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static io.dvmc.cli.DvmcRun.dvmc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dvmc check}: the files an operator is about to load, validated without starting anything. */
class CheckCommandTest
{
    private static final Path EXAMPLES = Path.of("..", "deploy", "examples");

    @TempDir
    Path dir;

    @Test
    void theExampleHostConfigWithItsPolicyAndKeyIsValid() throws Exception
    {
        final Path host = exampleHost(Files.readString(EXAMPLES.resolve("policy.json")));

        final DvmcRun.Run run = dvmc("check", "--config", host.toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("2 bindings"), run.out());
        assertTrue(run.out().contains("2 domains"), run.out());
    }

    @Test
    void aPolicyThatIsNotUtf8SaysWhereTheFirstBadByteIs() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.write(policy, "{ \"domains\": [] }\n// caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        final DvmcRun.Run run = dvmc("check", "--policy", policy.toString());

        assertEquals(2, run.exit());
        assertEquals("dvmc check: " + policy + ": not UTF-8 text: byte 0xE9 at line 2, byte 7 of the line " +
            "(save the file as UTF-8)\n", run.err());
    }

    @Test
    void aPolicyWhoseObjectIsNeverClosedSaysWhereItWasOpened() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, "{ \"domains\": [\n  { \"id\": 1");

        final DvmcRun.Run run = dvmc("check", "--policy", policy.toString());

        assertEquals(2, run.exit());
        assertEquals("dvmc check: " + policy + ": not valid JSON: the text ends before the object opened at line 2, " +
            "column 3 is closed\n", run.err());
    }

    @Test
    void aDomainWithoutANameSaysTheNameIsRequired() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, """
            { "domains": [ { "id": 7, "subnet": "10.0.0.0/24", "router": "10.0.0.1",
              "pools": [ { "start": "10.0.0.10", "end": "10.0.0.20" } ], "services": [ "127.0.0.1:6767" ] } ] }
            """);

        final DvmcRun.Run run = dvmc("check", "--policy", policy.toString());

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("domain 7: name: required"), run.err());
    }

    @Test
    void aPolicyWithAPoolOutsideItsSubnetFailsNamingTheFileAndTheDomain() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, """
            { "domains": [ { "id": 7, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
              "pools": [ { "start": "10.0.1.10", "end": "10.0.1.20" } ], "services": [ "127.0.0.1:6767" ] } ] }
            """);

        final DvmcRun.Run run = dvmc("check", "--policy", policy.toString());

        assertEquals(2, run.exit());
        assertTrue(run.err().contains(policy.toString()) && run.err().contains("blue"), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void aBindingToADomainThePolicyLacksAndAKeyFileWithoutTheHostsKeyAreEachReported() throws Exception
    {
        final Path host = exampleHost("""
            { "domains": [ { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
              "pools": [ { "start": "10.0.0.10", "end": "10.0.0.20" } ], "services": [ "127.0.0.1:6767" ] } ] }
            """);
        Files.writeString(dir.resolve("cluster.key"), "3 host:9 " + "ab".repeat(32) + "\n");

        final DvmcRun.Run run = dvmc("check", "--config", host.toString());

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("bindings[1]") && run.err().contains("domain 200"), run.err());
        assertTrue(run.err().contains("cluster.key"), run.err());
        assertEquals(2, run.err().lines().count(), run.err());
    }

    @Test
    void aMetricsAddressThatIsNotHostAndPortIsReportedWithItsField() throws Exception
    {
        final Path host = exampleHost(Files.readString(EXAMPLES.resolve("policy.json")));
        Files.writeString(host, Files.readString(host).replace("\"metrics\": \"127.0.0.1:9468\"",
            "\"metrics\": \"127.0.0.1:http\""));

        final DvmcRun.Run run = dvmc("check", "--config", host.toString());

        assertEquals(2, run.exit());
        assertEquals("dvmc check: " + host + ": agent.metrics: '127.0.0.1:http' is not host:port with an IPv4 " +
            "host, nor a port ('127.0.0.1:http' has no numeric port)", run.err().strip());
    }

    @Test
    void nothingToCheckIsABadInvocation()
    {
        assertEquals(2, dvmc("check").exit());
    }

    private Path exampleHost(final String policy) throws Exception
    {
        Files.writeString(dir.resolve("policy.json"), policy);
        ClusterKeyFile.generate(dir.resolve("cluster.key"));
        final Path host = dir.resolve("host.json");
        Files.writeString(host, Files.readString(EXAMPLES.resolve("host.json"))
            .replace("/etc/dvmc/cluster.key", "cluster.key"));
        return host;
    }
}
