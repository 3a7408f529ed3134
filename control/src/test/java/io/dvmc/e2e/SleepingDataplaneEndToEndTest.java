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

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 3 (root): a dataplane with {@code idle: wait} sleeps in the kernel on its ports' packet sockets or tap queues
 * and its doorbells, and whatever it must answer wakes it: a VM's frame on a port ({@code net_af_packet},
 * {@code net_tap}), the agent's reply on the ring, another lane's or thread's hand-over. Its sleep's timeout is set to
 * ten minutes, so a wake that is missed shows as a client that does not bind rather than as a frame answered a few
 * milliseconds late.
 */
class SleepingDataplaneEndToEndTest
{
    private static final Duration BIND = Duration.ofSeconds(40);

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
            host.dataplaneOptions("wait", workers, SleepingLoops.NEVER_WAKE_BY_TIMEOUT);
            host.start();
            AfPacketVms.bindAndRenew(lab, clients, host);

            SleepingLoops.assertSleptAndIdleThreadsDoNotWake(host, loopThreads(workers, lanes));
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
                host.dataplaneOptions("wait", 0, SleepingLoops.NEVER_WAKE_BY_TIMEOUT);
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
                SleepingLoops.assertSleptAndIdleThreadsDoNotWake(host, List.of("dvmc-poll"));
            }
        }
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
}
