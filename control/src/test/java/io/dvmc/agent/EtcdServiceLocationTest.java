package io.dvmc.agent;

import io.dvmc.lab.FreePorts;
import io.dvmc.config.HostConfig;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcClient;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.ipc.TransmitMessage;
import io.dvmc.lab.Await;
import io.dvmc.lab.EtcdCluster;
import io.dvmc.policy.EtcdPolicyStore;
import io.dvmc.policy.PolicyListener;
import io.dvmc.policy.PolicyStore;
import io.dvmc.policy.PolicyStores;
import io.dvmc.service.DvmcService;
import io.dvmc.service.ServiceCounters;
import io.dvmc.service.ServiceMain;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Claim 1 at data-centre scale: the agent's service location cache, fed by the etcd policy service, follows a
 * domain whose services moved at once rather than when the cached location expires. Real etcd, real dvmc
 * services on loopback, the real agent (rings, lease store, DVMC client) as the host runs it.
 */
class EtcdServiceLocationTest
{
    private static final Path CAPTURES = Path.of("..", "protocol", "src", "test", "resources", "captures");
    private static final int DOMAIN = 100;
    private static final String DOMAIN_KEY = "/dvmc/domains/100";
    private static final String DOMAIN_VALUE = """
        { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
          "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "leaseSeconds": 600,
          "services": [ "127.0.0.1:%d" ] }
        """;
    private static final long LOCATION_TTL_MS = 30_000;

    @TempDir
    Path dir;

