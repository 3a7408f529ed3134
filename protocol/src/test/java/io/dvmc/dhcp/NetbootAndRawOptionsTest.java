package io.dvmc.dhcp;

import static io.dvmc.dhcp.Captures.ip;
import static io.dvmc.dhcp.DhcpReplyWriterTest.option;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Netboot clients get the domain's boot directives, and raw options go to who asks or to everyone. */
class NetbootAndRawOptionsTest
{
    private static final int SERVER_ID = ip("192.0.2.1");
    private static final int NEXT_SERVER = ip("192.0.2.5");
    private static final String TFTP = "tftp.example.test";
    private static final String PXE_FILE = "undionly.kpxe";
    private static final String IPXE_FILE = "http://192.0.2.5/boot.ipxe";
    private static final long MAC = 0x5254_0000_0001L;

    private final DhcpReplyWriter writer = new DhcpReplyWriter();
    private final DhcpPacket request = new DhcpPacket();
    private final DhcpPacket reply = new DhcpPacket();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1500]);
    private final UnsafeBuffer domain = new UnsafeBuffer(new byte[1024]);
    private int domainLength;

    NetbootAndRawOptionsTest()
    {
        final OptionWriter block = new OptionWriter().wrap(domain, 0, domain.capacity());
        block.putInt(DhcpOption.SUBNET_MASK, ip("255.255.255.0"));
        block.putInt(DhcpOption.ROUTER, ip("192.0.2.1"));
        block.putIpList(DhcpOption.DOMAIN_NAME_SERVER, new int[]{ip("192.0.2.53")}, 1);
        block.putAscii(252, "http://wpad.example.test/wpad.dat");
        block.putBytes(224, new UnsafeBuffer(new byte[]{1, 2, 3}), 0, 3);
        block.end();
        block.putInt(ReplyDirectives.NEXT_SERVER, NEXT_SERVER);
        block.putAscii(ReplyDirectives.SERVER_NAME, TFTP);
        block.putAscii(ReplyDirectives.BOOT_FILE, PXE_FILE);
        block.putAscii(ReplyDirectives.IPXE_BOOT_FILE, IPXE_FILE);
        block.putBytes(ReplyDirectives.ALWAYS, new UnsafeBuffer(new byte[]{(byte)224}), 0, 1);
        domainLength = block.length();
    }

    @Test
    void aPxeClientGetsTheNextServerTheTftpServerAndItsBootFileInFieldsAndOptions()
    {
        new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 3, 6, 66, 67)
            .text(DhcpOption.VENDOR_CLASS_ID, "PXEClient:Arch:00000:UNDI:002001").into(request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER);

        assertEquals(NEXT_SERVER, offer.siaddr());
        assertEquals(TFTP, field(offer, DhcpPacket.SNAME_OFFSET, DhcpPacket.SNAME_LENGTH));
        assertEquals(PXE_FILE, field(offer, DhcpPacket.FILE_OFFSET, DhcpPacket.FILE_LENGTH));
        assertEquals(TFTP, text(offer, DhcpOption.TFTP_SERVER_NAME));
        assertEquals(PXE_FILE, text(offer, DhcpOption.BOOTFILE_NAME));
    }

    @Test
    void anIpxeClientGetsTheIpxeBootFileSoThatItDoesNotLoadItselfAgain()
    {
        new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 3, 6, 66, 67)
            .text(DhcpOption.VENDOR_CLASS_ID, "PXEClient:Arch:00000:UNDI:002001").userClass("iPXE").into(request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER);

        assertEquals(IPXE_FILE, field(offer, DhcpPacket.FILE_OFFSET, DhcpPacket.FILE_LENGTH));
        assertEquals(IPXE_FILE, text(offer, DhcpOption.BOOTFILE_NAME));
        assertEquals(NEXT_SERVER, offer.siaddr());
    }

    @Test
    void aUserClassSentBareAsIpxeDoesIsRecognisedToo()
    {
        new Requests(DhcpMessageType.REQUEST, MAC).text(DhcpOption.USER_CLASS, "iPXE").into(request);

        assertEquals(IPXE_FILE, field(write(DhcpMessageType.ACK), DhcpPacket.FILE_OFFSET, DhcpPacket.FILE_LENGTH));
    }

    @Test
    void aClientThatAsksForOptions66And67GetsTheBootConfiguration()
    {
        new Requests(DhcpMessageType.REQUEST, MAC).asks(1, 3, 66, 67).into(request);

        final DhcpPacket ack = write(DhcpMessageType.ACK);

        assertEquals(NEXT_SERVER, ack.siaddr());
        assertEquals(PXE_FILE, text(ack, DhcpOption.BOOTFILE_NAME));
        assertEquals(TFTP, text(ack, DhcpOption.TFTP_SERVER_NAME));
    }

    @Test
    void anOrdinaryClientGetsNoBootFieldsAndNoBootOptions()
    {
        new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 3, 6, 15).into(request);

        final DhcpPacket offer = write(DhcpMessageType.OFFER);

        assertEquals(0, offer.siaddr());
        assertEquals("", field(offer, DhcpPacket.SNAME_OFFSET, DhcpPacket.SNAME_LENGTH));
        assertEquals("", field(offer, DhcpPacket.FILE_OFFSET, DhcpPacket.FILE_LENGTH));
        assertNull(option(offer, DhcpOption.TFTP_SERVER_NAME));
        assertNull(option(offer, DhcpOption.BOOTFILE_NAME));
    }

    @Test
    void aNakCarriesNoBootFields()
    {
        new Requests(DhcpMessageType.REQUEST, MAC).asks(66, 67)
            .text(DhcpOption.VENDOR_CLASS_ID, "PXEClient").into(request);

        final DhcpPacket nak = write(DhcpMessageType.NAK);

        assertEquals(0, nak.siaddr());
        assertEquals("", field(nak, DhcpPacket.FILE_OFFSET, DhcpPacket.FILE_LENGTH));
        assertNull(option(nak, DhcpOption.BOOTFILE_NAME));
    }

    @Test
    void aRawOptionGoesToAClientThatAsksForItAndAnAlwaysOptionToEveryClient()
    {
        new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 3, 252).into(request);
        final DhcpPacket asking = write(DhcpMessageType.OFFER);
        assertEquals("http://wpad.example.test/wpad.dat", text(asking, 252));
        assertEquals("01 02 03", option(asking, 224));

        new Requests(DhcpMessageType.DISCOVER, MAC).asks(1, 3).into(request);
        final DhcpPacket notAsking = write(DhcpMessageType.OFFER);
        assertNull(option(notAsking, 252));
        assertEquals("01 02 03", option(notAsking, 224));
    }

    @Test
    void aBlockWhoseDirectivesRunPastItsEndIsRefused()
    {
        new Requests(DhcpMessageType.DISCOVER, MAC).into(request);
        domain.putByte(domainLength, (byte)ReplyDirectives.BOOT_FILE);
        domain.putByte(domainLength + 1, (byte)20);

        assertEquals(DhcpError.BAD_DOMAIN_OPTIONS, writer.write(request, DhcpMessageType.OFFER, 1, SERVER_ID, 600,
            domain, 0, domainLength + 5, out, 0, out.capacity()));
    }

    private DhcpPacket write(final int type)
    {
        final int length = writer.write(request, type, ip("192.0.2.100"), SERVER_ID, 600,
            domain, 0, domainLength, out, 0, out.capacity());
        assertTrue(length > 0, () -> DhcpError.describe(length));
        reply.wrap(out, 0, length);
        assertEquals(0, reply.validate());
        return reply;
    }

    private static String text(final DhcpPacket p, final int code)
    {
        final String hex = option(p, code);
        return hex == null ? null : new String(HexFormat.ofDelimiter(" ").parseHex(hex), StandardCharsets.US_ASCII);
    }

    /** A NUL-terminated text field of the fixed part. */
    static String field(final DhcpPacket p, final int offset, final int length)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            final byte b = p.buffer().getByte(p.offset() + offset + i);
            if (b == 0)
            {
                break;
            }
            text.append((char)b);
        }
        return text.toString();
    }
}
