package io.dvmc.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.etcd.jetcd.Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dvmc ctl bind}: binds a VM on a host (port, VLAN, MAC) to a domain in etcd; the host's agent and dataplane
 * apply it at runtime. An unknown domain is refused.
 */
@Command(name = "bind", mixinStandardHelpOptions = true,
    description = "Binds a VM (host, port, VLAN, MAC) to a domain in etcd.")
final class BindCommand extends EtcdCommand
{
    @Option(names = "--host", required = true, description = "host id")
    String host;

    @Option(names = "--port", required = true, description = "the host's port name, e.g. vm1")
    String port;

    @Option(names = "--vlan", defaultValue = "0", description = "VLAN id, 0 for untagged (default: 0)")
    int vlan;

    @Option(names = "--mac", required = true, description = "the VM's MAC")
    String mac;

    @Option(names = "--domain", required = true, description = "domain id or name")
    String domain;

    @Option(names = "--vm", required = true, description = "the VM's UUID")
    String vm;

    int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
    {
        final long macValue = CtlArguments.mac("--mac", mac);
        final long domainId = Integer.toUnsignedLong(admin.find(domain).domain().id());
        final HostConfig.Binding b = new HostConfig.Binding(port, vlan, Addresses.mac(macValue), domainId, vm);
        final long revision = admin.bind(host, b);
        if (json)
        {
            CliJson.print(binding(host, b).put("revision", revision));
        }
        else
        {
            System.out.println("bound " + b.mac() + " (vlan " + vlan + ", port " + port + ") on host " + host +
                " to domain " + domainId + " at revision " + revision);
        }
        return 0;
    }

    /** A binding as JSON, with its host: the etcd value's fields after "host". */
    static ObjectNode binding(final String host, final HostConfig.Binding b)
    {
        return CliJson.object().put("host", host).put("port", b.port()).put("vlan", b.vlan())
            .put("mac", b.mac()).put("domain", b.domain()).put("vm", b.vm());
    }
}
