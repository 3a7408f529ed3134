package io.dvmc.dataplane;

import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.OptionWriter;
import io.dvmc.ipc.BindingMessage;
import io.dvmc.ipc.RingMessages;
import io.dvmc.lease.DomainRecord;
import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.lease.LeaseStore;
import io.dvmc.port.PcapFile;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 2 (net_pcap): {@code workers: 0}, where the poll loop calls the worker itself and sends its replies from its
 * own tx bursts, answers the same frames with the same bytes and the same counts as {@code workers: 1}, where the
 * worker has a thread and a queue each way.
 */
class InlineWorkerTest
{
    private static final long MAC = 0x02DC_0000_0001L;
    private static final int LEASED_IP = 0xC000_0293; // 192.0.2.147, the captured udhcpc VM's
    private static final int SERVER = 0xC000_0201; // 192.0.2.1
    private static final int DOMAIN = 100;
    /** An OFFER, two ACKs and an ARP reply on the fast path; a RELEASE to the agent; an unbound VM dropped. */
    private static final List<String> FRAMES = List.of("udhcpc-discover.bin", "udhcpc-request-selecting.bin",
        "udhcpc-request-renewing.bin", "arp-request-for-server.bin", "dhclient-discover.bin", "udhcpc-release.bin");
    private static final List<String> COUNTERS = List.of("port vm1 rx", "port vm1 tx", "port vm1 rx DHCP",
        "client DHCP frames", "ARP frames", "ARP replies for virtual servers", "fast path OFFER", "fast path ACK",
        "slow path to agent", "unbound MAC dropped", "tx failed", "worker queue full dropped", "tx queue full dropped");

    @TempDir
    Path dir;

    @Test
    void thePollLoopCallingTheWorkerItselfAnswersByteForByteAsAWorkerOnItsOwnThread() throws Exception
    {
        final Run inline = run(dir.resolve("workers-0"), 0);
        final Run threaded = run(dir.resolve("workers-1"), 1);

        assertEquals(threaded.counters, inline.counters);
        assertEquals(4, inline.replies.size(), inline.counters::toString);
        for (int i = 0; i < threaded.replies.size(); i++)
        {
            assertArrayEquals(threaded.replies.get(i), inline.replies.get(i), "reply " + i);
        }
    }

    private record Run(List<byte[]> replies, Map<String, Long> counters)
    {
    }

    private static Run run(final Path dir, final int workers) throws Exception
    {
        final Path state = dir.resolve("host");
        Files.createDirectories(state);
        final Path vm1Rx = dir.resolve("vm1-rx.pcap");
        final Path vm1Tx = dir.resolve("vm1-tx.pcap");
        final Path uplinkRx = dir.resolve("uplink-rx.pcap");
        PcapFile.write(vm1Rx, FRAMES.stream().map(Crafted::capture).toList());
        PcapFile.write(uplinkRx, List.of());
        final String uplink = DataplaneProcess.pcapPort("uplink", 1, uplinkRx, dir.resolve("uplink-tx.pcap"), "");
        final String vm1 = DataplaneProcess.pcapPort("vm1", 0, vm1Rx, vm1Tx, "");
        final LeaseStore leases = LeaseStore.openWriter(state.resolve(LeaseStore.FILE), 64);
        final DomainStore domains = DomainStore.openWriter(state.resolve(StoreAccess.DOMAINS_FILE), 16);
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, "\"workers\": " + workers, List.of(uplink),
            List.of()))
        {
            leaseReadyAndBound(dataplane, leases, domains, 1);
            // The VM's port comes once the stores are open and the VM is bound, so that its frames meet both.
            DataplaneProcess.writeConfig(dir, "\"workers\": " + workers, List.of(vm1, uplink), List.of());
            dataplane.await("every frame handled", DataplaneProcess.START, () -> {
                final Map<String, Long> c = dataplane.counters();
                return c.getOrDefault("port vm1 rx", 0L) == FRAMES.size() &&
                    c.getOrDefault("port vm1 tx", 0L) == 4 && c.getOrDefault("slow path to agent", 0L) == 1 &&
                    c.getOrDefault("unbound MAC dropped", 0L) == 1 &&
                    c.getOrDefault("fast path OFFER", 0L) + c.getOrDefault("fast path ACK", 0L) == 3;
            });
            final Map<String, Long> all = dataplane.counters();
            final Map<String, Long> counters = new TreeMap<>();
            COUNTERS.forEach(label -> counters.put(label, all.getOrDefault(label, -1L)));
            assertEquals(143, dataplane.stop(), dataplane.log());
            return new Run(PcapFile.read(vm1Tx), counters);
        }
        finally
        {
            CloseHelper.quietCloseAll(leases, domains);
        }
    }

    /**
     * Plays the agent: the captured udhcpc VM's lease and its domain in the stores, READY, and its binding on port
     * vm1; returns once each of the dataplane's {@code lanes} has the stores open and the binding is in force.
     */
    static void leaseReadyAndBound(final DataplaneProcess dataplane, final LeaseStore leases,
        final DomainStore domains, final int lanes)
    {
        storesWithALease(leases, domains);
        final UnsafeBuffer epoch = new UnsafeBuffer(new byte[RingMessages.CONTROL_LENGTH]);
        dataplane.rings().toDataplane().write(RingMessages.STORE_READY, epoch, 0, RingMessages.CONTROL_LENGTH);
        final UnsafeBuffer binding = new UnsafeBuffer(new byte[BindingMessage.MAX_LENGTH]);
        dataplane.rings().toDataplane().write(RingMessages.BINDING_ADD, binding, 0,
            BindingMessage.write(binding, 0, "vm1", 0, MAC, DOMAIN, 1, 2));
        // One store hand-over per lane: each holds a reader of its own.
        dataplane.awaitCounter("store hand-overs", lanes);
        dataplane.awaitCounter("binding changes applied", 1);
    }

    private static void storesWithALease(final LeaseStore leases, final DomainStore domains)
    {
        final long now = System.currentTimeMillis();
        leases.put(DOMAIN, MAC, new LeaseRecord().clear().ip(LEASED_IP).state(LeaseState.BOUND).vmLeaseSeconds(600)
            .serverId(SERVER).hostLeaseExpiryMillis(now + 2_400_000).vmLeaseExpiryMillis(now + 600_000).seal());
        final UnsafeBuffer options = new UnsafeBuffer(new byte[16]);
        final OptionWriter writer = new OptionWriter().wrap(options, 0, options.capacity());
        writer.putInt(DhcpOption.ROUTER, SERVER);
        domains.put(new DomainRecord().clear().domainId(DOMAIN).version(1).serverIp(SERVER)
            .serverMac(0x0244_0000_0064L).subnetMask(0xFFFF_FF00).vmLeaseSeconds(600)
            .options(options, 0, writer.length()).seal());
    }
}
