package io.dvmc.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.DhcpReplyWriter;
import io.dvmc.dhcp.OptionWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Network boot, raw options and client identifier reservations in a domain: read, checked, and encoded. */
class BootAndRawOptionsPolicyTest
{
    private static final String MINIMAL = """
        { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
          "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "services": ["127.0.0.1:6767"] %s }
        """;
    private static final String BOOT = """
        , "boot": { "nextServer": "10.0.0.5", "tftpServer": "tftp.blue", "file": "undionly.kpxe",
                    "ipxeFile": "http://10.0.0.5/boot.ipxe" }""";

    @Test
    void bootRawOptionsAndClientIdentifierReservationsAreRead() throws Exception
    {
        final Domain d = one(BOOT + """
            , "rawOptions": [ { "code": 252, "hex": "68:74:74:70" }, { "code": 224, "hex": "0A0b", "always": true } ],
            "reservations": [ { "clientId": "01:02:00:00:00:00:11", "ip": "10.0.0.11" } ]""");

        assertEquals(new Domain.Boot(0x0A000005, "tftp.blue", "undionly.kpxe", "http://10.0.0.5/boot.ipxe"), d.boot());
        assertEquals(List.of(new Domain.RawOption(252, "68747470", false), new Domain.RawOption(224, "0a0b", true)),
            d.rawOptions());
        assertEquals(List.of(new Domain.Reservation(0, "01020000000011", 0x0A00000B)), d.reservations());
        assertEquals(0, d.reservedAddress(0), "a client identifier reservation is nobody's by MAC");
    }

    @Test
    void rawOptionsWithCodesThatAreNotOptionsOrThatDvmcOwnsAreRefusedSayingWhy()
    {
        assertError("rawOptions[0]: code 0: 0 and 255 are PAD and END", raw(0, "01"));
        assertError("rawOptions[0]: code 255: 0 and 255 are PAD and END", raw(255, "01"));
        assertError("rawOptions[0]: code 53: dvmc owns the DHCP protocol options 50..59", raw(53, "01"));
        assertError("rawOptions[0]: code 50: dvmc owns", raw(50, "0a000001"));
        assertError("rawOptions[0]: code 59: dvmc owns", raw(59, "00000001"));
        assertError("rawOptions[0]: code 61: dvmc owns it", raw(61, "01"));
        assertError("rawOptions[0]: code 82: dvmc owns it", raw(82, "01"));
        assertError("rawOptions[0]: code 6: set it with dns", raw(6, "0a000035"));
        assertError("rawOptions[0]: code 67: set it with boot", raw(67, "41"));
        assertError("rawOptions[0]: code: 256 is not in 0..255", raw(256, "01"));
        assertError("domain 100 (blue): rawOptions[1]: code 252 is given twice", """
            , "rawOptions": [ { "code": 252, "hex": "01" }, { "code": 252, "hex": "02" } ]""");
    }

    @Test
    void rawOptionsWithBadHexAreRefused()
    {
        assertError("rawOptions[0]: hex: 'abc' is not hex bytes", raw(252, "abc"));
        assertError("rawOptions[0]: hex: 'zz' is not hex bytes", raw(252, "zz"));
        assertError("rawOptions[0]: hex: '0a:b:0c' is not hex bytes", raw(252, "0a:b:0c"));
        assertError("rawOptions[0]: always: expected true or false", """
            , "rawOptions": [ { "code": 252, "hex": "01", "always": "yes" } ]""");
    }

    @Test
    void bootConfigurationsThatNoClientCouldUseAreRefused()
    {
        assertError("boot: give a boot file: file, ipxeFile or both", """
            , "boot": { "nextServer": "10.0.0.5" }""");
        assertError("boot.file: must be 1..127 characters, is 128", """
            , "boot": { "file": "%s" }""".formatted("f".repeat(128)));
        assertError("boot.tftpServer: must be 1..63 characters, is 64", """
            , "boot": { "file": "a", "tftpServer": "%s" }""".formatted("t".repeat(64)));
        assertError("boot.ipxeFile: 'é' has characters other than printable US-ASCII", """
            , "boot": { "ipxeFile": "é" }""");
        assertError("boot.nextServer: 255.255.255.255 is not a unicast address", """
            , "boot": { "file": "a", "nextServer": "255.255.255.255" }""");
        assertError("boot: nextServer", """
            , "boot": { "file": "a", "nextServer": "tftp" }""");
        assertError("boot: filename: unknown field", """
            , "boot": { "filename": "a" }""");
    }

