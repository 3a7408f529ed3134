package io.dvmc.policy;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DomainOptionsTest
{
    @Test
    void aDomainEncodesAsOptionTlvsInOrder()
    {
        final Domain d = domain(List.of(0x0A000035, 0x08080808), "blue.example", List.of(), 1450, List.of(),
            List.of(0x0A00007B));

        assertArrayEquals(bytes(
            1, 4, 255, 255, 255, 0,
            3, 4, 10, 0, 0, 1,
            6, 8, 10, 0, 0, 53, 8, 8, 8, 8,
            15, 12, 'b', 'l', 'u', 'e', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
            26, 2, 0x05, 0xAA,
            42, 4, 10, 0, 0, 123), encode(d));
    }

    @Test
    void theSearchListIsInDnsWireFormat()
    {
        final Domain d = domain(List.of(), null, List.of("eng.example.com", "example.com."), 0, List.of(), List.of());

        assertArrayEquals(bytes(
            1, 4, 255, 255, 255, 0,
            3, 4, 10, 0, 0, 1,
            119, 30, 3, 'e', 'n', 'g', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
            7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0), encode(d));
    }

    @Test
    void staticRoutesAreClasslessAndCarryTheRouterAsDefaultRoute()
    {
        final Domain d = domain(List.of(), null, List.of(), 0,
            List.of(new Domain.StaticRoute(0xC0A80000, 16, 0x0A000002), new Domain.StaticRoute(0x0A0A0A00, 25,
                0x0A000003)),
            List.of());

        assertArrayEquals(bytes(
            1, 4, 255, 255, 255, 0,
            3, 4, 10, 0, 0, 1,
            121, 21, 16, 192, 168, 10, 0, 0, 2, 25, 10, 10, 10, 0, 10, 0, 0, 3, 0, 10, 0, 0, 1), encode(d));
    }

    @Test
    void anOptionLongerThan255BytesIsSplitIntoConsecutiveInstances()
    {
        final List<String> names = new ArrayList<>(Collections.nCopies(30, "abcdefghij.example"));
        final Domain d = domain(List.of(), null, names, 0, List.of(), List.of());

        final byte[] encoded = encode(d);
        final int first = 12;
        assertEquals(119, encoded[first] & 0xFF);
        assertEquals(255, encoded[first + 1] & 0xFF);
        assertEquals(119, encoded[first + 257] & 0xFF);
        assertEquals(255, encoded[first + 258] & 0xFF);
        assertEquals(119, encoded[first + 2 * 257] & 0xFF);
        assertEquals(30 * 20 - 2 * 255, encoded[first + 2 * 257 + 1] & 0xFF);
        assertEquals(first + 3 * 2 + 30 * 20, encoded.length);
    }

    @Test
    void optionsThatDoNotFitReportMinusOne()
    {
        final List<String> names = new ArrayList<>(Collections.nCopies(60, "abcdefghij.example"));
        final Domain d = domain(List.of(), null, names, 0, List.of(), List.of());

        assertEquals(-1, DomainOptions.encodedLength(d));
        assertEquals(-1, DomainOptions.encode(d, new UnsafeBuffer(new byte[20]), 0, 20));
    }

    private static byte[] encode(final Domain d)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DomainOptions.MAX_LENGTH + 8]);
        final int length = DomainOptions.encode(d, buffer, 8, DomainOptions.MAX_LENGTH);
        final byte[] out = new byte[length];
        buffer.getBytes(8, out);
        return out;
    }

    private static byte[] bytes(final int... values)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final int v : values)
        {
            out.write(v);
        }
        return out.toByteArray();
    }

    private static Domain domain(
        final List<Integer> dns, final String domainName, final List<String> search, final int mtu,
        final List<Domain.StaticRoute> routes, final List<Integer> ntp)
    {
        return new Domain(100, "blue", 0x0A000000, 24, List.of(new Domain.AddressRange(0x0A000064, 0x0A0000C7)),
            List.of(), List.of(), 0x0A000001, dns, domainName, search, mtu, routes, ntp, 600, 2400, 30,
            Domain.defaultServerMac(100), 0x0A000001, Domain.Mode.BUILTIN, List.of(),
            List.of(new InetSocketAddress("127.0.0.1", 6767)));
    }
}
