package io.dvmc.frame;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpTest
{
    private static final long VM_MAC = 0x02DC_0000_0001L;
    private static final int VM_IP = 0xC000_0293;
    private static final int SERVER_IP = 0xC000_0201;
    private static final long SERVER_MAC = 0x0244_0000_0064L;

    private static UnsafeBuffer capture() throws IOException
    {
        return new UnsafeBuffer(Files.readAllBytes(Path.of("src/test/resources/captures/arp-request-for-server.bin")));
    }

    @Test
    void aVmAskingForTheServerAddressIsAnArpRequestForIt() throws IOException
    {
        final UnsafeBuffer frame = capture();
        final FrameView view = new FrameView();
        assertEquals(FrameClass.OTHER, new FrameClassifier().classify(frame, 0, frame.capacity(), view));
        assertTrue(Arp.isRequest(frame, view));
        assertEquals(SERVER_IP, Arp.targetIp(frame, view));
        assertEquals(VM_IP, Arp.senderIp(frame, view));
    }

    @Test
    void theAnswerTellsTheVmTheServerMacUnicastFromThatMac() throws IOException
    {
        final UnsafeBuffer frame = capture();
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, frame.capacity(), view);
        Arp.answerInPlace(frame, view, SERVER_MAC, SERVER_IP);

        final FrameView reply = new FrameView();
        assertEquals(FrameClass.OTHER, new FrameClassifier().classify(frame, 0, frame.capacity(), reply));
        assertFalse(Arp.isRequest(frame, reply));
        assertEquals(VM_MAC, reply.dstMac());
        assertEquals(SERVER_MAC, reply.srcMac());
        final int at = reply.l3Offset();
        assertEquals(Arp.REPLY, frame.getShort(at + Arp.OPERATION_OFFSET, java.nio.ByteOrder.BIG_ENDIAN));
        assertEquals(SERVER_IP, Arp.senderIp(frame, reply));
        assertEquals(VM_IP, Arp.targetIp(frame, reply));
        assertEquals(SERVER_MAC >>> 32,
            frame.getShort(at + Arp.SENDER_MAC_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }

    @Test
    void aTruncatedArpFrameIsNotARequest() throws IOException
    {
        final UnsafeBuffer frame = capture();
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, 14 + Arp.LENGTH - 1, view);
        assertFalse(Arp.isRequest(frame, view));
    }
}
