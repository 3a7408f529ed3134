package io.dvmc.cli;

import io.dvmc.cli.DvmcRun.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.dvmc.cli.DvmcRun.dvmc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator CLI on the example configs: what it prints, and how it refuses. */
class CtlCommandTest
{
    private static final Path EXAMPLES = Path.of("..", "deploy", "examples");

    @TempDir
    Path dir;

    @Test
    void domainsListsBothExampleDomainsWithTheirOwnDnsOnTheSameSubnet()
    {
        final Run run = dvmc("ctl", "domains", "--config", EXAMPLES.resolve("host.json").toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().matches("(?s).*100 +blue +10\\.0\\.0\\.0/24 .*10\\.0\\.0\\.53 .*"), run.out());
        assertTrue(run.out().matches("(?s).*200 +red +10\\.0\\.0\\.0/24 .*10\\.0\\.0\\.54 .*"), run.out());
    }

    @Test
    void bindingsListsEachVmWithItsPortDeviceAndDomain()
    {
        final Run run = dvmc("ctl", "bindings", "--config", EXAMPLES.resolve("host.json").toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().matches("(?s).*vm1 +net_af_packet0,iface=dvh-vm1 +0 +02:00:00:64:00:01 +100 .*"), run.out());
    }

    @Test
    void domainsOfAnInvalidPolicyNamesTheDomainAndField() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, Files.readString(EXAMPLES.resolve("policy.json")).replace("10.0.0.199", "10.0.1.199"));
        final Run run = dvmc("ctl", "domains", "--policy", policy.toString());
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("blue") && run.err().contains("pools"), run.err());
    }

    @Test
    void leasesOfAHostThatNeverRanSaysSoInsteadOfCreatingAStore() throws Exception
    {
        final Path host = dir.resolve("host.json");
        Files.writeString(host, Files.readString(EXAMPLES.resolve("host.json"))
            .replace("/var/lib/dvmc/host", dir.resolve("state").toString()));
        final Run run = dvmc("ctl", "leases", "--config", host.toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("leases.dat"), run.err());
        assertTrue(Files.notExists(dir.resolve("state").resolve("leases.dat")));
    }

    @Test
    void statOfAServiceStateDirShowsTheRunningServicesCounters() throws Exception
    {
        final io.dvmc.policy.FilePolicyStore policy = new io.dvmc.policy.FilePolicyStore(EXAMPLES.resolve("policy.json"));
        try (io.dvmc.service.DvmcService service = io.dvmc.service.ServiceMain.start(policy,
            new java.net.InetSocketAddress("127.0.0.1", 0), new byte[32], dir, new org.agrona.concurrent.BackoffIdleStrategy()))
        {
            final Run run = dvmc("ctl", "stat", "--state-dir", dir.toString());
            assertEquals(0, run.exit(), run.err());
            assertTrue(run.out().contains("service (pid " + ProcessHandle.current().pid() + ", running)"), run.out());
            assertTrue(run.out().matches("(?s).*service +received +0.*"), run.out());
            assertTrue(run.out().contains("dropped: bad-hmac"), run.out());
        }
    }

    @Test
    void statOfAHostThatNeverRanSaysSo() throws Exception
    {
        final Path host = dir.resolve("host.json");
        Files.writeString(host, Files.readString(EXAMPLES.resolve("host.json"))
            .replace("/var/lib/dvmc/host", dir.resolve("state").toString()));
        final Run run = dvmc("ctl", "stat", "--config", host.toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("no counters"), run.err());
    }
}
