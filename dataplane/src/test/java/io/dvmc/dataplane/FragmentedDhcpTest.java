package io.dvmc.dataplane;

import io.dvmc.ipc.DhcpRequestMessage;
import io.dvmc.ipc.RingMessages;
import io.dvmc.port.PcapFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Tier 2 (net_pcap, which unlike net_af_packet does not have the kernel reassemble): RFC 1122 §3.3.2, a DHCP
 * datagram that arrives in IP fragments is reassembled and answered; overlapping and oversized fragments are
 * dropped and counted.
 */
class FragmentedDhcpTest
{
    @TempDir
    Path dir;

    @Test
    void aDiscoverInThreeFragmentsReachesTheAgentWholeAndOverlappingOrOversizedFragmentsAreDropped() throws Exception
    {
        // 1,200 bytes of IPv4: more than the 576 every host must take, in fragments of 512, 512 and 156.
        final byte[] discover = Crafted.padded(Crafted.capture("udhcpc-discover.bin"), 1200);
        Crafted.put16(discover, Crafted.IP + 4, 0x1001);
        Crafted.put16(discover, Crafted.IP + 6, 0);
        Crafted.fixIpChecksum(discover);
        final List<byte[]> frames = new ArrayList<>(Crafted.fragments(discover, 512, 0x1001));
        frames.add(Crafted.fragment(discover, 0, 512, true, 0x1002));
        frames.add(Crafted.fragment(discover, 504, 512, true, 0x1002)); // overlaps the previous by 8 bytes
        frames.add(Crafted.fragment(discover, 0, 512, true, 0x1003));
        frames.add(Crafted.fragment(Crafted.padded(discover, 2100), 1960, 120, false, 0x1003)); // ends past the room
        final Path rx = dir.resolve("rx.pcap");
        PcapFile.write(rx, frames);
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir,
            List.of(DataplaneProcess.pcapPort("vm1", 0, rx, dir.resolve("tx.pcap"), "")),
            List.of(DataplaneProcess.UDHCPC_BINDING)))
        {
            dataplane.awaitCounter("slow path to agent", 1);
            // The last frame's drop: rx frames are counted when a burst is taken, each frame's fate as it is handled.
            dataplane.awaitCounter("IP fragments oversized dropped", 1);
            final Map<String, Long> counters = dataplane.counters();
            assertEquals(7, counters.get("rx frames"), counters::toString);
            assertEquals(1, counters.get("IP datagrams reassembled"), counters::toString);
            assertEquals(1, counters.get("IP fragments overlapping dropped"), counters::toString);
            assertEquals(1, counters.get("IP fragments oversized dropped"), counters::toString);
            assertEquals(0, counters.get("malformed frames dropped"), counters::toString);

            final byte[][] toAgent = new byte[1][];
            dataplane.rings().toAgent().read((type, buffer, index, length) -> {
                if (type == RingMessages.DHCP_REQUEST)
                {
                    final DhcpRequestMessage request = new DhcpRequestMessage().wrap(buffer, index);
                    toAgent[0] = new byte[request.frameLength()];
                    buffer.getBytes(index + DhcpRequestMessage.FRAME_OFFSET, toAgent[0]);
                }
            });
            assertArrayEquals(discover, toAgent[0], "the datagram as it was sent, unfragmented");
        }
    }
}
