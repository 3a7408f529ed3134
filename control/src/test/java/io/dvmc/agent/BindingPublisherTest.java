package io.dvmc.agent;

import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.config.HostConfigWatch;
import io.dvmc.ipc.BindingMessage;
import io.dvmc.ipc.CountersFile;
import io.dvmc.ipc.RingFiles;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.relay.RelayedClient;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's side of runtime bindings on its real parts: a host.json on disk, the ring to the dataplane, the
 * host's lease store. What the dataplane is told is read back from the ring as its worker reads it.
 */
class BindingPublisherTest
{
    private static final String A = "02:00:00:64:00:0a";
    private static final String B = "02:00:00:64:00:0b";
    private static final String VM_A = "6f1c1d2e-0000-4000-8000-00000000000a";
    private static final String VM_B = "6f1c1d2e-0000-4000-8000-00000000000b";

    @TempDir
    Path dir;

    private RingFiles rings;
    private CountersFile countersFile;
    private AgentCounters counters;
    private HostStores stores;
    private Path hostJson;
    private HostConfigBindings source;
    private BindingPublisher publisher;
    private long now = 1_000_000;

    private record Told(String type, String mac, String port, int domain)
    {
    }

    @BeforeEach
    void start() throws Exception
    {
        rings = RingFiles.open(dir, 64 * 1024);
        countersFile = CountersFile.create(dir.resolve("agent-counters.dat"), AgentCounters.CAPACITY);
        counters = new AgentCounters(countersFile);
        stores = new HostStores(dir, rings.toDataplane(), counters, 1024, 16, Duration.ofSeconds(10));
        stores.open();
        hostJson = dir.resolve("host.json");
        writeHostJson(List.of(binding(A, "vm1", VM_A)));
        source = new HostConfigBindings(hostJson, HostConfig.load(hostJson), HostConfigWatch.CHECK_INTERVAL_MS,
            counters.hostConfigRefused);
        publisher = new BindingPublisher(source, rings.toDataplane(), stores, counters, () -> now);
        told();
    }

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(stores, rings, countersFile);
    }

    private static String binding(final String mac, final String port, final String vm)
    {
        return "{ \"port\": \"" + port + "\", \"vlan\": 0, \"mac\": \"" + mac + "\", \"domain\": 100, \"vm\": \"" + vm +
            "\" }";
    }

    private void writeHostJson(final List<String> bindings) throws Exception
    {
        writeHostJson("{ \"hostId\": 1, \"stateDir\": \"state\", \"keyFile\": \"cluster.key\"," +
            " \"policyFile\": \"policy.json\"," +
            " \"dataplane\": { \"ports\": [ { \"name\": \"vm1\", \"device\": \"net_ring0\" }," +
            " { \"name\": \"vm2\", \"device\": \"net_ring1\" } ] }, \"bindings\": [ " + String.join(", ", bindings) +
            " ] }");
    }

    private void writeHostJson(final String text) throws Exception
    {
        final Path tmp = dir.resolve("host.json.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, hostJson, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Everything the dataplane has been told since the last call, as its worker reads the ring. */
    private List<Told> told()
    {
        final List<Told> told = new ArrayList<>();
        final BindingMessage message = new BindingMessage();
        rings.toDataplane().read((type, buffer, index, length) -> {
            if (type == RingMessages.BINDING_ADD || type == RingMessages.BINDING_REMOVE)
            {
                message.wrap(buffer, index, length);
                assertTrue(message.valid());
                told.add(new Told(RingMessages.name(type), Addresses.mac(message.mac()), message.portName(),
                    message.domainId()));
            }
            else if (type == RingMessages.BINDINGS_SYNC_START || type == RingMessages.BINDINGS_SYNC_END)
            {
                told.add(new Told(RingMessages.name(type), null, null, 0));
            }
        });
        return told;
    }

    private void putLease(final String mac, final String vm)
    {
        final UUID id = UUID.fromString(vm);
        stores.putLease(100, Addresses.parseMac(mac), new LeaseRecord().clear().ip(0x0A00_0064).state(LeaseState.BOUND)
            .vmLeaseSeconds(600).hostLeaseExpiryMillis(System.currentTimeMillis() + 2_400_000)
            .vmId(id.getMostSignificantBits(), id.getLeastSignificantBits()).seal());
    }

    private boolean hasLease(final String mac)
    {
        return stores.lease(100, Addresses.parseMac(mac), new LeaseRecord());
    }

    private static Told add(final String mac, final String port)
    {
        return new Told("BINDING_ADD", mac, port, 100);
    }

    private static Told remove(final String mac, final String port)
    {
        return new Told("BINDING_REMOVE", mac, port, 100);
    }

    private static final Told SYNC_START = new Told("BINDINGS_SYNC_START", null, null, 0);
    private static final Told SYNC_END = new Told("BINDINGS_SYNC_END", null, null, 0);

    @Test
    void atStartTheAgentSendsItsCompleteSetAndRemovesTheHostLeasesNoBindingAccountsFor()
    {
        putLease(A, VM_A);
        putLease(B, VM_B);
        publisher.doWork();
        assertEquals(List.of(SYNC_START, add(A, "vm1"), SYNC_END), told());
        // Removed by the sweep the publisher starts, which the agent walks in steps between its other work.
        while (stores.sweeping())
        {
            stores.sweepStep(0);
        }
        assertTrue(hasLease(A));
        assertFalse(hasLease(B), "a VM no longer bound here keeps its host lease");
    }

    @Test
    void atStartTheHostLeaseOfAClientBehindARelayStaysThoughNoBindingNamesIt()
    {
        final long mac = Addresses.parseMac(B);
        putLease(B, new UUID(RelayedClient.vmMsb(100), RelayedClient.vmLsb(mac)).toString());
        publisher.doWork();
        while (stores.sweeping())
        {
            stores.sweepStep(0);
        }
        assertTrue(hasLease(B), "a relayed client lost its host lease when the agent started");
    }

    @Test
    void anEditOfHostJsonBecomesAddAndRemoveMessagesAndTheRemovedVmLosesItsHostLease() throws Exception
    {
        publisher.doWork();
        told();
        putLease(A, VM_A);
        writeHostJson(List.of(binding(B, "vm2", VM_B)));
        now += HostConfigWatch.CHECK_INTERVAL_MS;
        publisher.doWork();
        assertEquals(List.of(remove(A, "vm1"), add(B, "vm2")), told());
        assertFalse(hasLease(A));
    }

    @Test
    void aVmIsBoundHereOnlyWhileABindingNamesIt() throws Exception
    {
        publisher.doWork();
        assertTrue(publisher.isBound(100, Addresses.parseMac(A)));
        assertFalse(publisher.isBound(100, Addresses.parseMac(B)));
        assertFalse(publisher.isBound(200, Addresses.parseMac(A)), "the same MAC in another domain");
        writeHostJson(List.of(binding(B, "vm2", VM_B)));
        now += HostConfigWatch.CHECK_INTERVAL_MS;
        publisher.doWork();
        assertFalse(publisher.isBound(100, Addresses.parseMac(A)), "a reply for A's exchange is no longer taken");
        assertTrue(publisher.isBound(100, Addresses.parseMac(B)));
    }

    @Test
    void aVmMovedToAnotherPortOfThisHostIsReboundThereAndKeepsItsHostLease() throws Exception
    {
        publisher.doWork();
        told();
        putLease(A, VM_A);
        writeHostJson(List.of(binding(A, "vm2", VM_A)));
        now += HostConfigWatch.CHECK_INTERVAL_MS;
        publisher.doWork();
        assertEquals(List.of(add(A, "vm2")), told());
        assertTrue(hasLease(A));
    }

    @Test
    void anEditThatDoesNotValidateIsRefusedAndTheBindingsInForceStay() throws Exception
    {
        publisher.doWork();
        told();
        putLease(A, VM_A);
        writeHostJson(List.of(binding(A, "vm3", VM_A)));
        now += HostConfigWatch.CHECK_INTERVAL_MS;
        publisher.doWork();
        writeHostJson("{ \"hostId\": 1, ");
        now += HostConfigWatch.CHECK_INTERVAL_MS;
        publisher.doWork();
        assertEquals(List.of(), told());
        assertEquals(2, counters.hostConfigRefused.get());
        assertTrue(hasLease(A));

        writeHostJson(List.of());
        now += HostConfigWatch.CHECK_INTERVAL_MS;
        publisher.doWork();
        assertEquals(List.of(remove(A, "vm1")), told());
    }

    @Test
    void aChangeIsSeenAtTheNextCheckAndAtOnceAfterASighup() throws Exception
    {
        publisher.doWork();
        told();
        writeHostJson(List.of());
        publisher.doWork();
        assertEquals(List.of(), told(), "looked at the file before its check interval");
        source.reload();
        publisher.doWork();
        assertEquals(List.of(remove(A, "vm1")), told());
    }

    @Test
    void aDataplaneThatSaysHelloGetsTheCompleteSetAgain()
    {
        publisher.doWork();
        told();
        publisher.onDataplaneHello();
        publisher.doWork();
        assertEquals(List.of(SYNC_START, add(A, "vm1"), SYNC_END), told());
    }

    @Test
    void whatAFullRingRefusesGoesOutLaterInOrder() throws Exception
    {
        publisher.doWork();
        told();
        final UnsafeBuffer filler = new UnsafeBuffer(new byte[1024]);
        for (final int length : new int[]{filler.capacity(), 0})
        {
            while (rings.toDataplane().write(RingMessages.DOMAIN_CHANGED, filler, 0, length))
            {
                // until not even an empty record fits
            }
        }
        writeHostJson(List.of(binding(B, "vm2", VM_B)));
        source.reload();
        publisher.doWork();
        assertEquals(List.of(), told(), "the ring was full");
        publisher.doWork();
        assertEquals(List.of(remove(A, "vm1"), add(B, "vm2")), told());
    }
}
