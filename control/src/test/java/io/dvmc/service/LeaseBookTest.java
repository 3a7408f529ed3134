package io.dvmc.service;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LeaseBookTest
{
    private static final int DOMAIN = 100;

    @Test
    void previousAddressesBeyondTheCapacityAreForgottenOldestFirst()
    {
        final LeaseBook book = new LeaseBook(100, 60_000);

        for (long mac = 1; mac <= 1000; mac++)
        {
            book.remove(book.add(DOMAIN, mac, 0x0A000000 + (int)mac, LeaseBook.BOUND, 0));
        }

        assertEquals(100, book.previousCount());
        assertEquals(0, book.previousAddress(DOMAIN, 900));
        assertEquals(0x0A000000 + 901, book.previousAddress(DOMAIN, 901));
        assertEquals(0x0A000000 + 1000, book.previousAddress(DOMAIN, 1000));
    }

    @Test
    void aPreviousAddressIsForgottenOnceItsRetentionHasPassed()
    {
        final LeaseBook book = new LeaseBook(100, 60_000);
        book.remove(book.add(DOMAIN, 1, 0x0A000001, LeaseBook.BOUND, 0));
        book.prunePrevious(1_000);
        book.remove(book.add(DOMAIN, 2, 0x0A000002, LeaseBook.BOUND, 0));
        book.prunePrevious(30_000);

        book.prunePrevious(61_000);

        assertEquals(0, book.previousAddress(DOMAIN, 1));
        assertEquals(0x0A000002, book.previousAddress(DOMAIN, 2));
        assertEquals(1, book.previousCount());
    }

    @Test
    void aClientThatEndsBindingsAgainAndAgainKeepsOnlyItsLastAddressAndTheBookStaysBounded()
    {
        final LeaseBook book = new LeaseBook(10, 60_000);

        for (int i = 0; i < 1000; i++)
        {
            book.remove(book.add(DOMAIN, 7, 0x0A000000 + i, LeaseBook.BOUND, 0));
        }

        assertEquals(1, book.previousCount());
        assertEquals(0x0A000000 + 999, book.previousAddress(DOMAIN, 7));
    }
}
