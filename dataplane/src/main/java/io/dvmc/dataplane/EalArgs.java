package io.dvmc.dataplane;

import io.dvmc.config.HostConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The EAL arguments of a dataplane, without the program name (DESIGN §3): one main lcore, every configured port as a vdev, and the
 * memory set-up. Without hugepages (the default here): {@code --no-huge -m N --no-shconf}; a host with
 * hugepages passes {@code --in-memory} in {@code extraEal} and gets it instead of {@code --no-huge}.
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
            // vdevs are created by the EAL from --vdev; a PCI NIC (bound to vfio-pci) is allow-listed with -a.
            if (isVdev(port))
            {
                args.add("--vdev=" + port.device());
            }
            else
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
