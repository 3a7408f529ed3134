package io.dvmc.dataplane;

import io.dvmc.ipc.RingMessages;
import io.dvmc.ipc.TransmitMessage;
import io.dvmc.port.PcapFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier 2 (net_pcap): frames the agent hands to the dataplane over the to-dataplane ring. A TRANSMIT record whose
 * frame length says more than the record holds is dropped and counted; it never sends bytes from beyond it.
 */
class AgentTransmitTest
{
    @TempDir
    Path dir;

    @Test
    void aTransmitWhoseFrameLengthExceedsItsRecordIsDroppedAndCountedAndTheNextOneIsSent() throws Exception
    {
        final Path rx = dir.resolve("rx.pcap");
        final Path tx = dir.resolve("tx.pcap");
        PcapFile.write(rx, List.of());
        final byte[] offer = Crafted.capture("dnsmasq-offer.bin");
        try (DataplaneProcess dataplane = DataplaneProcess.start(dir,
            List.of(DataplaneProcess.pcapPort("vm1", 0, rx, tx, "")),
            List.of()))
        {
            final UnsafeBuffer record = new UnsafeBuffer(new byte[TransmitMessage.FRAME_OFFSET + 1500]);
            record.putBytes(TransmitMessage.FRAME_OFFSET, offer);
            TransmitMessage.writeHeader(record, 0, 0, 1400);
            assertTrue(dataplane.rings().toDataplane().write(RingMessages.TRANSMIT, record, 0,
                TransmitMessage.FRAME_OFFSET + offer.length));
            TransmitMessage.writeHeader(record, 0, 0, offer.length);
            assertTrue(dataplane.rings().toDataplane().write(RingMessages.TRANSMIT, record, 0,
                TransmitMessage.FRAME_OFFSET + offer.length));

            dataplane.awaitCounter("tx frames", 1);
            assertEquals(1, dataplane.counter("bad agent messages dropped"), dataplane.counters()::toString);
            assertEquals(1, dataplane.counter("frames from agent"));
            assertEquals(143, dataplane.stop(), dataplane.log());
            final List<byte[]> sent = PcapFile.read(tx);
            assertEquals(1, sent.size(), "frames in the tx pcap");
            assertArrayEquals(offer, sent.get(0));
        }
    }
}
