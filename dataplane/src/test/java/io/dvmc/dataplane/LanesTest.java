package io.dvmc.dataplane;

import io.dvmc.lease.DomainStore;
import io.dvmc.lease.LeaseStore;
import io.dvmc.port.PcapFile;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 2 (net_pcap, a port with one rx and one tx file per queue): with {@code lanes: 2} each lane answers the frames
 * of its own rx queue on its own tx queue, with the same bytes as a single lane, after the agent's messages (store
 * READY, a binding) reached both lanes through lane 0; and a RELEASE taken on one lane holds the VM off the fast
 * path on the other.
 */
class LanesTest
{
    private static final List<String> QUEUE0 = List.of("udhcpc-discover.bin", "udhcpc-request-selecting.bin");
    private static final List<String> QUEUE1 = List.of("udhcpc-request-renewing.bin", "arp-request-for-server.bin",
        "dhclient-discover.bin");

    @TempDir
    Path dir;

    @Test
    void eachLaneAnswersItsOwnQueueAsOneLaneWouldAndARelaseOnOneLaneHoldsTheVmOnTheOther() throws Exception
    {
        final List<byte[]> single = singleLaneReplies(dir.resolve("one-lane"));
        assertEquals(4, single.size());

        final Path lanes = dir.resolve("two-lanes");
        final Path state = lanes.resolve("host");
        Files.createDirectories(state);
        final String uplink = twoQueueUplink(lanes);
        final LeaseStore leases = LeaseStore.openWriter(state.resolve(LeaseStore.FILE), 64);
        final DomainStore domains = DomainStore.openWriter(state.resolve(StoreAccess.DOMAINS_FILE), 16);
        try (DataplaneProcess dataplane = DataplaneProcess.start(lanes, "\"lanes\": 2", List.of(uplink), List.of()))
        {
            InlineWorkerTest.leaseReadyAndBound(dataplane, leases, domains, 2);

            final Path tx0 = lanes.resolve("vm1-tx0.pcap");
            final Path tx1 = lanes.resolve("vm1-tx1.pcap");
            DataplaneProcess.writeConfig(lanes, "\"lanes\": 2",
                List.of(twoQueuePort(lanes, "a", QUEUE0, QUEUE1, tx0, tx1), uplink), List.of());
            dataplane.await("every frame handled", DataplaneProcess.START, () -> {
                final Map<String, Long> c = dataplane.counters();
                return c.getOrDefault("port vm1 rx", 0L) == QUEUE0.size() + QUEUE1.size() &&
                    c.getOrDefault("port vm1 tx", 0L) == 4 && c.getOrDefault("unbound MAC dropped", 0L) == 1;
            });
            final Map<String, Long> c = dataplane.counters();
            assertEquals(1, c.get("fast path OFFER"), c::toString);
            assertEquals(2, c.get("fast path ACK"), c::toString);
            assertEquals(1, c.get("ARP replies for virtual servers"), c::toString);
            assertEquals(0, c.getOrDefault("slow path to agent", 0L), c::toString);
            assertEquals(QUEUE0.size(), c.get("lane 0 rx frames"), c::toString);
            assertEquals(QUEUE1.size(), c.get("lane 1 rx frames"), c::toString);
            assertFrames(single.subList(0, 2), PcapFile.read(tx0));
            assertFrames(single.subList(2, 4), PcapFile.read(tx1));

            // The VM's RELEASE arrives on lane 0's queue; its renewal right after, on lane 1's.
            DataplaneProcess.writeConfig(lanes, "\"lanes\": 2", List.of(twoQueuePort(lanes, "b",
                List.of("udhcpc-release.bin"), List.of(), lanes.resolve("b-tx0.pcap"), lanes.resolve("b-tx1.pcap")),
                uplink), List.of());
            dataplane.awaitCounter("slow path to agent", 1);
            DataplaneProcess.writeConfig(lanes, "\"lanes\": 2", List.of(twoQueuePort(lanes, "c", List.of(),
                List.of("udhcpc-request-renewing.bin"), lanes.resolve("c-tx0.pcap"), lanes.resolve("c-tx1.pcap")),
                uplink), List.of());
            dataplane.awaitCounter("slow path to agent", 2);
            assertEquals(2, dataplane.counters().get("fast path ACK"), "no ACK from the released lease");
            assertEquals(143, dataplane.stop(), dataplane.log());
        }
        finally
        {
            CloseHelper.quietCloseAll(leases, domains);
        }
    }

