package io.dvmc.lab;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

class FreePortsTest
{
    @Test
    void udpAndTcpPortsGivenOneAfterAnotherAreDistinctBindableAndOutsideTheRangeThatPortZeroDrawsFrom()
        throws IOException
    {
        final int ephemeralLow = FreePorts.ephemeralLow();
        final Set<Integer> given = new HashSet<>();
        for (int i = 0; i < 500; i++)
        {
            final int tcp = FreePorts.tcp();
            assertTrue(given.add(tcp), "port " + tcp + " given twice");
            assertTrue(tcp < ephemeralLow, "port " + tcp + " is in the ephemeral range, from " + ephemeralLow);
            try (ServerSocket service = new ServerSocket(tcp, 1, InetAddress.getLoopbackAddress()))
            {
                assertTrue(service.isBound());
            }
            final int port = FreePorts.udp();
            assertTrue(given.add(port), "port " + port + " given twice");
            assertTrue(port < ephemeralLow, "port " + port + " is in the ephemeral range, from " + ephemeralLow);
            try (DatagramSocket service = new DatagramSocket(port, InetAddress.getLoopbackAddress()))
            {
                assertTrue(service.isBound());
            }
        }
    }
}
