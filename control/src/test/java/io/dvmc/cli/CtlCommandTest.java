package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dvmc.cli.DvmcRun.Run;
import io.dvmc.ipc.CounterTypes;
import io.dvmc.ipc.CountersFile;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseStore;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static io.dvmc.cli.DvmcRun.dvmc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertTrue(run.out().matches("(?s).*vm1 +net_af_packet0,iface=dvh-vm1 +0 +02:00:00:64:00:01 +100 .*"),
            run.out());
    }

    @Test
    void domainsOfAnInvalidPolicyNamesTheDomainAndField() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy,
            Files.readString(EXAMPLES.resolve("policy.json")).replace("10.0.0.199", "10.0.1.199"));
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
        final io.dvmc.policy.FilePolicyStore policy = new io.dvmc.policy.FilePolicyStore(
            EXAMPLES.resolve("policy.json"));
        try (io.dvmc.service.DvmcService service = io.dvmc.service.ServiceMain.start(policy,
            new java.net.InetSocketAddress("127.0.0.1", 0), new byte[32], dir,
            new org.agrona.concurrent.BackoffIdleStrategy()))
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

    @Test
    void statJsonNamesEachProcessAndCounterInSnakeCaseAndSaysTheServiceRuns() throws Exception
    {
        final io.dvmc.policy.FilePolicyStore policy = new io.dvmc.policy.FilePolicyStore(
            EXAMPLES.resolve("policy.json"));
        try (io.dvmc.service.DvmcService service = io.dvmc.service.ServiceMain.start(policy,
            new java.net.InetSocketAddress("127.0.0.1", 0), new byte[32], dir,
            new org.agrona.concurrent.BackoffIdleStrategy()))
        {
            final Run run = dvmc("ctl", "stat", "--state-dir", dir.toString(), "--json");
            assertEquals(0, run.exit(), run.err());
            final JsonNode process = run.json().get("processes").get("service");
            assertTrue(process.get("running").asBoolean(), run.out());
            assertEquals(ProcessHandle.current().pid(), process.get("pid").asLong());
            assertEquals(0, process.get("counters").get("received").asLong(), run.out());
            assertTrue(process.get("counters").has("dropped_bad_hmac"), run.out());
            process.get("counters").fieldNames().forEachRemaining(
                name -> assertTrue(name.matches("[a-z][a-z0-9_]*"), name + " is not snake_case"));
        }
    }

    @Test
    void statOfAStoppedProcessShowsItsLastCountersAsNotRunningAndExitsThree() throws Exception
    {
        final Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        try (CountersFile file = CountersFile.create(dir.resolve("agent-counters.dat"), 4))
        {
            file.newCounter("vm_requests", "VM requests from dataplane", CounterTypes.AGENT).set(7);
        }
        writePid(dir.resolve("agent-counters.dat"), gone.pid());

        final Run json = dvmc("ctl", "stat", "--state-dir", dir.toString(), "--json");
        assertEquals(StatCommand.NOT_RUNNING, json.exit(), json.err());
        final JsonNode agent = json.json().get("processes").get("agent");
        assertFalse(agent.get("running").asBoolean(), json.out());
        assertEquals(7, agent.get("counters").get("vm_requests").asLong(), json.out());

        final Run table = dvmc("ctl", "stat", "--state-dir", dir.toString());
        assertEquals(StatCommand.NOT_RUNNING, table.exit(), table.err());
        assertTrue(table.out().contains("agent (pid " + gone.pid() + ", not running)"), table.out());
    }

    @Test
    void statWatchShowsEachCountersRatePerSecondBesideItsTotal() throws Exception
    {
        try (CountersFile file = CountersFile.create(dir.resolve("agent-counters.dat"), 4))
        {
            final AtomicCounter requests = file.newCounter("vm_requests", "VM requests from dataplane",
                CounterTypes.AGENT);
            file.newCounter("leases_written", "leases written", CounterTypes.AGENT);
            final AtomicBoolean done = new AtomicBoolean();
            final Thread vm = Thread.ofPlatform().start(() -> {
                while (!done.get())
                {
                    requests.increment();
                    LockSupport.parkNanos(100_000);
                }
            });
            final Run json;
            final Run table;
            try
            {
                json = dvmc("ctl", "stat", "--state-dir", dir.toString(), "--json", "--watch", "1", "--count", "2");
                table = dvmc("ctl", "stat", "--state-dir", dir.toString(), "--watch", "1", "--count", "2");
            }
            finally
            {
                done.set(true);
                vm.join();
            }
            assertEquals(0, json.exit(), json.err());
            final String[] samples = json.out().split("\n");
            assertEquals(2, samples.length, json.out());
            final JsonNode first = DvmcRun.JSON.readTree(samples[0]).get("processes").get("agent");
            final JsonNode second = DvmcRun.JSON.readTree(samples[1]).get("processes").get("agent");
            assertFalse(first.has("rates"), "no rate before a second sample");
            assertTrue(second.get("rates").get("counters").get("vm_requests").asDouble() > 0, samples[1]);
            assertEquals(0.0, second.get("rates").get("counters").get("leases_written").asDouble(), samples[1]);
            assertTrue(table.out().matches("(?s).*leases written +0 +0\\.0/s\n.*"), table.out());
        }
    }

    @Test
    void domainsBindingsAndLeasesAnswerJsonInSnakeCase() throws Exception
    {
        final Path host = dir.resolve("host.json");
        Files.writeString(host, Files.readString(EXAMPLES.resolve("host.json"))
            .replace("/var/lib/dvmc/host", dir.toString()));
        final Run domains = dvmc("ctl", "domains", "--policy", EXAMPLES.resolve("policy.json").toString(), "--json");
        assertEquals(0, domains.exit(), domains.err());
        assertEquals("blue", domains.json().get(0).get("name").asText(), domains.out());
        assertEquals(200, domains.json().get(1).get("id").asLong(), domains.out());

        final Run bindings = dvmc("ctl", "bindings", "--config", host.toString(), "--json");
        assertEquals(0, bindings.exit(), bindings.err());
        final JsonNode vm1 = bindings.json().get(0);
        assertEquals("vm1", vm1.get("port").asText(), bindings.out());
        assertEquals("net_af_packet0,iface=dvh-vm1", vm1.get("device").asText(), bindings.out());
        assertEquals("02:00:00:64:00:01", vm1.get("mac").asText(), bindings.out());
        assertEquals(100, vm1.get("domain").asLong(), bindings.out());

        try (LeaseStore store = LeaseStore.openWriter(dir.resolve(LeaseStore.FILE), 16))
        {
            store.put(100, 0x020000640001L, new LeaseRecord().clear().ip(0x0A000064).state(LeaseState.BOUND)
                .vmLeaseSeconds(3600).hostLeaseExpiryMillis(1_800_000_000_000L).vmLeaseExpiryMillis(1_799_000_000_000L)
                .vmId(1, 2));
        }
        final Run leases = dvmc("ctl", "leases", "--config", host.toString(), "--json");
        assertEquals(0, leases.exit(), leases.err());
        final JsonNode lease = leases.json().get(0);
        assertEquals("10.0.0.100", lease.get("ip").asText(), leases.out());
        assertEquals("BOUND", lease.get("state").asText(), leases.out());
        assertEquals("2027-01-15T08:00:00Z", lease.get("host_lease_expiry").asText(), leases.out());
        assertEquals(3600, lease.get("vm_lease_seconds").asInt(), leases.out());
    }

    private static void writePid(final Path countersFile, final long pid) throws IOException
    {
        try (FileChannel channel = FileChannel.open(countersFile, StandardOpenOption.WRITE))
        {
            final ByteBuffer value = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder()).putLong(0, pid);
            channel.write(value, CountersFile.PID_OFFSET);
        }
    }
}
