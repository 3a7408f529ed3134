package io.dvmc.e2e;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real VM: a QEMU guest (TCG) whose virtio-net NIC is a vhost-user client of the dataplane's {@code net_vhost}
 * port. Its kernel boots with {@code ip=dhcp}, which busybox udhcpc in its initramfs carries out (Debian's kernel has
 * no ip= autoconfiguration of its own, and the kernel's would never renew). After a kill -9 and restart of the
 * dataplane, QEMU reconnects to the new socket and the same udhcpc renews its lease (RENEWING, unicast to the
 * virtual server, started at once through the serial console rather than at T1): the guest's own view of eth0
 * and its default route is checked each time.
 *
 * <p>The dataplane sleeps while idle ({@code idle: wait}, with a sleep timeout of ten minutes): the guest's kick of
 * the port's rx queue wakes it, and so does QEMU's connection, to a dataplane already asleep and again after the
 * restart, so that the guest is asked for kicks. A wake that is missed shows as a lease that never comes.
 */
class VirtualMachineTest
{
    private static final Duration BOOT = Duration.ofSeconds(60);
    private static final Duration RENEW = Duration.ofSeconds(30);
    private static final String MAC = "52:54:00:d0:0c:01";
    private static final List<String> LOOPS = List.of("dvmc-poll", "dvmc-dhcp-worke");
    private static final String VM_ID = UUID.nameUUIDFromBytes(MAC.getBytes()).toString();

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        QemuGuest.requirePrerequisites();
    }

    @ParameterizedTest(name = "virtio event index {0}")
    @ValueSource(booleans = {true, false})
    void aGuestBootingWithIpDhcpGetsItsAddressAndRouterAndRenewsItThroughARestartedDataplaneThatSleeps(
        final boolean eventIndex) throws Exception
    {
        final Path socket = dir.resolve("vm.sock");
        try (DvmcHost host = new DvmcHost(dir,
            List.of(new DvmcHost.Port("vm", "net_vhost0,iface=" + socket)),
            List.of(new DvmcHost.Binding("vm", MAC, 100, VM_ID)), null))
        {
            host.dataplaneOptions("wait", 1, SleepingLoops.NEVER_WAKE_BY_TIMEOUT);
            host.start();
            // All asleep before QEMU connects, so that only the guest's connection can wake them to ask for its kicks.
            SleepingLoops.assertSleptAndIdleThreadsDoNotWake(host, LOOPS);
            final long booted = System.nanoTime();
            try (QemuGuest guest = QemuGuest.boot(dir, socket, MAC, eventIndex))
            {
                final QemuGuest.Report bound = guest.awaitReport("bound", 1, BOOT, () -> diagnostics(host));
                final long bootToBound = elapsedMs(booted);
                assertAll("the guest's own view of its lease",
                    () -> assertTrue(bound.address().matches("10\\.0\\.0\\.1\\d\\d/24"), bound.toString()),
                    () -> assertEquals("10.0.0.1", bound.router(), bound.toString()),
                    () -> assertEquals("10.0.0.1", bound.server(), bound.toString()));

                host.dataplane().kill();
                final long killed = System.nanoTime();
                host.startDataplane();
                host.awaitCounter(host.dataplane(), "dataplane: store hand-overs", 1, DvmcHost.START);
                final long restartToReady = elapsedMs(killed);
                guest.command("renew");
                final QemuGuest.Report renewed = guest.awaitReport("renew", 1, RENEW, () -> diagnostics(host));
                final long killToRenewed = elapsedMs(killed);

                assertAll("the guest's own view after the dataplane's restart",
                    () -> assertEquals(bound.address(), renewed.address(), renewed.toString()),
                    () -> assertEquals("10.0.0.1", renewed.router(), renewed.toString()),
                    () -> assertTrue(host.counter("dataplane: port vm tx") >= 1, "not answered by the new dataplane"));
                assertTrue(host.dataplane().log().contains("on its 0 port descriptors, 1 rx interrupts"),
                    host.dataplane().log());
                SleepingLoops.assertSleptAndIdleThreadsDoNotWake(host, LOOPS);
                System.out.printf("VM: QEMU start to bound %d ms; dataplane kill to ready %d ms, to renewed %d ms%n",
                    bootToBound, restartToReady, killToRenewed);
            }
        }
    }

    private static String diagnostics(final DvmcHost host)
    {
        return host.counters() + "\n" + host.logs();
    }

    private static long elapsedMs(final long since)
    {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
