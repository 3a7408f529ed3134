package io.dvmc.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AddressesTest
{
    @Test
    void dottedQuadsParseAndPrintBack()
    {
        assertEquals(0x0A000001, Addresses.parseIpv4("10.0.0.1"));
        assertEquals(0xFFFFFFFF, Addresses.parseIpv4(" 255.255.255.255 "));
        assertEquals(0, Addresses.parseIpv4("0.0.0.0"));
        assertEquals("192.168.1.254", Addresses.ipv4(Addresses.parseIpv4("192.168.1.254")));
    }

    @Test
    void anythingButFourDecimalOctetsIsRefused()
    {
        for (final String bad : new String[]{"", "10.0.0", "10.0.0.1.", "10.0.0.1.2", "256.0.0.1", "10..0.1",
            "1000.0.0.1", "10.0.0.-1", "10.0.0.+1", "a.b.c.d", "10.0.0.1x", ".10.0.0"})
        {
            assertThrows(IllegalArgumentException.class, () -> Addresses.parseIpv4(bad), bad);
        }
    }

    @Test
    void macsParseWithColonsOrDashesInEitherCase()
    {
        assertEquals(0x02AB00000001L, Addresses.parseMac("02:ab:00:00:00:01"));
        assertEquals(0x02AB00000001L, Addresses.parseMac("02-AB-00-00-00-01"));
        assertEquals("02:ab:00:00:00:01", Addresses.mac(Addresses.parseMac(" 02:AB:00:00:00:01 ")));
    }

    @Test
    void anythingButSixHexPairsIsRefused()
    {
        for (final String bad : new String[]{"", "02:ab:00:00:00", "02:ab:00:00:00:01:02", "02:ab:00:00:00:0g",
            "02ab:00:00:00:01", "02:ab:00:00:00:1", "02.ab.00.00.00.01", "+2:ab:00:00:00:01"})
        {
            assertThrows(IllegalArgumentException.class, () -> Addresses.parseMac(bad), bad);
        }
    }
}