    private EtcdCluster etcd;
    private Client writer;
    private EtcdPolicyStore servicePolicy;
    private DvmcService first;
    private DvmcService second;
    private PolicyStore agentPolicy;
    private RingFiles rings;
    private CountersFile countersFile;
    private HostStores stores;
    private DvmcClient client;
    private HostAgent agent;
    private AgentCounters counters;

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(client, stores, rings, countersFile, PolicyStores.closer(agentPolicy), first,
            second, servicePolicy, writer, etcd);
    }

    private void putDomain(final int servicePort) throws Exception
    {
        writer.getKVClient().put(ByteSequence.from(DOMAIN_KEY, StandardCharsets.UTF_8),
            ByteSequence.from(DOMAIN_VALUE.formatted(servicePort), StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        // Host 1 has a VM of the domain, so the services answer it for that domain (PolicyStore.mayServe).
        writer.getKVClient().put(ByteSequence.from("/dvmc/bindings/1/0/02:00:00:64:00:01", StandardCharsets.UTF_8),
            ByteSequence.from("{ \"port\": \"vm1\", \"vlan\": 0, \"mac\": \"02:00:00:64:00:01\", \"domain\": 100, " +
                "\"vm\": \"6f1c1d2e-0000-4000-8000-000000000001\" }", StandardCharsets.UTF_8))
            .get(20, TimeUnit.SECONDS);
    }

    /** The agent as HostAgentMain assembles it, its policy store chosen by a host.json that names etcd. */
    private void startAgent() throws Exception
    {
        final Path hostJson = dir.resolve("host.json");
        Files.writeString(hostJson, """
            { "hostId": 1, "stateDir": "host", "keyFile": "cluster.key",
              "policy": { "etcd": [ "%s" ], "prefix": "/dvmc" } }
            """.formatted(String.join("\", \"", etcd.endpoints())));
        final HostConfig host = HostConfig.load(hostJson);
        agentPolicy = PolicyStores.open(host);
        assertInstanceOf(EtcdPolicyStore.class, agentPolicy);

        rings = RingFiles.open(host.statePath());
        countersFile = CountersFile.create(host.statePath().resolve(HostAgentMain.COUNTERS_FILE),
            AgentCounters.CAPACITY);
        final AgentCounters counters = new AgentCounters(countersFile);
        stores = new HostStores(host.statePath(), rings.toDataplane(), counters, 1024, 16, Duration.ofSeconds(30));
        stores.open();
        agent = new HostAgent(rings.toAgent(), rings.toDataplane(), stores,
            new ServiceLocator(agentPolicy, SystemEpochClock.INSTANCE, LOCATION_TTL_MS, counters), agentPolicy,
            counters, SystemEpochClock.INSTANCE, 16);
        client = new DvmcClient(new InetSocketAddress("127.0.0.1", 0), 0, 1, new Authenticator(new byte[32]),
            SystemEpochClock.INSTANCE, agent);
        agent.client(client);
        this.counters = counters;
    }

    /** A VM's DISCOVER through the agent; returns the message type of what the agent hands back to the VM. */
    private int discover() throws Exception
    {
        final UnsafeBuffer frame = new UnsafeBuffer(Files.readAllBytes(CAPTURES.resolve("udhcpc-discover.bin")));
        final int index = rings.toAgent().tryClaim(RingMessages.DHCP_REQUEST,
            DhcpRequestMessage.FRAME_OFFSET + frame.capacity());
        DhcpRequestMessage.write(rings.toAgent().buffer(), index, 3, 0, DOMAIN, 1, 2, System.currentTimeMillis(),
            frame, 0, frame.capacity());
        rings.toAgent().commit(index);

        final int[] type = new int[1];
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (type[0] == 0)
        {
            agent.doWork();
            rings.toDataplane().read((msgType, buffer, at, length) -> {
                if (msgType == RingMessages.TRANSMIT)
                {
                    final TransmitMessage message = new TransmitMessage().wrap(buffer, at);
                    final FrameView view = new FrameView();
                    new FrameClassifier().classify(buffer, message.frameOffset(), message.frameLength(), view);
                    type[0] = new DhcpPacket().wrap(buffer, view.payloadOffset(), view.payloadLength()).messageType();
                }
            });
            if (System.nanoTime() - deadline > 0)
            {
                fail("the agent sent nothing to the dataplane");
            }
        }
        return type[0];
    }

    @Test
    void aDomainWhoseServicesMovedInEtcdSendsItsNextVmToTheNewServiceAtOnce() throws Exception
    {
        etcd = EtcdCluster.start(1);
        writer = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
        final int firstPort = FreePorts.udp();
        final int secondPort = FreePorts.udp();
        putDomain(firstPort);
        servicePolicy = EtcdPolicyStore.connect(etcd.endpoints(), "/dvmc");
        first = ServiceMain.start(servicePolicy, new InetSocketAddress("127.0.0.1", firstPort), new byte[32],
            dir.resolve("first"), new BackoffIdleStrategy());
        second = ServiceMain.start(servicePolicy, new InetSocketAddress("127.0.0.1", secondPort), new byte[32],
            dir.resolve("second"), new BackoffIdleStrategy());
        startAgent();

        assertEquals(DhcpMessageType.OFFER, discover());
        // At least one: the agent retransmits a DISCOVER unanswered for 250 ms, and the service offers again.
        final long firstOffers = first.counters().get(ServiceCounters.Counter.OFFERS);
        assertTrue(firstOffers >= 1, "the first service made no offer");

        // Told after the agent's own listener, so once this hears of the change, the agent has been told too.
        final CountDownLatch told = new CountDownLatch(1);
        agentPolicy.addListener(new PolicyListener()
        {
            public void domainsChanged(final int[] domainIds)
            {
                told.countDown();
            }
        });
        putDomain(secondPort);
        assertTrue(told.await(10, TimeUnit.SECONDS), "the agent's store never heard of the change");
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", secondPort)), agentPolicy.serviceLocations(DOMAIN));

        // Well inside the 30 s the cached location would otherwise live.
        assertEquals(DhcpMessageType.OFFER, discover());
        assertTrue(second.counters().get(ServiceCounters.Counter.OFFERS) >= 1, "the new service made no offer");
        assertEquals(firstOffers, first.counters().get(ServiceCounters.Counter.OFFERS), "the old service was asked");
        assertEquals(1, counters.locationsInvalidated.get());
    }

    @Test
    void anEtcdRestartShowsInTheAgentsCountersAndLaterChangesStillArrive() throws Exception
    {
        etcd = EtcdCluster.start(1);
        writer = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
        final int firstPort = FreePorts.udp();
        putDomain(firstPort);
        startAgent();
        assertEquals(0, counters.policyWatchFailures.get());

        final EtcdCluster.Member member = etcd.members().get(0);
        etcd.kill(member);
        etcd.restart(member);
        // A broken watch is reported at once; one left hanging, after 15 s without an answer to a progress request.
        Await.until("the agent counted its policy watch's failure", Duration.ofSeconds(40), () -> {
            agent.doWork();
            return counters.policyWatchFailures.get() > 0;
        });
        final int secondPort = FreePorts.udp();
        putDomain(secondPort);
        Await.until("the agent's store took the change made after the restart", Duration.ofSeconds(30),
            () -> agentPolicy.serviceLocations(DOMAIN).equals(
                List.of(new InetSocketAddress("127.0.0.1", secondPort))));
    }
}
