package io.dvmc.dhcp;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;

/** Client requests built field by field, for what the captures do not show (netboot clients, odd sizes). */
final class Requests
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1500]);
    private final OptionWriter options = new OptionWriter();

    Requests(final int type, final long mac)
    {
        buffer.putByte(DhcpPacket.OP_OFFSET, (byte)DhcpPacket.BOOTREQUEST);
        buffer.putByte(DhcpPacket.HTYPE_OFFSET, (byte)DhcpPacket.HTYPE_ETHERNET);
        buffer.putByte(DhcpPacket.HLEN_OFFSET, (byte)DhcpPacket.HLEN_ETHERNET);
        buffer.putInt(DhcpPacket.XID_OFFSET, 0x1234_5678, ByteOrder.BIG_ENDIAN);
        buffer.putShort(DhcpPacket.CHADDR_OFFSET, (short)(mac >>> 32), ByteOrder.BIG_ENDIAN);
        buffer.putInt(DhcpPacket.CHADDR_OFFSET + 2, (int)mac, ByteOrder.BIG_ENDIAN);
        buffer.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, ByteOrder.BIG_ENDIAN);
        options.wrap(buffer, DhcpPacket.OPTIONS_OFFSET, buffer.capacity() - DhcpPacket.OPTIONS_OFFSET - 1);
        options.putByte(DhcpOption.MESSAGE_TYPE, type);
    }

    Requests maxMessageSize(final int size)
    {
        options.putShort(DhcpOption.MAX_MESSAGE_SIZE, size);
        return this;
    }

    Requests asks(final int... codes)
    {
        final UnsafeBuffer list = new UnsafeBuffer(new byte[codes.length]);
        for (int i = 0; i < codes.length; i++)
        {
            list.putByte(i, (byte)codes[i]);
        }
        options.putBytes(DhcpOption.PARAMETER_REQUEST_LIST, list, 0, codes.length);
        return this;
    }

    Requests text(final int code, final String value)
    {
        options.putAscii(code, value);
        return this;
    }

    Requests bytes(final int code, final byte[] value)
    {
        options.putBytes(code, new UnsafeBuffer(value), 0, value.length);
        return this;
    }

    /** RFC 3004 §4: each user class as its length then its bytes. */
    Requests userClass(final String name)
    {
        final byte[] text = name.getBytes(StandardCharsets.US_ASCII);
        final byte[] framed = new byte[text.length + 1];
        framed[0] = (byte)text.length;
        System.arraycopy(text, 0, framed, 1, text.length);
        return bytes(DhcpOption.USER_CLASS, framed);
    }

    /** Ends the options and wraps the request, validated. */
    DhcpPacket into(final DhcpPacket packet)
    {
        final int end = DhcpPacket.OPTIONS_OFFSET + options.length();
        buffer.putByte(end, (byte)DhcpOption.END);
        packet.wrap(buffer, 0, Math.max(end + 1, DhcpPacket.MIN_BOOTP_LENGTH));
        if (packet.validate() != 0)
        {
            throw new IllegalStateException(DhcpError.describe(packet.validate()));
        }
        return packet;
    }
}
