package io.dvmc.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A net_vhost port (vhost-user server: the dataplane listens, QEMU connects) survives kill -9 of the dataplane: the
 * socket file the dead process left behind does not stop the restarted one from creating the port, at start or when
 * host.json adds the port later. The dataplane sleeps on its vhost ports' rx interrupts ({@code idle: wait}), and
 * goes on sleeping as ports come and go.
 */
class VhostPortRestartTest
{
    private static final Duration APPLIED = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aDataplaneKilledWithItsVhostUserSocketStillOnDiskRestartsAndCreatesItsVhostPortsAgain() throws Exception
    {
        final DvmcHost.Port vm0 = new DvmcHost.Port("vm0", "net_vhost0,iface=" + dir.resolve("vm0.sock"));
        try (DvmcHost host = new DvmcHost(dir, List.of(vm0), List.of(), null))
        {
            host.dataplaneOptions("wait", 1, null);
            host.start();
            assertTrue(Files.exists(dir.resolve("vm0.sock")), "the dataplane listens on vm0.sock");

            host.dataplane().kill();
            assertTrue(Files.exists(dir.resolve("vm0.sock")), "kill -9 leaves the socket file behind");
            host.startDataplane();
            host.awaitCounter(host.dataplane(), "dataplane: store hand-overs", 1, DvmcHost.START);
            assertTrue(host.counters().containsKey("dataplane: port vm0 rx"), host.counters().toString());

            // A port added at run time, on a path where a dead process left its socket.
            final Path stale = dir.resolve("vm1.sock");
            try (ServerSocketChannel left = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
            {
                left.bind(UnixDomainSocketAddress.of(stale));
            }
            host.rewrite(List.of(vm0, new DvmcHost.Port("vm1", "net_vhost1,iface=" + stale)), List.of());
            host.dataplane().await("port vm1 to be attached", APPLIED,
                () -> host.counters().containsKey("dataplane: port vm1 rx"));
            host.dataplane().await("the poll loop to sleep on both ports' rx interrupts", APPLIED,
                () -> host.dataplane().log().contains("on its 0 port descriptors, 2 rx interrupts"));

            // vm1 goes while the poll loop sleeps on its interrupt: the loop lets it go and sleeps on vm0's alone.
            host.rewrite(List.of(vm0), List.of());
            host.dataplane().await("port vm1 to be detached", APPLIED,
                () -> !host.counters().containsKey("dataplane: port vm1 rx"));
            final long sleeps = host.counter("dataplane: loop sleeps");
            host.dataplane().await("the poll loop to sleep again", APPLIED,
                () -> host.counter("dataplane: loop sleeps") > sleeps);
            assertTrue(host.dataplane().log().contains("on its 0 port descriptors, 1 rx interrupts"),
                host.dataplane().log());
            assertEquals(0, host.counter("dataplane: dataplane errors"), host.dataplane().log());
        }
    }
}
