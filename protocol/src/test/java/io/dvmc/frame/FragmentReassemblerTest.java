package io.dvmc.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import io.dvmc.dhcp.Allocations;
import io.dvmc.dhcp.Captures;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class FragmentReassemblerTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final int IP = 14;

    private final FragmentReassembler reassembler = new FragmentReassembler(2, 1960, 5 * SECOND);
    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView view = new FrameView();
    /** A real DISCOVER grown to 1,200 bytes of IPv4, its id 7. */
    private final byte[] datagram = datagram(7);

    private static byte[] datagram(final int id)
    {
        final byte[] discover = Captures.bytes("udhcpc-discover");
        final byte[] out = Arrays.copyOf(discover, IP + 1200);
        Frames.put16(out, IP + 2, 1200);
        Frames.put16(out, IP + 4, id);
        Frames.put16(out, IP + 6, 0);
        Frames.put16(out, IP + 20 + 4, 1180);
        Frames.fixIpChecksum(out, IP);
        return out;
    }

    private static byte[] fragment(final byte[] datagram, final int offset, final int length, final boolean more)
    {
        final byte[] out = new byte[IP + 20 + length];
        System.arraycopy(datagram, 0, out, 0, IP + 20);
        System.arraycopy(datagram, IP + 20 + offset, out, IP + 20, length);
        Frames.put16(out, IP + 2, 20 + length);
        Frames.put16(out, IP + 6, (more ? 0x2000 : 0) | offset >>> 3);
        Frames.fixIpChecksum(out, IP);
        return out;
    }

    private int offer(final int port, final byte[] fragment, final long nowNs)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(fragment);
        classifier.classify(frame, 0, fragment.length, view);
        return reassembler.offer(port, frame, view, nowNs);
    }

    private byte[] written()
    {
        final UnsafeBuffer out = new UnsafeBuffer(new byte[2048]);
        final int length = reassembler.writeDatagram(out, out.capacity());
        final byte[] frame = new byte[length];
        out.getBytes(0, frame);
        return frame;
    }

    @Test
    void fragmentsInAnyOrderAfterTheFirstGiveBackTheDatagramUnfragmented()
    {
        assertEquals(FragmentReassembler.HELD, offer(0, fragment(datagram, 0, 512, true), 0));
        assertEquals(FragmentReassembler.HELD, offer(0, fragment(datagram, 1024, 156, false), 0));
        assertEquals(FragmentReassembler.COMPLETE, offer(0, fragment(datagram, 512, 512, true), 0));
        final byte[] whole = written();
        assertArrayEquals(datagram, whole);
        assertTrue(Frames.ipChecksumIsValid(whole, IP));
        assertEquals(0, reassembler.inProgress());
    }

    @Test
    void aLaterFragmentOfNoDatagramInProgressIsNotOurs()
    {
        assertEquals(FragmentReassembler.NOT_OURS, offer(0, fragment(datagram, 512, 512, true), 0));
        assertEquals(0, reassembler.inProgress());
    }

    @Test
    void anOverlapOrADuplicateAbandonsTheDatagram()
    {
        offer(0, fragment(datagram, 0, 512, true), 0);
        assertEquals(FragmentReassembler.OVERLAP, offer(0, fragment(datagram, 504, 512, true), 0));
        assertEquals(0, reassembler.inProgress());
        offer(0, fragment(datagram, 0, 512, true), 0);
        assertEquals(FragmentReassembler.OVERLAP, offer(0, fragment(datagram, 0, 512, true), 0));
    }

    @Test
    void aLastFragmentThatDisagreesWithDataHeldAbandonsTheDatagram()
    {
        offer(0, fragment(datagram, 0, 512, true), 0);
        offer(0, fragment(datagram, 512, 512, true), 0);
        assertEquals(FragmentReassembler.OVERLAP, offer(0, fragment(datagram, 256, 8, false), 0));
        offer(0, fragment(datagram, 0, 512, true), 0);
        offer(0, fragment(datagram, 1024, 156, false), 0);
        assertEquals(FragmentReassembler.OVERLAP, offer(0, fragment(datagram, 1168, 8, false), 0));
    }

    @Test
    void aFragmentEndingPastTheRoomIsOversized()
    {
        final byte[] big = Arrays.copyOf(datagram, IP + 2100);
        offer(0, fragment(big, 0, 512, true), 0);
        assertEquals(FragmentReassembler.OVERSIZED, offer(0, fragment(big, 1960, 8, false), 0));
        assertEquals(0, reassembler.inProgress());
    }

    @Test
    void aBadHeaderChecksumOrAnUnalignedMiddleFragmentIsMalformed()
    {
        final byte[] badChecksum = fragment(datagram, 0, 512, true);
        badChecksum[IP + 8] ^= 1;
        assertEquals(FragmentReassembler.MALFORMED, offer(0, badChecksum, 0));
        assertEquals(FragmentReassembler.MALFORMED, offer(0, fragment(datagram, 0, 500, true), 0));
    }

    @Test
    void aDatagramNotCompleteWithinTheTimeoutIsAbandonedAndCounted()
    {
        offer(0, fragment(datagram, 0, 512, true), 0);
        reassembler.expire(5 * SECOND);
        assertEquals(1, reassembler.inProgress());
        reassembler.expire(5 * SECOND + 1);
        assertEquals(0, reassembler.inProgress());
        assertEquals(1, reassembler.takeAbandoned());
        assertEquals(0, reassembler.takeAbandoned());
        assertEquals(FragmentReassembler.NOT_OURS, offer(0, fragment(datagram, 512, 512, true), 6 * SECOND));
    }

    @Test
    void aPortWithEveryDatagramInProgressGivesUpItsOldestAndOtherPortsKeepTheirs()
    {
        offer(1, fragment(datagram(100), 0, 512, true), 0);
        for (int id = 1; id <= FragmentReassembler.SLOTS_PER_PORT + 1; id++)
        {
            offer(0, fragment(datagram(id), 0, 512, true), id);
        }
        assertEquals(1, reassembler.takeAbandoned());
        assertEquals(FragmentReassembler.NOT_OURS, offer(0, fragment(datagram(1), 512, 512, true), 10));
        assertEquals(FragmentReassembler.HELD, offer(0, fragment(datagram(2), 512, 512, true), 10));
        assertEquals(FragmentReassembler.HELD, offer(1, fragment(datagram(100), 512, 512, true), 10));
    }

    @Test
    void reassemblingAllocatesNothing()
    {
        final UnsafeBuffer[] fragments = {new UnsafeBuffer(fragment(datagram, 0, 512, true)),
            new UnsafeBuffer(fragment(datagram, 512, 512, true)),
            new UnsafeBuffer(fragment(datagram, 1024, 156, false))};
        final UnsafeBuffer out = new UnsafeBuffer(new byte[2048]);
        long sink = 0;
        for (int round = 0; round < 2; round++)
        {
            final long before = Allocations.ofThisThread();
            for (int i = 0; i < 20_000; i++)
            {
                for (final UnsafeBuffer f : fragments)
                {
                    classifier.classify(f, 0, f.capacity(), view);
                    sink += reassembler.offer(0, f, view, i);
                }
                sink += reassembler.writeDatagram(out, out.capacity());
            }
            if (round == 1)
            {
                final long allocated = Allocations.ofThisThread() - before;
                assertTrue(allocated < 20_000, allocated + " bytes allocated (sink " + sink + ")");
            }
        }
    }
}
