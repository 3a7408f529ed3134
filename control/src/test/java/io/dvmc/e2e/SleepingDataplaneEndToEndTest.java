package io.dvmc.e2e;

import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Lease;
import io.dvmc.lab.Prerequisites;
import io.dvmc.lab.UdhcpcSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 3 (root): a dataplane with {@code idle: wait} sleeps in the kernel on its ports' packet sockets and its
 * doorbells, and whatever it must answer wakes it: a VM's frame on a port ({@code net_af_packet}, {@code net_tap}), the agent's reply on the ring, another
 * lane's or thread's hand-over. Its sleep's timeout is set to ten minutes, so a wake that is missed shows as a client
 * that does not bind rather than as a frame answered a few milliseconds late.
 */
class SleepingDataplaneEndToEndTest
{
    private static final Duration BIND = Duration.ofSeconds(40);
    private static final String NEVER_WAKE_BY_TIMEOUT = "-Ddvmc.idle.timeoutMs=600000";
    /** An idle thread that sleeps wakes for nothing; one that parks (backoff) wakes about 1,000 times a second. */
    private static final int IDLE_WAKES_AT_MOST = 40;

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc");
    }

    @ParameterizedTest(name = "workers {0}, lanes {1}")
    @CsvSource({"0, 1", "1, 1", "0, 2"})
    void clientsBindAndRenewThroughADataplaneThatSleepsAndItsIdleThreadsDoNotWake(final int workers, final int lanes)
        throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(2);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = AfPacketVms.host(dir, lab, lanes))
        {
            host.dataplaneOptions("wait", workers, NEVER_WAKE_BY_TIMEOUT);
            host.start();
            AfPacketVms.bindAndRenew(lab, clients, host);

            assertSleptAndIdleThreadsDoNotWake(host, loopThreads(workers, lanes));
        }
    }

    @Test
    void aVmOnATapPortBindsAndRenewsThroughADataplaneThatSleepsOnTheTapsQueues() throws Exception
    {
        final String mac = "02:00:00:64:0a:01";
        try (NetnsLab lab = NetnsLab.create(0);
            DhcpClients clients = new DhcpClients(true))
        {
            // The tap's kernel side is the VM's NIC: in the lab's namespace, which the test made, with the VM's MAC.
            final String tap = lab.ifPrefix() + "tap";
            try (DvmcHost host = new DvmcHost(dir, List.of(new DvmcHost.Port("vm", "net_tap0,iface=" + tap)),
                List.of(new DvmcHost.Binding("vm", mac, 100, UUID.nameUUIDFromBytes(mac.getBytes()).toString())),
                lab.hostNs()))
            {
                host.dataplaneOptions("wait", 0, NEVER_WAKE_BY_TIMEOUT);
                host.start();
                lab.exec(lab.hostNs(), "ip", "link", "set", tap, "address", mac);
                try (UdhcpcSession vm = clients.start(lab.hostNs(), tap))
                {
                    final Lease bound = vm.awaitLease(BIND);
                    final long fastAcks = host.counter("dataplane: fast path ACK");
                    vm.renew();
                    assertEquals(bound.ip(), vm.awaitEvent("renew", BIND).lease(lab.hostNs()).ip());
                    host.awaitCounter(host.dataplane(), "dataplane: fast path ACK", fastAcks + 1,
                        Duration.ofSeconds(10));
                }
                assertSleptAndIdleThreadsDoNotWake(host, List.of("dvmc-poll"));
            }
        }
    }

    /** The dataplane slept, and none of {@code loops} wakes more than a few times in 2 s of silence. */
    private static void assertSleptAndIdleThreadsDoNotWake(final DvmcHost host, final List<String> loops)
        throws IOException
    {
        assertNotEquals(0, host.counter("dataplane: loop sleeps"), host.dataplane().log());
        assertTrue(host.dataplane().log().contains("sleeps while idle"), host.dataplane().log());
        final long pid = host.dataplane().pid();
        final Map<String, Long> before = wakesByThread(pid);
        LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());
        final Map<String, Long> after = wakesByThread(pid);
        for (final String loop : loops)
        {
            assertTrue(before.containsKey(loop), loop + " not among " + before.keySet());
            final long wakes = after.get(loop) - before.get(loop);
            assertTrue(wakes <= IDLE_WAKES_AT_MOST, loop + " woke " + wakes + " times in 2 s of silence");
        }
        assertEquals(0, host.counter("dataplane: dataplane errors"), host.dataplane().log());
    }

    private static List<String> loopThreads(final int workers, final int lanes)
    {
        final List<String> loops = new ArrayList<>(List.of("dvmc-poll"));
        if (workers == 1)
        {
            loops.add("dvmc-dhcp-worke");
        }
        for (int lane = 1; lane < lanes; lane++)
        {
            loops.add("dvmc-lane-" + lane);
        }
        return loops;
    }

    /** Thread name (as the kernel keeps it, 15 characters) to the times it went to sleep of its own accord. */
    private static Map<String, Long> wakesByThread(final long pid) throws IOException
    {
        final Map<String, Long> wakes = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task")))
        {
            for (final Path task : tasks.toList())
            {
                final String name = Files.readString(task.resolve("comm")).trim();
                Files.readAllLines(task.resolve("status")).stream()
                    .filter(line -> line.startsWith("voluntary_ctxt_switches:"))
                    .forEach(line -> wakes.put(name, Long.parseLong(line.substring(line.indexOf(':') + 1).trim())));
            }
        }
        return wakes;
    }
}
