package io.dvmc.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import org.agrona.concurrent.UnsafeBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame classifier takes any frame a port delivers: it answers a FrameClass code, never reads outside the
 * frame, and every offset it reports for a DHCP frame lies inside the frame.
 */
class FrameClassifierFuzzTest
{
    private static final int SHIFT = 5;

    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView view = new FrameView();
    private final FrameView shiftedView = new FrameView();

    @FuzzTest
    void anyFrameIsClassifiedWithOffsetsInsideIt(final byte[] frame)
    {
        final int length = frame.length;
        final int result = classifier.classify(new UnsafeBuffer(frame), 0, length, view);
        assertTrue(result >= FrameClass.MIN_CODE && result <= FrameClass.MAX_CODE, "class " + result);

        if (result == FrameClass.CLIENT_DHCP || result == FrameClass.SERVER_DHCP)
        {
            assertTrue(view.vlanCount() <= FrameClassifier.MAX_VLANS);
            assertEquals(FrameClassifier.ETHERNET_HEADER_LENGTH + view.vlanCount() * FrameClassifier.VLAN_TAG_LENGTH,
                view.l2HeaderLength());
            assertEquals(view.l3Offset() + view.ipHeaderLength(), view.l4Offset());
            assertEquals(view.l4Offset() + FrameClassifier.UDP_HEADER_LENGTH, view.payloadOffset());
            assertTrue(view.payloadLength() >= 0 && view.payloadOffset() + view.payloadLength() <= length,
                "payload " + view.payloadOffset() + "+" + view.payloadLength() + " in " + length);
            assertTrue(view.l3Offset() + view.ipTotalLength() <= length);
        }

        final byte[] larger = new byte[length + 2 * SHIFT];
        System.arraycopy(frame, 0, larger, SHIFT, length);
        assertEquals(result, classifier.classify(new UnsafeBuffer(larger), SHIFT, length, shiftedView));
        if (result == FrameClass.CLIENT_DHCP || result == FrameClass.SERVER_DHCP)
        {
            assertEquals(view.payloadOffset() + SHIFT, shiftedView.payloadOffset());
            assertEquals(view.payloadLength(), shiftedView.payloadLength());
        }
    }
}
