package io.dvmc.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dvmc.dhcp.DhcpError;
import io.dvmc.dhcp.DhcpPacket;
import org.agrona.concurrent.UnsafeBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DHCP codec reads any UDP payload a VM sends: validate() answers 0 or a DhcpError code, and after it every
 * option accessor stays inside the payload. The buffer is exactly the payload, so agrona's bounds checks turn any
 * read past it into a failure.
 */
class DhcpPacketFuzzTest
{
    private static final int SHIFT = 7;

    private final DhcpPacket packet = new DhcpPacket();
    private final DhcpPacket shifted = new DhcpPacket();

    @FuzzTest
    void anyPayloadIsValidatedOrRejectedAndNeverReadPastItsEnd(final byte[] payload)
    {
        final int length = payload.length;
        packet.wrap(new UnsafeBuffer(payload), 0, length);
        final int result = packet.validate();
        assertTrue(result == 0 || result <= DhcpError.TOO_SHORT && result >= DhcpError.BAD_OPTION_LENGTH,
            "validate() = " + result);

        for (int code = 0; code < 256; code++)
        {
            final int at = packet.findOption(code);
            if (at >= 0 && isJoined(packet, code))
            {
                // RFC 3396: the instances joined into the packet's scratch buffer, no longer than they were.
                assertTrue(at + packet.optionLength(code) <= packet.optionBuffer(code).capacity() &&
                    packet.optionLength(code) <= length,
                    "joined option " + code + " at " + at + " length " + packet.optionLength(code) + " in " + length);
            }
            else if (at >= 0)
            {
                assertTrue(at >= DhcpPacket.SNAME_OFFSET && at + packet.optionLength(code) <= length,
                    "option " + code + " at " + at + " length " + packet.optionLength(code) + " in " + length);
            }
        }
        readEveryAccessor(packet, result);

        // The same message further into a larger buffer reads the same: offsets are relative to the message.
        final byte[] larger = new byte[length + SHIFT];
        System.arraycopy(payload, 0, larger, SHIFT, length);
        shifted.wrap(new UnsafeBuffer(larger), SHIFT, length);
        assertEquals(result, shifted.validate());
        for (int code = 0; code < 256; code++)
        {
            final int at = packet.findOption(code);
            assertEquals(at < 0 ? -1 : isJoined(packet, code) ? at : at + SHIFT, shifted.findOption(code),
                "option " + code);
        }
    }

    private static boolean isJoined(final DhcpPacket packet, final int code)
    {
        return packet.optionBuffer(code) != packet.buffer();
    }

    private static void readEveryAccessor(final DhcpPacket packet, final int result)
    {
        packet.messageType();
        packet.requestedIp();
        packet.serverId();
        packet.leaseTime();
        packet.maxMessageSize();
        packet.overload();
        packet.clientIdOffset();
        packet.clientIdLength();
        packet.hostNameOffset();
        packet.hostNameLength();
        packet.parameterRequestListOffset();
        packet.parameterRequestListLength();
        for (int code = 0; code < 256; code++)
        {
            packet.requestsParameter(code);
        }
        packet.hasMagicCookie();
        if (result != DhcpError.TOO_SHORT)
        {
            packet.op();
            packet.htype();
            packet.hlen();
            packet.hops();
            packet.xid();
            packet.secs();
            packet.flags();
            packet.isBroadcast();
            packet.ciaddr();
            packet.yiaddr();
            packet.siaddr();
            packet.giaddr();
            packet.chaddrMac();
        }
    }
}
