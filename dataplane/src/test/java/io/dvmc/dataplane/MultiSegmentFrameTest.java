package io.dvmc.dataplane;

import io.dvmc.port.PcapFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 2 (net_pcap): a frame larger than an mbuf's data room arrives as a chain of mbufs (net_pcap chains what
 * does not fit, as vhost does). The dataplane reads only the first segment, so it drops a chain and counts it,
 * and goes on answering the frames that fit.
 */
class MultiSegmentFrameTest
{
    @TempDir
    Path dir;

    @Test
    void aDiscoverChainedOverTwoMbufsIsDroppedAndCountedWhileTheNextDiscoverGoesToTheAgent() throws Exception
    {
        final byte[] discover = Crafted.capture("udhcpc-discover.bin");
        // Valid headers in the first segment, 2,700 bytes of Ethernet trailer in the second.
        final byte[] trailer = Arrays.copyOf(discover, 3000);
        final Path rx = dir.resolve("rx.pcap");
        PcapFile.write(rx, List.of(trailer, Crafted.padded(discover, 2986), discover));
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir,
            List.of(DataplaneProcess.pcapPort("vm1", 0, rx, dir.resolve("tx.pcap"), "")),
            List.of(DataplaneProcess.UDHCPC_BINDING)))
        {
            dataplane.awaitCounter("slow path to agent", 1);
            final Map<String, Long> counters = dataplane.counters();
            assertEquals(3, counters.getOrDefault("rx frames", 0L), counters::toString);
            assertEquals(2, counters.getOrDefault("multi-segment frames dropped", 0L), counters::toString);
            assertEquals(0, counters.getOrDefault("malformed frames dropped", 0L), counters::toString);
            assertEquals(1, counters.getOrDefault("slow path to agent", 0L), counters::toString);
        }
    }
}
