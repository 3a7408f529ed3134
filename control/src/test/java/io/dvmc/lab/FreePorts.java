package io.dvmc.lab;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * UDP and TCP ports on loopback for a test's services, each free when given and never given twice in this JVM. They are
 * taken below the kernel's ephemeral range, so no socket bound to port 0 meanwhile (a client, another service's
 * socket) can take one before the service it was given to binds it, and two given one after the other are never the
 * same port, as two sockets bound to port 0 and closed in turn can be.
 */
public final class FreePorts
{
    private static final int LOWEST = 10_000;
    private static final int TRIES = 1_000;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts()
    {
    }

    /** A UDP port of 127.0.0.1 that nothing holds now and that this JVM has not given before. */
    public static int udp()
    {
        return take("UDP", port -> new DatagramSocket(port, InetAddress.getLoopbackAddress()));
    }

    /** A TCP port of 127.0.0.1 that nothing listens on now and that this JVM has not given before. */
    public static int tcp()
    {
        return take("TCP", port -> new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
    }

    private interface Probe
    {
        Closeable bind(int port) throws IOException;
    }

    private static int take(final String protocol, final Probe probe)
    {
        final int below = ephemeralLow();
        for (int i = 0; i < TRIES; i++)
        {
            final int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (!GIVEN.add(port))
            {
                continue;
            }
            try (Closeable held = probe.bind(port))
            {
                return port;
            }
            catch (final IOException taken)
            {
                // Another process's: try another.
            }
        }
        throw new LabException("no free " + protocol + " port on loopback from " + LOWEST + " to " + (below - 1) +
            " in " + TRIES + " tries");
    }

    /** The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range). */
    static int ephemeralLow()
    {
        // One read from offset 0: Files.readString reads this file's first byte alone, and the sysctl then gives
        // nothing to a read at offset 1 ("3", not "32768 60999").
        try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range")))
        {
            final int low = Integer.parseInt(reader.readLine().strip().split("\\s+")[0]);
            if (low <= LOWEST + 1_000)
            {
                throw new LabException("the ephemeral port range starts at " + low + ": no room below it for test " +
                    "ports from " + LOWEST);
            }
            return low;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
