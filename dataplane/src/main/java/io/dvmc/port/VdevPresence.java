package io.dvmc.port;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether what a vdev's arguments name is there before the EAL is asked to create it: the interface of a
 * {@code net_af_packet} port, the socket a {@code net_vhost} client connects to, the capture file or interface of a
 * {@code net_pcap} port. A port waiting for its VM's tap is tried every few seconds, and a probe that fails makes
 * the driver log its own lines each time; this check fails quietly and says what is missing. What it does not know
 * (other drivers, other arguments) it leaves to the driver.
 */
public final class VdevPresence
{
    private static final MethodHandle IF_NAMETOINDEX = Linker.nativeLinker().downcallHandle(
        Linker.nativeLinker().defaultLookup().find("if_nametoindex").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private VdevPresence()
    {
    }

    /**
     * @param device the vdev as configured, {@code name,key=value,...}.
     * @return what is missing, for the log; null if nothing known to be needed is missing.
     */
    public static String absence(final String device)
    {
        final String[] parts = device.split(",");
        final String driver = parts[0];
        boolean vhostClient = false;
        String vhostSocket = null;
        for (int i = 1; i < parts.length; i++)
        {
            final int eq = parts[i].indexOf('=');
            if (eq < 0)
            {
                continue;
            }
            final String key = parts[i].substring(0, eq).trim();
            final String value = parts[i].substring(eq + 1).trim();
            if (driver.startsWith("net_vhost"))
            {
                vhostClient |= key.equals("client") && value.equals("1");
                vhostSocket = key.equals("iface") ? value : vhostSocket;
                continue;
            }
            final String missing = switch (key)
            {
                case "iface", "rx_iface", "rx_iface_in", "tx_iface", "remote" ->
                    driver.startsWith("net_af_packet") || driver.startsWith("net_pcap") ||
                        key.equals("remote") && driver.startsWith("net_tap") ? missingInterface(value) : null;
                case "rx_pcap" -> driver.startsWith("net_pcap") && !Files.isReadable(Path.of(value))
                    ? "capture file " + value + " does not exist or is not readable"
                    : null;
                default -> null;
            };
            if (missing != null)
            {
                return missing;
            }
        }
        // A vhost-user server (the default) creates its socket; a client needs the VM's.
        return vhostClient && vhostSocket != null && !Files.exists(Path.of(vhostSocket))
            ? "vhost-user socket " + vhostSocket + " does not exist (client=1: the VM's QEMU creates it)"
            : null;
    }

    private static String missingInterface(final String name)
    {
        // if_nametoindex asks the kernel in this process's network namespace, as the driver will. Not
        // NetworkInterface.getByName, which lists only interfaces with an address (a VM's tap has none), nor /sys,
        // which may be another namespace's.
        try (Arena arena = Arena.ofConfined())
        {
            return (int)IF_NAMETOINDEX.invokeExact(arena.allocateFrom(name)) == 0
                ? "interface " + name + " does not exist in the dataplane's network namespace"
                : null;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("interface " + name + ": if_nametoindex: " + t, t);
        }
    }
}
