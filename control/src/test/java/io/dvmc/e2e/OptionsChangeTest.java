package io.dvmc.e2e;

import io.dvmc.lab.Await;
import io.dvmc.lab.DhcpClients;
import io.dvmc.lab.Lease;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import io.dvmc.lab.UdhcpcSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 3 (root): an operator changes a domain's DNS in the policy; a real client already bound behind the host gets
 * the new DNS at its next renewal, answered on the host by the fast path, without any other VM of the domain taking
 * the slow path first.
 */
class OptionsChangeTest
{
    private static final Duration BIND = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    @BeforeEach
    void prerequisites()
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "udhcpc");
    }

    @Test
    void aDnsChangeInThePolicyReachesABoundClientAtItsNextRenewalOnTheFastPath() throws Exception
    {
        try (NetnsLab lab = NetnsLab.create(1);
            DhcpClients clients = new DhcpClients(true);
            DvmcHost host = EndToEndTest.host(dir, lab, 100))
        {
            host.start();
            final NetnsLab.Vm vm = lab.vm(0);
            try (UdhcpcSession session = clients.start(vm.ns(), vm.ifname()))
            {
                final Lease bound = session.awaitLease(BIND);
                assertEquals(List.of("10.0.0.53"), bound.dns());
                final long slowPathExchanges = host.counter("agent: DVMC exchanges started");

                host.editPolicy(json -> json.replace("\"dns\": [ \"10.0.0.53\" ]", "\"dns\": [ \"10.0.0.99\" ]"));
                final long fastAcks = host.counter("dataplane: fast path ACK");
                host.awaitCounter(host.agent(), "agent: domain options asked for after a policy change", 1,
                    Duration.ofSeconds(20));
                final Lease[] last = new Lease[1];
                // The service may read the edit a moment after the agent: renew until the answer carries it.
                Await.within(Duration.ofSeconds(20), () -> {
                    session.renew();
                    last[0] = session.awaitEvent("renew", Duration.ofSeconds(5)).lease(vm.ns());
                    return last[0].dns().equals(List.of("10.0.0.99"));
                });
                final Lease renewed = last[0];

                assertEquals(List.of("10.0.0.99"), renewed.dns(), host.counters() + "\n" + host.logs());
                assertEquals(bound.ip(), renewed.ip());
                assertEquals(slowPathExchanges, host.counter("agent: DVMC exchanges started"),
                    "the renewal took the slow path");
                host.awaitReplies("dataplane: fast path ACK", fastAcks + 1);
            }
        }
    }
}