    @Test
    void clientIdentifierReservationsAreChecked()
    {
        assertError("reservations[0]: a client identifier has 2..255 bytes, this one 1", """
            , "reservations": [ { "clientId": "01", "ip": "10.0.0.11" } ]""");
        assertError("reservations[1]: client identifier 0102 is reserved twice",
            """
                , "reservations": [ { "clientId": "01:02", "ip": "10.0.0.11" }, { "clientId": "0102", "ip": "10.0.0.12" } ]""");
        assertError("reservations[0]: mac: give either mac or clientId", """
            , "reservations": [ { "clientId": "01:02", "mac": "02:00:00:00:00:01", "ip": "10.0.0.11" } ]""");
        assertError("reservations[0]: mac: give either mac or clientId", """
            , "reservations": [ { "ip": "10.0.0.11" } ]""");
    }

    @Test
    void aDomainsBootAndRawOptionsReachAPxeClientsReply() throws Exception
    {
        final Domain d = one(BOOT +
            """
                , "rawOptions": [ { "code": 252, "hex": "68:74:74:70" }, { "code": 224, "hex": "0a0b", "always": true } ]""");
        final UnsafeBuffer block = new UnsafeBuffer(new byte[DomainOptions.MAX_LENGTH]);
        final int blockLength = DomainOptions.encode(d, block, 0, block.capacity());
        final UnsafeBuffer in = new UnsafeBuffer(new byte[600]);
        in.putByte(DhcpPacket.OP_OFFSET, (byte)DhcpPacket.BOOTREQUEST);
        in.putByte(DhcpPacket.HTYPE_OFFSET, (byte)1);
        in.putByte(DhcpPacket.HLEN_OFFSET, (byte)6);
        in.putInt(DhcpPacket.MAGIC_COOKIE_OFFSET, DhcpPacket.MAGIC_COOKIE, java.nio.ByteOrder.BIG_ENDIAN);
        final OptionWriter options = new OptionWriter().wrap(in, DhcpPacket.OPTIONS_OFFSET, 300);
        options.putByte(DhcpOption.MESSAGE_TYPE, DhcpMessageType.DISCOVER);
        options.putAscii(DhcpOption.VENDOR_CLASS_ID, "PXEClient:Arch:00000:UNDI:002001");
        options.putBytes(DhcpOption.PARAMETER_REQUEST_LIST, new UnsafeBuffer(new byte[]{1, 3, 66, 67}), 0, 4);
        options.end();
        final DhcpPacket request = new DhcpPacket().wrap(in, 0, 600);
        final UnsafeBuffer out = new UnsafeBuffer(new byte[600]);

        final int length = new DhcpReplyWriter().write(request, DhcpMessageType.OFFER, 0x0A000064, 0x0A000001, 600,
            block, 0, blockLength, out, 0, out.capacity());

        final DhcpPacket offer = new DhcpPacket().wrap(out, 0, length);
        assertEquals(0, offer.validate());
        assertEquals(0x0A000005, offer.siaddr());
        assertEquals("undionly.kpxe", text(offer, DhcpOption.BOOTFILE_NAME));
        assertEquals("tftp.blue", text(offer, DhcpOption.TFTP_SERVER_NAME));
        assertEquals(-1, offer.findOption(252), "not asked for");
        assertArrayEquals(new byte[]{0x0a, 0x0b}, bytes(offer, 224), "sent always");
    }

    private static String text(final DhcpPacket p, final int code)
    {
        return new String(bytes(p, code), StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(final DhcpPacket p, final int code)
    {
        final byte[] value = new byte[p.optionLength(code)];
        p.optionBuffer(code).getBytes(p.findOption(code), value);
        return value;
    }

    private static String raw(final int code, final String hex)
    {
        return ", \"rawOptions\": [ { \"code\": " + code + ", \"hex\": \"" + hex + "\" } ]";
    }

    private static Domain one(final String extra) throws PolicyException
    {
        return PolicyFile.parse("{ \"domains\": [" + MINIMAL.formatted(extra) + "] }", "t").domains().get(0);
    }

    private static void assertError(final String expected, final String extra)
    {
        final PolicyException ex = assertThrows(PolicyException.class,
            () -> PolicyFile.parse("{ \"domains\": [" + MINIMAL.formatted(extra) + "] }", "t"));
        assertTrue(ex.getMessage().contains(expected), "expected '" + expected + "' in '" + ex.getMessage() + "'");
    }
}
