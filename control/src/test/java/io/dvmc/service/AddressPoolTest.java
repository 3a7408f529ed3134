package io.dvmc.service;

import io.dvmc.policy.Domain;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressPoolTest
{
    static final int NET = 0x0A000000;
    static final long MAC_A = 0x020000000001L;
    static final long MAC_B = 0x020000000002L;
    static final long MAC_RESERVED = 0x0200000000AAL;

    @Test
    void theLowestFreeAddressIsHandedOutFirst() throws Exception
    {
        final AddressPool pool = new AddressPool(domain(List.of(range(100, 199)), List.of(), List.of()));

        assertEquals(NET + 100, pool.allocate(MAC_A, 0, 0));
        assertEquals(NET + 101, pool.allocate(MAC_B, 0, 0));
    }

    @Test
    void networkBroadcastRouterAndServerAddressesAreNeverHandedOut() throws Exception
    {
        final AddressPool pool = new AddressPool(
            domain(List.of(range(0, 255)), List.of(), List.of(), NET + 1, NET + 2));
        final Set<Integer> given = new HashSet<>();
        while (true)
        {
            try
            {
                given.add(pool.allocate(MAC_A + given.size(), 0, 0));
            }
            catch (final OutOfAddressesException ex)
            {
                break;
            }
        }

        assertEquals(256 - 4, given.size());
        assertFalse(given.contains(NET));
        assertFalse(given.contains(NET + 255));
        assertFalse(given.contains(NET + 1));
        assertFalse(given.contains(NET + 2));
    }

    @Test
    void excludedAddressesAreSkipped() throws Exception
    {
        final AddressPool pool = new AddressPool(
            domain(List.of(range(100, 110)), List.of(range(100, 104), range(106, 106)), List.of()));

        assertEquals(NET + 105, pool.allocate(MAC_A, 0, 0));
        assertEquals(NET + 107, pool.allocate(MAC_B, 0, 0));
    }

    @Test
    void aReservedAddressGoesToItsMacOnlyEvenOutsideThePools() throws Exception
    {
        final AddressPool pool = new AddressPool(domain(List.of(range(100, 101)), List.of(),
            List.of(new Domain.Reservation(MAC_RESERVED, NET + 10), new Domain.Reservation(MAC_B, NET + 100))));

        assertEquals(NET + 10, pool.allocate(MAC_RESERVED, NET + 101, NET + 101));
        assertEquals(NET + 101, pool.allocate(MAC_A, 0, NET + 100));
        assertThrows(OutOfAddressesException.class, () -> pool.allocate(0x02000000000CL, 0, 0));
        assertEquals(NET + 100, pool.allocate(MAC_B, 0, 0));
    }

    @Test
    void thePreviousAddressIsPreferredOverTheRequestedOne() throws Exception
    {
        final AddressPool pool = new AddressPool(domain(List.of(range(100, 199)), List.of(), List.of()));

        assertEquals(NET + 150, pool.allocate(MAC_A, NET + 150, NET + 160));
        assertEquals(NET + 160, pool.allocate(MAC_B, NET + 150, NET + 160));
    }

    @Test
    void aRequestedAddressOutsideThePoolsIsNotGiven() throws Exception
    {
        final AddressPool pool = new AddressPool(domain(List.of(range(100, 199)), List.of(), List.of()));

        assertEquals(NET + 100, pool.allocate(MAC_A, 0, NET + 50));
        assertEquals(NET + 101, pool.allocate(MAC_B, 0, 0x0B000001));
    }

    @Test
    void anExhaustedPoolThrowsAndAReleasedAddressComesBack() throws Exception
    {
        final AddressPool pool = new AddressPool(domain(List.of(range(100, 101)), List.of(), List.of()));
        pool.allocate(MAC_A, 0, 0);
        pool.allocate(MAC_B, 0, 0);

        assertThrows(OutOfAddressesException.class, () -> pool.allocate(0x020000000003L, 0, 0));
        pool.release(NET + 100);
        assertEquals(NET + 100, pool.allocate(0x020000000003L, 0, 0));
        assertEquals(2, pool.usedCount());
        assertEquals(0, pool.freeCount());
    }

    @Test
    void aHeldAddressIsNotHandedOutUntilItsHoldEnds() throws Exception
    {
        final AddressPool pool = new AddressPool(domain(List.of(range(100, 101)), List.of(), List.of()));
        pool.hold(NET + 100);

        assertEquals(NET + 101, pool.allocate(MAC_A, NET + 100, NET + 100));
        assertThrows(OutOfAddressesException.class, () -> pool.allocate(MAC_B, 0, 0));
        pool.unhold(NET + 100);
        assertEquals(NET + 100, pool.allocate(MAC_B, 0, 0));
    }

    @Test
    void aPoolSpanningASlash8HandsOutAddressesInOrder() throws Exception
    {
        final Domain wide = new Domain(1, "wide", 0x0A000000, 8, List.of(new Domain.AddressRange(0x0A000001,
            0x0AFFFFFE)), List.of(), List.of(), 0x0A000001, List.of(), null, List.of(), 0, List.of(), List.of(),
            600, 2400, 30, Domain.defaultServerMac(1), 0x0A000001, Domain.Mode.BUILTIN, List.of(),
            List.of(new InetSocketAddress("127.0.0.1", 6767)));
        final AddressPool pool = new AddressPool(wide);

        for (int i = 0; i < 10_000; i++)
        {
            assertTrue(pool.allocate(i, 0, 0) != 0);
        }
        assertEquals(0x0A000002 + 10_000, pool.allocate(MAC_A, 0, 0));
    }

    static Domain.AddressRange range(final int first, final int last)
    {
        return new Domain.AddressRange(NET + first, NET + last);
    }

    static Domain domain(
        final List<Domain.AddressRange> pools, final List<Domain.AddressRange> exclusions,
        final List<Domain.Reservation> reservations)
    {
        return domain(pools, exclusions, reservations, NET + 1, NET + 1);
    }

    static Domain domain(
        final List<Domain.AddressRange> pools, final List<Domain.AddressRange> exclusions,
        final List<Domain.Reservation> reservations, final int router, final int server)
    {
        return new Domain(100, "blue", NET, 24, pools, exclusions, reservations, router, List.of(), null, List.of(),
            0, List.of(), List.of(), 600, 2400, 30, Domain.defaultServerMac(100), server, Domain.Mode.BUILTIN,
            List.of(), List.of(new InetSocketAddress("127.0.0.1", 6767)));
    }
}
