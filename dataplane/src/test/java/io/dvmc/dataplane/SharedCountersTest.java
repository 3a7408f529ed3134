package io.dvmc.dataplane;

import io.dvmc.port.PcapFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 2 (net_pcap, unprivileged): a counter that both dataplane threads increment loses no update. The poll
 * thread forwards a VM's other traffic, the worker forwards the ARP it does not answer, both to the uplink and
 * both counted in {@code other frames forwarded}, at full speed at the same time.
 */
class SharedCountersTest
{
    private static final int PAIRS = 60_000;

    @TempDir
    Path dir;

    @Test
    void framesForwardedByThePollThreadAndTheWorkerAtOnceAreAllCounted() throws Exception
    {
        final byte[] dns = Crafted.padded(Crafted.capture("udhcpc-discover.bin"), 46);
        Crafted.put16(dns, Crafted.UDP + 2, 53);
        Crafted.fixUdpChecksum(dns);
        final byte[] arp = Crafted.capture("arp-request-for-server.bin");
        final List<byte[]> frames = new ArrayList<>(2 * PAIRS);
        for (int i = 0; i < PAIRS; i++)
        {
            frames.add(dns);
            frames.add(arp);
        }
        final Path rx = dir.resolve("vm1-rx.pcap");
        final Path uplinkRx = dir.resolve("uplink-rx.pcap");
        PcapFile.write(rx, frames);
        PcapFile.write(uplinkRx, List.of());
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir,
            List.of(
                DataplaneProcess.pcapPort("vm1", 0, rx, dir.resolve("vm1-tx.pcap"), "\"other\": \"forward:uplink\""),
                DataplaneProcess.pcapPort("uplink", 1, uplinkRx, dir.resolve("uplink-tx.pcap"), "")),
            List.of()))
        {
            // Every frame ends as sent to the uplink or as one of the drops counted by a single thread.
            dataplane.await("every frame sent or dropped", DataplaneProcess.START, () -> {
                final Map<String, Long> c = dataplane.counters();
                return c.getOrDefault("rx frames", 0L) == 2L * PAIRS &&
                    c.getOrDefault("port uplink tx", 0L) + c.getOrDefault("worker queue full dropped", 0L) +
                        c.getOrDefault("tx queue full dropped", 0L) + c.getOrDefault("ARP not answered dropped", 0L) +
                        c.getOrDefault("tx failed", 0L) == 2L * PAIRS;
            });
            final Map<String, Long> counters = dataplane.counters();
            assertEquals(0, counters.get("tx failed"), counters::toString);
            assertEquals(counters.get("port uplink tx"), counters.get("other frames forwarded"), counters::toString);
        }
    }
}
