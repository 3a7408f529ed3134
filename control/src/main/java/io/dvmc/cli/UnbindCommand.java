package io.dvmc.cli;

import io.dvmc.config.Addresses;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.etcd.jetcd.Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dvmc ctl unbind}: removes a VM's binding on a host from etcd. */
@Command(name = "unbind", mixinStandardHelpOptions = true,
    description = "Removes a VM's binding (host, VLAN, MAC) from etcd.")
final class UnbindCommand extends EtcdCommand
{
    @Option(names = "--host", required = true, description = "host id")
    String host;

    @Option(names = "--vlan", defaultValue = "0", description = "VLAN id (default: 0)")
    int vlan;

    @Option(names = "--mac", required = true, description = "the VM's MAC")
    String mac;

    int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
    {
        final long macValue = CtlArguments.mac("--mac", mac);
        final EtcdPolicyAdmin.HostBinding removed = admin.unbind(host, vlan, macValue);
        if (removed == null)
        {
            throw new BadInputException(Addresses.mac(macValue) + " is not bound on vlan " + vlan + " of host " + host);
        }
        if (json)
        {
            CliJson.print(CliJson.object().set("unbound", BindCommand.binding(host, removed.binding())));
        }
        else
        {
            System.out.println("unbound " + removed.binding().mac() + " (vlan " + vlan + ") on host " + host +
                " from domain " + removed.binding().domain());
        }
        return 0;
    }
}
