package io.dvmc.dataplane;

import io.dvmc.port.PcapFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 2 (net_pcap, which like net_af_packet reports no rx checksum state): RFC 1122 §4.1.3.4, a datagram with a
 * bad UDP checksum is discarded and counted. A zero checksum (none sent) and the partial checksum a VM kernel's
 * socket sends under tx offload are not bad.
 */
class UdpChecksumTest
{
    @TempDir
    Path dir;

    @Test
    void aDiscoverWithABadUdpChecksumIsDiscardedAndCountedWhileNoneAndPartialChecksumsAreAnswered() throws Exception
    {
        final byte[] discover = Crafted.capture("udhcpc-discover.bin");
        final Path rx = dir.resolve("rx.pcap");
        PcapFile.write(rx, List.of(Crafted.corrupted(discover), Crafted.withoutChecksum(discover),
            Crafted.partialChecksum(discover), discover));
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir,
            List.of(DataplaneProcess.pcapPort("vm1", 0, rx, dir.resolve("tx.pcap"), "")),
            List.of(DataplaneProcess.UDHCPC_BINDING)))
        {
            dataplane.await("every frame handled", DataplaneProcess.START, () -> {
                final Map<String, Long> c = dataplane.counters();
                return c.getOrDefault("rx frames", 0L) == 4 &&
                    c.getOrDefault("slow path to agent", 0L) + c.getOrDefault("bad UDP checksum dropped", 0L) == 4;
            });
            final Map<String, Long> counters = dataplane.counters();
            assertEquals(1, counters.getOrDefault("bad UDP checksum dropped", 0L), counters::toString);
            assertEquals(3, counters.get("slow path to agent"), counters::toString);
        }
    }
}
