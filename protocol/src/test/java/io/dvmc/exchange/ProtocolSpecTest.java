package io.dvmc.exchange;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/protocol.md is the DVMC specification another implementation is written from: its layout, types, drop names
 * and worked example are read from the page and held against the code.
 */
class ProtocolSpecTest
{
    private static final Path SPEC = Path.of("..", "docs", "protocol.md");

    private static String spec() throws IOException
    {
        return Files.readString(SPEC);
    }

    @Test
    void theLayoutTableGivesEveryFieldAtTheOffsetTheCodeReadsItAndTheFieldsFollowEachOtherWithoutGaps()
        throws IOException
    {
        final Map<String, Integer> offsets = new LinkedHashMap<>();
        offsets.put("magic", DvmcMessage.MAGIC_OFFSET);
        offsets.put("version", DvmcMessage.VERSION_OFFSET);
        offsets.put("type", DvmcMessage.TYPE_OFFSET);
        offsets.put("key id", DvmcMessage.KEY_ID_OFFSET);
        offsets.put("total length", DvmcMessage.LENGTH_OFFSET);
        offsets.put("configuration length (225)", DvmcMessage.CONFIG_LENGTH_OFFSET);
        offsets.put("domain id (205)", DvmcMessage.DOMAIN_ID_OFFSET);
        offsets.put("transaction id (200)", DvmcMessage.TRANSACTION_ID_OFFSET);
        offsets.put("timestamp", DvmcMessage.TIMESTAMP_OFFSET);
        offsets.put("VM id (215)", DvmcMessage.VM_ID_MSB_OFFSET);
        offsets.put("virtual MAC (210)", DvmcMessage.MAC_OFFSET);
        offsets.put("VM location (220): the IPv4", DvmcMessage.LOCATION_ADDRESS_OFFSET);
        offsets.put("VM location (220): the UDP port", DvmcMessage.LOCATION_PORT_OFFSET);
        offsets.put("status (230)", DvmcMessage.STATUS_OFFSET);
        offsets.put("reason (230)", DvmcMessage.REASON_OFFSET);
        offsets.put("yiaddr", DvmcMessage.YIADDR_OFFSET);
        offsets.put("server id", DvmcMessage.SERVER_ID_OFFSET);
        offsets.put("VM lease seconds", DvmcMessage.VM_LEASE_OFFSET);
        offsets.put("host lease seconds", DvmcMessage.HOST_LEASE_OFFSET);
        offsets.put("configuration (225)", DvmcMessage.CONFIG_OFFSET);

        final String text = spec();
        final String table = text.substring(text.indexOf("offset size field"), text.indexOf("HMAC-SHA256 (below)"));
        final Matcher row = Pattern.compile("(?m)^\\s*(\\d+)\\s+(\\d+|n)\\s+(.+)$").matcher(table);
        int expectedNext = 0;
        final List<String> names = List.copyOf(offsets.keySet());
        int i = 0;
        while (row.find())
        {
            final int offset = Integer.parseInt(row.group(1));
            final String name = names.get(i++);
            assertTrue(row.group(3).startsWith(name), "row '" + row.group() + "' should be " + name);
            assertEquals(offsets.get(name), offset, name);
            assertEquals(expectedNext, offset, name + " follows the field before it");
            expectedNext = row.group(2).equals("n") ? -1 : offset + Integer.parseInt(row.group(2));
        }
        assertEquals(names.size(), i, "every field has its row");
        assertTrue(text.contains("A datagram is " + DvmcMessage.MIN_LENGTH + " to 1,136 bytes"));
        assertEquals(1136, DvmcMessage.MAX_LENGTH);
    }

    @Test
    void theTypesAndTheDropNamesOfThePageAreTheCodes() throws IOException
    {
        final String text = spec();
        for (int type = DvmcMessageType.MIN_TYPE; type <= DvmcMessageType.MAX_TYPE; type++)
        {
            assertTrue(text.contains("| " + DvmcMessageType.name(type) + " | " + type + " |"),
                DvmcMessageType.name(type));
        }
        for (final int code : new int[]{DvmcError.TOO_SHORT, DvmcError.BAD_MAGIC, DvmcError.BAD_VERSION,
            DvmcError.BAD_TYPE, DvmcError.BAD_LENGTH, DvmcError.BAD_FIELD, DvmcError.BAD_CONFIG,
            DvmcError.UNKNOWN_KEY, DvmcError.BAD_MAC, DvmcError.KEY_NOT_FOR_HOST, DvmcError.STALE, DvmcError.REPLAY,
            DvmcError.REPLAY_CACHE_FULL, DvmcError.HOST_NOT_AUTHORIZED, DvmcError.UNMATCHED,
            DvmcError.UNEXPECTED_TYPE})
        {
            assertTrue(text.contains("`" + DvmcError.name(code) + "`"), DvmcError.name(code));
        }
        assertEquals(DvmcStatus.REASON_COUNT - 1, DvmcStatus.REASON_STORE_FAILURE, "reasons 1-8, as the page says");
    }

    @Test
    void theWorkedExampleIsTheBytesDvmcSendsAndAServiceAcceptsIt() throws IOException
    {
        final String text = spec();
        final String dump = text.substring(text.indexOf("### An example"));
        final Matcher line = Pattern.compile("(?m)^[0-9a-f]{4}  ((?:[0-9a-f]{2} ?)+)$").matcher(
            dump.substring(0, dump.indexOf("ProtocolSpecTest")));
        final StringBuilder hex = new StringBuilder();
        while (line.find())
        {
            hex.append(line.group(1).replace(" ", ""));
        }
        final byte[] documented = HexFormat.of().parseHex(hex);

        final byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++)
        {
            secret[i] = (byte)i;
        }
        final KeyRing ring = new KeyRing(List.of(new KeyRing.Key(1, KeyRing.ANY_HOST, secret)));
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
        final UUID vm = UUID.fromString("6f1c1d2e-0000-4000-8000-000000000001");
        final DvmcMessageEncoder encoder = new DvmcMessageEncoder().wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.DISCOVER).domainId(100).transactionId(7L << 32 | 1)
            .vmId(vm.getMostSignificantBits(), vm.getLeastSignificantBits()).mac(0x0200_0064_0001L)
            .location(0x0A00_0107, 40000);
        final byte[] clientId = {61, 7, 1, 2, 0, 0, 0x64, 0, 1};
        assertTrue(encoder.config(new UnsafeBuffer(clientId), 0, clientId.length));
        final long stamp = 1_767_225_600_000L;
        final int length = encoder.signRequest(new Authenticator(ring, 1, Authenticator.DEFAULT_WINDOW_MS, 16),
            stamp, 0x0A00_0005, 6767);
        final byte[] sent = new byte[length];
        buffer.getBytes(0, sent);
        assertArrayEquals(documented, sent, "docs/protocol.md's example is what dvmc sends");

        final DvmcMessage received = new DvmcMessage();
        assertEquals(length, received.wrap(new UnsafeBuffer(documented), 0, documented.length));
        final Authenticator service = new Authenticator(ring, 1, Authenticator.DEFAULT_WINDOW_MS, 16)
            .receiverEndpoint(0x0A00_0005, 6767);
        assertEquals(DvmcError.OK, service.verify(received, stamp + 1));
    }
}
