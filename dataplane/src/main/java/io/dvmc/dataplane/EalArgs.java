package io.dvmc.dataplane;

import io.dvmc.config.HostConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The EAL arguments of a dataplane, without the program name: one main lcore, every configured PCI NIC
 * allow-listed (vdevs are hot-plugged afterwards, {@link PortTable}), and the memory set-up. Without hugepages (the
 * default here): {@code --no-huge -m N --no-shconf}; a host with hugepages passes {@code --in-memory} in
 * {@code extraEal} and gets it instead of {@code --no-huge}.
 */
public final class EalArgs
{
    private EalArgs()
    {
    }

    public static List<String> of(final HostConfig.Dataplane dataplane)
    {
        final List<String> args = new ArrayList<>();
        args.add("-l");
        args.add(Integer.toString(dataplane.lcore()));
        final boolean hugepages = dataplane.extraEal().contains("--in-memory");
        if (!hugepages)
        {
            args.add("--no-huge");
        }
        args.add("-m");
        args.add(Integer.toString(dataplane.memoryMb()));
        args.add("--no-shconf");
        args.add("--no-telemetry");
        boolean pci = false;
        for (final HostConfig.Port port : dataplane.ports())
        {
            // A PCI NIC (bound to vfio-pci) is allow-listed with -a. vdevs are hot-plugged once the EAL runs
            // (PortTable), so that one whose device is missing does not stop the EAL and every other port with it.
            if (!isVdev(port))
            {
                args.add("-a");
                args.add(port.device());
                pci = true;
            }
        }
        if (!pci)
        {
            args.add("--no-pci");
        }
        args.addAll(dataplane.extraEal());
        return args;
    }

    /** Whether the port is a virtual device (net_af_packet, net_vhost, net_tap, ...), which can be hot-plugged. */
    public static boolean isVdev(final HostConfig.Port port)
    {
        return port.device().startsWith("net_");
    }

    /** The ethdev name of a port: the vdev name before its arguments, or a PCI address as given. */
    public static String deviceName(final HostConfig.Port port)
    {
        final int comma = port.device().indexOf(',');
        return comma < 0 ? port.device() : port.device().substring(0, comma);
    }
}
