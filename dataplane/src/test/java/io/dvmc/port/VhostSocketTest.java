package io.dvmc.port;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VhostSocketTest
{

    @TempDir
    Path dir;

    /** A socket file left by a process that died: a listener closed without unlinking, as kill -9 leaves it. */
    private Path staleSocket(String name) throws Exception
    {
        Path path = dir.resolve(name);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            server.bind(UnixDomainSocketAddress.of(path));
        }
        assertTrue(Files.exists(path));
        return path;
    }

    @Test
    void aSocketNobodyListensOnIsRemovedSoTheRestartedDataplaneCanBindIt() throws Exception
    {
        Path path = staleSocket("vm.sock");
        assertEquals(path, VhostSocket.removeStale("net_vhost0,iface=" + path + ",queues=1"));
        assertTrue(Files.notExists(path));
    }

    @Test
    void aSocketWithALiveListenerIsLeftToItsOwner() throws Exception
    {
        Path path = dir.resolve("live.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            server.bind(UnixDomainSocketAddress.of(path));
            assertNull(VhostSocket.removeStale("net_vhost0,iface=" + path));
            assertTrue(Files.exists(path));
        }
    }

    @Test
    void aRegularFileAClientModePortAndOtherDevicesAreNeverTouched() throws Exception
    {
        Path file = Files.writeString(dir.resolve("not-a-socket"), "x");
        Path stale = staleSocket("qemu.sock");
        assertNull(VhostSocket.removeStale("net_vhost0,iface=" + file));
        assertNull(VhostSocket.removeStale("net_vhost1,iface=" + stale + ",client=1"));
        assertNull(VhostSocket.removeStale("net_af_packet0,iface=" + stale));
        assertNull(VhostSocket.removeStale("net_vhost2,iface=" + dir.resolve("absent.sock")));
        assertTrue(Files.exists(file) && Files.exists(stale));
    }
}
