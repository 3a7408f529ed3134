package io.dvmc.e2e;

import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.lab.Exec;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 3 (root): Debian's perfdhcp, which speaks as a DHCP relay (giaddr its interface address, hops 1, from port
 * 67), completes DORA exchanges through a relay-facing dataplane port (net_af_packet on its veth), the agent and
 * the service; the same relayed requests on a VM port are dropped and counted.
 */
class PerfdhcpRelayTest
{
    private static final Duration RUN = Duration.ofSeconds(60);
    private static final String GIADDR = "10.0.0.2";
    private static final int DOMAIN = 100;

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "perfdhcp");
    }

    /** The relay port's JSON: the link 10.0.0.0/24 (perfdhcp's giaddr) is domain 100's. */
    static String relayPortFields(final String serverIp, final int domain)
    {
        return "\"role\": \"relay\", \"relay\": { \"serverIp\": \"" + serverIp + "\", \"links\": [ " +
            "{ \"subnet\": \"10.0.0.0/24\", \"domain\": " + domain + " } ] }";
    }

    /** A domain with room for every MAC perfdhcp cycles through. */
    static String domainJson(final int id)
    {
        return "{ \"id\": " + id + ", \"name\": \"bench\", \"subnet\": \"10.64.0.0/16\", \"router\": \"10.64.0.1\"," +
            " \"pools\": [ { \"start\": \"10.64.1.0\", \"end\": \"10.64.255.250\" } ], \"dns\": [ \"10.64.0.53\" ]," +
            " \"leaseSeconds\": 600, \"hostLeaseSeconds\": 2400 }";
    }

    @Test
    void perfdhcpCompletesMostDoraExchangesThroughARelayPortAndItsRelayedDiscoversOnAVmPortAreDroppedAndCounted()
        throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(2))
        {
            final NetnsLab.Vm relaySide = lab.vm(0);
            final NetnsLab.Vm vmSide = lab.vm(1);
            final List<DvmcHost.Port> ports = List.of(
                new DvmcHost.Port("relay", lab.afPacketVdev(relaySide), "drop", relayPortFields("10.0.0.250", DOMAIN)),
                new DvmcHost.Port("vm1", lab.afPacketVdev(vmSide)));
            final List<DvmcHost.Binding> bindings = List.of(new DvmcHost.Binding("vm1", vmSide.mac(), DOMAIN,
                UUID.nameUUIDFromBytes(vmSide.mac().getBytes()).toString()));
            try (DvmcHost host = new DvmcHost(dir, ports, bindings, lab.hostNs()))
            {
                host.domains(List.of(domainJson(DOMAIN)));
                host.start();
                // perfdhcp needs an address on its interface: it is the giaddr of every request it sends.
                lab.exec(relaySide.ns(), "ip", "addr", "add", GIADDR + "/24", "dev", relaySide.ifname());
                lab.exec(vmSide.ns(), "ip", "addr", "add", "10.0.0.3/24", "dev", vmSide.ifname());

                final Perfdhcp relayed = Perfdhcp.run(lab, relaySide, "-r", "20", "-R", "200", "-n", "200");
                assertTrue(relayed.discoversSent() >= 200, relayed.output());
                assertTrue(relayed.acksReceived() >= 0.9 * relayed.discoversSent(),
                    "most DORA exchanges completed: " + relayed.acksReceived() + " of " + relayed.discoversSent() +
                        "\n" + relayed.output() + "\n" + host.counters());
                assertTrue(host.counter("dataplane: relayed requests") >= relayed.acksReceived(),
                    host.counters().toString());

                // A relay that unicasts to the port's server address resolves it first: the dataplane answers its ARP.
                final Perfdhcp unicast = Perfdhcp.run(lab, relaySide, "-r", "20", "-R", "50", "-n", "60", "10.0.0.250");
                assertTrue(unicast.acksReceived() >= 0.9 * unicast.discoversSent() && unicast.discoversSent() > 0,
                    unicast.output() + "\n" + host.counters());

                final Perfdhcp onVmPort = Perfdhcp.run(lab, vmSide, "-r", "5", "-R", "5", "-p", "3");
                assertTrue(onVmPort.discoversSent() > 0, onVmPort.output());
                assertEquals(0, onVmPort.offersReceived(), onVmPort.output());
                assertTrue(host.counter("dataplane: relayed DHCP on VM port dropped") >= onVmPort.discoversSent() - 1,
                    host.counters().toString());
                assertEquals(0, host.counter("dataplane: relay port: not relayed dropped"), host.counters().toString());
            }
        }
    }

    /**
     * What one perfdhcp run, as a relay on {@code vm}'s interface, reports; it broadcasts to the server unless the
     * last argument names the server's address.
     */
    record Perfdhcp(String output, long discoversSent, long offersReceived, long acksReceived)
    {
        private static final Pattern SECTION = Pattern
            .compile("Statistics for: ([A-Z-]+)\\*+\\s+sent packets: (\\d+)\\s+received packets: (\\d+)");

        static Perfdhcp run(final NetnsLab lab, final NetnsLab.Vm vm, final String... args)
        {
            // A request counts as lost only once the agent would drop it as stale, and perfdhcp waits as long for
            // the last replies: on a busy machine an exchange takes more than perfdhcp's default second.
            final String drop = Double.toString(DhcpRequestMessage.MAX_AGE_MS / 1000.0);
            final String exitWait = Long.toString(DhcpRequestMessage.MAX_AGE_MS * 1000);
            final String[] command = new String[args.length + 10];
            command[0] = "perfdhcp";
            command[1] = "-4";
            command[2] = "-l";
            command[3] = vm.ifname();
            command[4] = "-d";
            command[5] = drop;
            command[6] = "-d";
            command[7] = drop;
            command[8] = "-W";
            command[9] = exitWait;
            System.arraycopy(args, 0, command, 10, args.length);
            final Exec.Result result = lab.run(vm.ns(), RUN, command);
            // Exit code 3: some exchanges were dropped, which the caller judges.
            assertTrue(result.exitCode() == 0 || result.exitCode() == 3, result.describe());
            return parse(result.output());
        }

        static Perfdhcp parse(final String output)
        {
            long discovers = -1;
            long offers = -1;
            long acks = -1;
            final Matcher m = SECTION.matcher(output);
            while (m.find())
            {
                if (m.group(1).equals("DISCOVER-OFFER"))
                {
                    discovers = Long.parseLong(m.group(2));
                    offers = Long.parseLong(m.group(3));
                }
                else if (m.group(1).equals("REQUEST-ACK"))
                {
                    acks = Long.parseLong(m.group(3));
                }
            }
            assertTrue(discovers >= 0 && acks >= 0, "no perfdhcp statistics in:\n" + output);
            return new Perfdhcp(output, discovers, offers, acks);
        }
    }
}
