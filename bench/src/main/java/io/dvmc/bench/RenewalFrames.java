package io.dvmc.bench;

import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.Checksums;
import io.dvmc.frame.FrameClass;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Renewal REQUESTs (RENEWING: ciaddr set, unicast to the server) of many VMs, made from one real udhcpc capture by
 * rewriting its MAC, ciaddr, source address and xid. VM {@code i} has MAC 02:bb:00:00:(i>>8):(i&0xff) and address
 * 10.1.(i>>8).(i&0xff)+... (never .0 or .255).
 */
final class RenewalFrames
{
    static final int SERVER_IP = 0x0A01_0001;

    private RenewalFrames()
    {
    }

    static long mac(final int vm)
    {
        return 0x02BB_0000_0000L | vm;
    }

    static int ip(final int vm)
    {
        return 0x0A01_0000 | ((vm / 250) << 8) | (vm % 250 + 2);
    }

    static List<byte[]> of(final byte[] template, final int vms)
    {
        final FrameView view = new FrameView();
        final UnsafeBuffer probe = new UnsafeBuffer(template);
        if (new FrameClassifier().classify(probe, 0, template.length, view) != FrameClass.CLIENT_DHCP)
        {
            throw new IllegalArgumentException("the template is not a client DHCP frame");
        }
        final List<byte[]> frames = new ArrayList<>(vms);
        for (int vm = 0; vm < vms; vm++)
        {
            final byte[] bytes = template.clone();
            final UnsafeBuffer frame = new UnsafeBuffer(bytes);
            final long mac = mac(vm);
            final int ip = ip(vm);
            for (int i = 0; i < 6; i++)
            {
                final byte octet = (byte)(mac >>> (40 - 8 * i));
                frame.putByte(6 + i, octet);
                frame.putByte(view.payloadOffset() + DhcpPacket.CHADDR_OFFSET + i, octet);
            }
            frame.putInt(view.payloadOffset() + DhcpPacket.XID_OFFSET, 0x5EED_0000 | vm, ByteOrder.BIG_ENDIAN);
            frame.putInt(view.payloadOffset() + DhcpPacket.CIADDR_OFFSET, ip, ByteOrder.BIG_ENDIAN);
            frame.putInt(view.l3Offset() + 12, ip, ByteOrder.BIG_ENDIAN);
            frame.putInt(view.l3Offset() + 16, SERVER_IP, ByteOrder.BIG_ENDIAN);
            frame.putShort(view.l3Offset() + 10, (short)0);
            frame.putShort(view.l3Offset() + 10,
                (short)Checksums.internetChecksum(frame, view.l3Offset(), view.ipHeaderLength()), ByteOrder.BIG_ENDIAN);
            // A zero UDP checksum means "none" in IPv4 (RFC 768).
            frame.putShort(view.l4Offset() + 6, (short)0);
            frames.add(bytes);
        }
        return frames;
    }
}