    /** The replies of one lane ({@code workers: 0}) to the same frames, all on one queue. */
    private static List<byte[]> singleLaneReplies(final Path dir) throws Exception
    {
        final Path state = dir.resolve("host");
        Files.createDirectories(state);
        final String uplink = uplink(dir);
        final List<String> all = new ArrayList<>(QUEUE0);
        all.addAll(QUEUE1);
        final Path rx = dir.resolve("vm1-rx.pcap");
        final Path tx = dir.resolve("vm1-tx.pcap");
        PcapFile.write(rx, all.stream().map(Crafted::capture).toList());
        final LeaseStore leases = LeaseStore.openWriter(state.resolve(LeaseStore.FILE), 64);
        final DomainStore domains = DomainStore.openWriter(state.resolve(StoreAccess.DOMAINS_FILE), 16);
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir, "\"workers\": 0", List.of(uplink), List.of()))
        {
            InlineWorkerTest.leaseReadyAndBound(dataplane, leases, domains, 1);
            DataplaneProcess.writeConfig(dir, "\"workers\": 0",
                List.of(DataplaneProcess.pcapPort("vm1", 0, rx, tx, ""), uplink), List.of());
            dataplane.awaitCounter("port vm1 tx", 4);
            assertEquals(143, dataplane.stop(), dataplane.log());
            return PcapFile.read(tx);
        }
        finally
        {
            CloseHelper.quietCloseAll(leases, domains);
        }
    }

    private static String uplink(final Path dir) throws Exception
    {
        final Path rx = dir.resolve("uplink-rx.pcap");
        PcapFile.write(rx, List.of());
        return DataplaneProcess.pcapPort("uplink", 1, rx, dir.resolve("uplink-tx.pcap"), "");
    }

    private static String twoQueueUplink(final Path dir) throws Exception
    {
        final Path rx = dir.resolve("uplink-rx.pcap");
        PcapFile.write(rx, List.of());
        return "{ \"name\": \"uplink\", \"device\": \"net_pcap1,rx_pcap=" + rx + ",rx_pcap=" + rx + ",tx_pcap=" +
            dir.resolve("uplink-tx0.pcap") + ",tx_pcap=" + dir.resolve("uplink-tx1.pcap") + "\" }";
    }

    /** Port vm1 on a net_pcap vdev named after {@code tag} with two queue pairs: a file each way per queue. */
    private static String twoQueuePort(final Path dir, final String tag, final List<String> queue0,
        final List<String> queue1, final Path tx0, final Path tx1) throws Exception
    {
        final Path rx0 = dir.resolve(tag + "-rx0.pcap");
        final Path rx1 = dir.resolve(tag + "-rx1.pcap");
        PcapFile.write(rx0, queue0.stream().map(Crafted::capture).toList());
        PcapFile.write(rx1, queue1.stream().map(Crafted::capture).toList());
        return "{ \"name\": \"vm1\", \"device\": \"net_pcap_" + tag + ",rx_pcap=" + rx0 + ",rx_pcap=" + rx1 +
            ",tx_pcap=" + tx0 + ",tx_pcap=" + tx1 + "\" }";
    }

    private static void assertFrames(final List<byte[]> expected, final List<byte[]> actual)
    {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++)
        {
            assertArrayEquals(expected.get(i), actual.get(i), "reply " + i);
        }
    }
}
