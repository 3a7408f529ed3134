package io.dvmc.service;

import io.dvmc.exchange.DvmcStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.dvmc.policy.Domain;
import io.dvmc.policy.Policy;
import io.dvmc.policy.PolicyFile;
import io.dvmc.policy.PolicyStore;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static io.dvmc.service.TestPolicies.BLUE;
import static io.dvmc.service.TestPolicies.FIRST;
import static io.dvmc.service.TestPolicies.RED;
import static io.dvmc.service.TestPolicies.RELAY;
import static io.dvmc.service.TestPolicies.ROUTER;
import static io.dvmc.service.TestPolicies.TINY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressManagerTest
{
    private static final long MAC = 0x020000000001L;
    private static final long OTHER_MAC = 0x020000000002L;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final Grant grant = new Grant();
    private AddressManager manager;

    @AfterEach
    void close()
    {
        if (manager != null)
        {
            manager.close();
        }
    }

    @Test
    void aDiscoverIsOfferedTheLowestFreeAddressWithTheDomainsLeaseTimes() throws Exception
    {
        open();
        manager.offer(BLUE, MAC, 1, 2, 0x7F000001, 5000, 0, grant);

        assertEquals(FIRST, grant.address());
        assertEquals(ROUTER, grant.serverId());
        assertEquals(600, grant.vmLeaseSeconds());
        assertEquals(2400, grant.hostLeaseSeconds());
        assertTrue(grant.optionsLength() > 0);
        assertFalse(grant.durable());
        assertFalse(manager.isBound(BLUE, MAC));
    }

    @Test
    void aRequestForTheOfferedAddressBindsItDurably() throws Exception
    {
        open();
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, grant);
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, ROUTER, 7, grant);

        assertEquals(FIRST, grant.address());
        assertTrue(grant.durable());
        assertTrue(manager.needsSync());
        manager.sync();
        assertFalse(manager.needsSync());
        assertTrue(manager.isBound(BLUE, MAC));
    }

    @Test
    void aRetransmittedRequestGetsTheSameAnswerWithoutAJournalWrite() throws Exception
    {
        open();
        bind(BLUE, MAC, 7);
        final long records = manager.journal().records();

        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, ROUTER, 7, grant);

        assertEquals(FIRST, grant.address());
        assertFalse(grant.durable());
        assertEquals(records, manager.journal().records());
    }

    @Test
    void aRenewalWithANewTransactionExtendsTheLeaseAndIsJournalled() throws Exception
    {
        open();
        bind(BLUE, MAC, 7);
        clock.advanceSeconds(2000);

        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0, 8, grant);
        assertTrue(grant.durable());
        clock.advanceSeconds(2000);
        manager.sweep();

        assertTrue(manager.isBound(BLUE, MAC));
    }

    @Test
    void aWallClockSetAnHourAheadOnTheServiceHandsNoBoundAddressToAnotherVmWhileItsHostLeaseRuns() throws Exception
    {
        open();
        bind(BLUE, MAC, 7);

        clock.step(3_600_000);
        clock.advanceSeconds(1);
        manager.sweep();
        manager.offer(BLUE, OTHER_MAC, 3, 4, 0, 0, FIRST, grant);

        assertTrue(manager.isBound(BLUE, MAC), "the host lease (40 min) runs for 40 min, whatever the wall clock says");
        assertTrue(grant.address() != FIRST, "offered to a second VM: " + grant.address());
    }

    @Test
    void aWallClockSetBackAnHourOnTheServiceStillEndsALeaseOnTime() throws Exception
    {
        open();
        bind(BLUE, MAC, 7);

        clock.step(-3_600_000);
        clock.advanceSeconds(2401);
        manager.sweep();

        assertFalse(manager.isBound(BLUE, MAC));
    }

    @Test
    void aLeaseBoundAfterAWallClockStepKeepsItsWholeHostLeaseAcrossARestart() throws Exception
    {
        open();
        clock.step(3_600_000);
        bind(BLUE, MAC, 7);
        manager.close();

        // The journal holds wall-clock times: the restarted service reads the wall clock as it now is.
        open();
        clock.advanceSeconds(2390);
        manager.sweep();
        assertTrue(manager.isBound(BLUE, MAC));
        clock.advanceSeconds(11);
        manager.sweep();
        assertFalse(manager.isBound(BLUE, MAC));
    }

    @Test
    void theSameMacInTwoDomainsOnTheSameSubnetHoldsTwoSeparateLeases() throws Exception
    {
        open();
        bind(BLUE, MAC, 1);
        bind(RED, MAC, 2);

        assertEquals(FIRST, manager.addressOf(BLUE, MAC));
        assertEquals(FIRST, manager.addressOf(RED, MAC));
        manager.release(BLUE, MAC, FIRST, grant);
        assertFalse(manager.isBound(BLUE, MAC));
        assertTrue(manager.isBound(RED, MAC));
    }

    @Test
    void aRequestForAnAddressThatWasNotOfferedIsRefused() throws Exception
    {
        open();
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, grant);

        final InvalidAddressException wrong = assertThrows(InvalidAddressException.class,
            () -> manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST + 1, 0, 7, grant));
        assertEquals(DvmcStatus.REASON_WRONG_ADDRESS, wrong.reason());
    }

    @Test
    void aRequestOutsideTheSubnetIsRefused() throws Exception
    {
        open();
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, grant);

        final InvalidAddressException outside = assertThrows(InvalidAddressException.class,
            () -> manager.request(BLUE, MAC, 1, 2, 0, 0, 0x0A000164, 0, 7, grant));
        assertEquals(DvmcStatus.REASON_OUTSIDE_SUBNET, outside.reason());
    }

    @Test
    void aRequestWithoutAnyOfferOrBindingIsRefused() throws Exception
    {
        open();

        final LeaseNotFoundException none = assertThrows(LeaseNotFoundException.class,
            () -> manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0, 7, grant));
        assertEquals(DvmcStatus.REASON_NO_LEASE, none.reason());
    }

    @Test
    void aRequestNamingAnotherServerWithdrawsTheOffer() throws Exception
    {
        open();
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, grant);

        final InvalidAddressException other = assertThrows(InvalidAddressException.class,
            () -> manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0x0A000002, 7, grant));
        assertEquals(DvmcStatus.REASON_WRONG_SERVER, other.reason());
        assertEquals(0, manager.addressOf(BLUE, MAC));
    }

    @Test
    void anOfferNotRequestedWithinTheHoldReturnsToThePool() throws Exception
    {
        open();
        manager.offer(TINY, MAC, 1, 2, 0, 0, 0, grant);
        assertThrows(OutOfAddressesException.class, () -> manager.offer(TINY, OTHER_MAC, 1, 2, 0, 0, 0, grant));

        clock.advanceSeconds(29);
        assertEquals(0, manager.sweep());
        clock.advanceSeconds(1);
        assertEquals(1, manager.sweep());

        manager.offer(TINY, OTHER_MAC, 1, 2, 0, 0, 0, grant);
        assertEquals(0x0A090064, grant.address());
    }

    @Test
    void aRepeatedDiscoverGetsTheSameOfferAndRestartsTheHold() throws Exception
    {
        open();
        manager.offer(TINY, MAC, 1, 2, 0, 0, 0, grant);
        clock.advanceSeconds(20);
        manager.offer(TINY, MAC, 1, 2, 0, 0, 0, grant);
        clock.advanceSeconds(20);

        assertEquals(0, manager.sweep());
        assertEquals(0x0A090064, manager.addressOf(TINY, MAC));
    }

    @Test
    void aBoundLeaseExpiresWithTheHostLease() throws Exception
    {
        open();
        bind(TINY, MAC, 1);

        clock.advanceSeconds(240 - 1);
        assertEquals(0, manager.sweep());
        clock.advanceSeconds(1);
        assertEquals(1, manager.sweep());
        assertFalse(manager.isBound(TINY, MAC));
    }

    @Test
    void aClientComingBackGetsItsPreviousAddress() throws Exception
    {
        open();
        bind(BLUE, OTHER_MAC, 1);
        bind(BLUE, MAC, 2);
        manager.release(BLUE, MAC, FIRST + 1, grant);

        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, grant);

        assertEquals(FIRST + 1, grant.address());
    }

    @Test
    void aReleaseFreesTheAddressAndARepeatedReleaseStillSucceeds() throws Exception
    {
        open();
        bind(TINY, MAC, 1);

        manager.release(TINY, MAC, 0x0A090064, grant);
        assertTrue(grant.durable());
        manager.release(TINY, MAC, 0x0A090064, grant);
        manager.offer(TINY, OTHER_MAC, 1, 2, 0, 0, 0, grant);
        assertEquals(0x0A090064, grant.address());
    }

    @Test
    void aClientComingBackAfterTheRetentionOfPreviousAddressesGetsTheLowestFreeOne() throws Exception
    {
        open();
        bind(BLUE, MAC, 1);
        bind(BLUE, OTHER_MAC, 2);
        manager.release(BLUE, OTHER_MAC, FIRST + 1, grant);
        manager.release(BLUE, MAC, FIRST, grant);
        manager.sweep();

        clock.advanceSeconds(24 * 3600);
        manager.sweep();
        manager.offer(BLUE, OTHER_MAC, 1, 2, 0, 0, 0, grant);

        assertEquals(FIRST, grant.address());
    }

    @Test
    void releasingAnAddressTheClientDoesNotHoldIsRefused() throws Exception
    {
        open();
        bind(BLUE, MAC, 1);

        assertThrows(InvalidAddressException.class, () -> manager.release(BLUE, MAC, FIRST + 5, grant));
        assertTrue(manager.isBound(BLUE, MAC));
    }

    @Test
    void aDeclinedAddressIsNotOfferedAgainDuringTheHold() throws Exception
    {
        open();
        bind(TINY, MAC, 1);
        manager.decline(TINY, MAC, 0x0A090064, grant);

        assertThrows(OutOfAddressesException.class, () -> manager.offer(TINY, MAC, 1, 2, 0, 0, 0, grant));
        clock.advanceMillis(AddressManager.DECLINE_HOLD_MS);
        manager.sweep();
        manager.offer(TINY, MAC, 1, 2, 0, 0, 0, grant);
        assertEquals(0x0A090064, grant.address());
    }

    @Test
    void anAddressADamagedJournalRecordHeldIsNotHandedOutAgainUntilTheOperatorLiftsIt() throws Exception
    {
        open();
        for (long i = 1; i <= 10; i++)
        {
            bind(BLUE, MAC + i, i);
        }
        manager.close();
        flipByte(3 * JournalRecord.LENGTH + JournalRecord.VM_ID_LSB_OFFSET);

        open();

        for (long i = 1; i <= 10; i++)
        {
            assertEquals(i != 3, manager.isBound(BLUE, MAC + i), "lease " + i);
        }
        assertEquals(1, manager.quarantined());
        assertEquals(List.of("100 10.0.0.102"), manager.describeQuarantines());
        manager.offer(BLUE, OTHER_MAC + 100, 1, 2, 0, 0, FIRST + 2, grant);
        assertEquals(FIRST + 10, grant.address(), "the address of lost lease 3 is held");
        manager.close();

        open();
        assertEquals(1, manager.quarantined(), "the quarantine survives a restart");
        assertEquals(0, manager.journalDamage(), "the damage was reported once and rewritten");
        assertEquals(1, manager.liftQuarantine(BLUE, FIRST + 2));
        manager.offer(BLUE, OTHER_MAC + 101, 1, 2, 0, 0, 0, grant);
        assertEquals(FIRST + 2, grant.address());
        manager.close();
        open();
        assertEquals(0, manager.quarantined());
    }

    @Test
    void damageThatCannotBeReadStopsNewAddressesButNotRenewalsUntilTheOperatorLiftsIt() throws Exception
    {
        open();
        for (long i = 1; i <= 10; i++)
        {
            bind(BLUE, MAC + i, i);
        }
        manager.close();
        cutBytes(6 * JournalRecord.LENGTH + 30, 20);

        open();

        assertEquals(9, manager.boundCount());
        assertTrue(manager.isBound(BLUE, MAC + 10));
        assertThrows(OutOfAddressesException.class, () -> manager.offer(BLUE, OTHER_MAC + 100, 1, 2, 0, 0, 0, grant));
        manager.request(BLUE, MAC + 10, 1, 2, 0, 0, FIRST + 9, 0, 99, grant);
        assertEquals(FIRST + 9, grant.address());
        assertEquals(List.of("any any"), manager.describeQuarantines());

        assertEquals(1, manager.liftQuarantine(0, 0));
        manager.offer(BLUE, OTHER_MAC + 100, 1, 2, 0, 0, 0, grant);
        assertEquals(FIRST + 5, grant.address());
    }

    @Test
    void aDeclinedAddressStaysHeldAcrossARestartAndAPolicyEditUntilItsHoldEnds() throws Exception
    {
        final AtomicReference<Policy> current = new AtomicReference<>(TestPolicies.policy());
        final PolicyStore store = new PolicyStore()
        {
            public Optional<Domain> domain(final int id)
            {
                return current.get().domain(id);
            }

            public List<InetSocketAddress> serviceLocations(final int domainId)
            {
                return current.get().serviceLocations(domainId);
            }

            public Collection<Domain> domains()
            {
                return current.get().domains();
            }
        };
        manager = new AddressManager(store, dir, clock.monotonic());
        bind(TINY, MAC, 1);
        manager.decline(TINY, MAC, 0x0A090064, grant);
        manager.sync();
        manager.close();

        manager = new AddressManager(store, dir, clock.monotonic());
        assertThrows(OutOfAddressesException.class, () -> manager.offer(TINY, OTHER_MAC, 1, 2, 0, 0, 0, grant));
        current.set(PolicyFile.parse(TestPolicies.json(6767).replace("\"offerHoldSeconds\": 30",
            "\"offerHoldSeconds\": 31"), "edited policy"));
        assertThrows(OutOfAddressesException.class, () -> manager.offer(TINY, OTHER_MAC, 1, 2, 0, 0, 0, grant));

        clock.advanceMillis(AddressManager.DECLINE_HOLD_MS);
        manager.sweep();
        manager.offer(TINY, OTHER_MAC, 1, 2, 0, 0, 0, grant);
        assertEquals(0x0A090064, grant.address());
    }

    @Test
    void informGivesOptionsWithoutAnAddress() throws Exception
    {
        open();
        manager.inform(RED, grant);

        assertEquals(0, grant.address());
        assertEquals(0, grant.vmLeaseSeconds());
        assertTrue(grant.optionsLength() > 0);
    }

    @Test
    void aLeaseQueryReportsTheBindingAndTheHostLeaseLeft() throws Exception
    {
        open();
        bind(BLUE, MAC, 1);
        clock.advanceSeconds(400);

        manager.query(BLUE, MAC, 1, 2, 0x7F000002, 6000, grant);

        assertEquals(FIRST, grant.address());
        assertEquals(2000, grant.hostLeaseSeconds());
        assertThrows(LeaseNotFoundException.class, () -> manager.query(RED, MAC, 1, 2, 0, 0, grant));
    }

    @Test
    void unknownAndRelayDomainsAreRefusedWithTheirOwnReasons() throws Exception
    {
        open();

        assertEquals(DvmcStatus.REASON_UNKNOWN_DOMAIN, assertThrows(UnknownDomainException.class,
            () -> manager.offer(999, MAC, 1, 2, 0, 0, 0, grant)).reason());
        assertEquals(DvmcStatus.REASON_NOT_SUPPORTED, assertThrows(UnsupportedModeException.class,
            () -> manager.offer(RELAY, MAC, 1, 2, 0, 0, 0, grant)).reason());
    }

    @Test
    void boundLeasesSurviveARestartAndOffersDoNot() throws Exception
    {
        open();
        bind(BLUE, MAC, 1);
        bind(RED, MAC, 2);
        manager.offer(BLUE, OTHER_MAC, 1, 2, 0, 0, 0, grant);
        manager.release(RED, MAC, FIRST, grant);
        manager.sync();
        manager.close();

        open();

        assertTrue(manager.isBound(BLUE, MAC));
        assertFalse(manager.isBound(RED, MAC));
        assertEquals(0, manager.addressOf(BLUE, OTHER_MAC));
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0, 3, grant);
        manager.offer(BLUE, OTHER_MAC, 1, 2, 0, 0, 0, grant);
        assertEquals(FIRST + 1, grant.address());
    }

    @Test
    void aLeaseThatExpiredWhileTheServiceWasDownIsGoneAfterRestart() throws Exception
    {
        open();
        bind(TINY, MAC, 1);
        manager.close();
        clock.advanceSeconds(241);

        open();
        manager.sweep();

        assertFalse(manager.isBound(TINY, MAC));
        manager.offer(TINY, OTHER_MAC, 1, 2, 0, 0, 0, grant);
        assertEquals(0x0A090064, grant.address());
    }

    @Test
    void theJournalIsCompactedWhenItOutgrowsTheLiveLeases() throws Exception
    {
        manager = new AddressManager(TestPolicies.policy(), dir, clock.monotonic(), 2, 16);
        bind(BLUE, MAC, 1);
        for (long xid = 2; xid < 40; xid++)
        {
            manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0, xid, grant);
        }
        manager.sync();
        assertEquals(39, manager.journal().records());

        assertTrue(manager.compactIfDue());

        assertEquals(1, manager.journal().records());
        manager.close();
        open();
        assertTrue(manager.isBound(BLUE, MAC));
    }

    private void flipByte(final long position) throws IOException
    {
        try (FileChannel ch = FileChannel.open(dir.resolve(LeaseJournal.FILE_NAME), StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte)(b.get(0) ^ 0x10)).rewind();
            ch.write(b, position);
        }
    }

    /** Removes {@code count} bytes at {@code at}: what follows moves up, off the record boundaries. */
    private void cutBytes(final int at, final int count) throws IOException
    {
        final Path file = dir.resolve(LeaseJournal.FILE_NAME);
        final byte[] bytes = Files.readAllBytes(file);
        final byte[] cut = new byte[bytes.length - count];
        System.arraycopy(bytes, 0, cut, 0, at);
        System.arraycopy(bytes, at + count, cut, at, bytes.length - at - count);
        Files.write(file, cut);
    }

    @Test
    void aVmWhoseMacChangesKeepsItsAddressByItsClientIdentifier() throws Exception
    {
        open();
        final long clientId = clientKey("vm-1 eth0");
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, clientId, grant);
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, ROUTER, 7, clientId, grant);
        manager.sync();
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0, 9, grant); // the agent's refresh carries no client id
        manager.sync();

        manager.offer(BLUE, OTHER_MAC, 1, 2, 0, 0, 0, clientId, grant);
        assertEquals(FIRST, grant.address(), "RFC 2131 §4.2: the client identifier names the client");
        manager.request(BLUE, OTHER_MAC, 1, 2, 0, 0, FIRST, ROUTER, 8, clientId, grant);
        manager.sync();

        assertTrue(manager.isBound(BLUE, OTHER_MAC));
        assertEquals(0, manager.addressOf(BLUE, MAC), "one address, one binding: the old MAC's ended");
    }

    @Test
    void aVmWhoseMacChangedWhileTheServiceRestartedKeepsItsAddressByItsClientIdentifierAndItsNames()
        throws Exception
    {
        open();
        final long clientId = clientKey("vm-1 eth0");
        final ClientNames names = names("vm-1", "vm-1.tenant.example");
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, clientId, names, grant);
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, ROUTER, 7, clientId, names, 0, grant);
        manager.sync();
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0, 9, grant); // the agent's refresh carries neither
        manager.sync();
        manager.close();

        open();

        assertEquals("vm-1", manager.hostName(BLUE, MAC));
        assertEquals("vm-1.tenant.example", manager.fqdn(BLUE, MAC));
        manager.offer(BLUE, OTHER_MAC, 1, 2, 0, 0, 0, clientId, grant);
        assertEquals(FIRST, grant.address(), "RFC 2131 §4.2: the client identifier names the client after a restart");
    }

    @Test
    void aLongHostNameAndFqdnSurviveACompactionAndARestart() throws Exception
    {
        manager = new AddressManager(TestPolicies.policy(), dir, clock.monotonic(), 2, 16);
        final String host = "h".repeat(200);
        final String fqdn = "f".repeat(60) + "." + "g".repeat(60) + ".example";
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, ClientKeys.NONE, names(host, fqdn), grant);
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, ROUTER, 7, ClientKeys.NONE, names(host, fqdn), 0, grant);
        for (int xid = 8; !manager.compactIfDue(); xid++)
        {
            manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, 0, xid, grant);
            manager.sync();
        }
        manager.close();

        open();

        assertEquals(host, manager.hostName(BLUE, MAC));
        assertEquals(fqdn, manager.fqdn(BLUE, MAC));
    }

    @Test
    void aJournalWrittenInVersion2LoadsWithItsLeasesAndDeclinesAndTakesVersion3RecordsAfterThem() throws Exception
    {
        try (java.io.InputStream in = getClass().getResourceAsStream("journal-v2/leases.journal"))
        {
            Files.write(dir.resolve(LeaseJournal.FILE_NAME), in.readAllBytes());
        }
        open();

        assertEquals(0, manager.journalDamage());
        assertEquals(FIRST, manager.addressOf(BLUE, MAC));
        assertEquals(FIRST + 1, manager.addressOf(BLUE, OTHER_MAC));
        assertTrue(manager.isHeld(BLUE, FIRST + 2), "the declined address is held");
        final long clientId = clientKey("vm-9 eth0");
        manager.offer(BLUE, 0x020000000009L, 9, 9, 0, 0, 0, clientId, names("vm-9", ""), grant);
        manager.request(BLUE, 0x020000000009L, 9, 9, 0, 0, grant.address(), ROUTER, 11, clientId, grant);
        manager.sync();
        manager.close();

        open();

        assertEquals(0, manager.journalDamage());
        assertEquals(FIRST, manager.addressOf(BLUE, MAC));
        assertEquals(FIRST + 3, manager.addressOf(BLUE, 0x020000000009L));
        assertEquals("vm-9", manager.hostName(BLUE, 0x020000000009L));
    }

    @Test
    void aVmWhoseMacChangesIsAcknowledgedItsAddressAtInitRebootByItsClientIdentifier() throws Exception
    {
        open();
        final long clientId = clientKey("vm-1 eth0");
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, clientId, grant);
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, ROUTER, 7, clientId, grant);
        manager.sync();

        manager.request(BLUE, OTHER_MAC, 1, 2, 0, 0, FIRST, 0, 8, clientId, grant);
        manager.sync();

        assertEquals(FIRST, grant.address());
        assertTrue(manager.isBound(BLUE, OTHER_MAC));
        assertEquals(0, manager.addressOf(BLUE, MAC));
    }

    @Test
    void aSelectingRequestNamingThisServerForAFreeAddressItNeverOfferedIsAcknowledged() throws Exception
    {
        open();

        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST + 5, ROUTER, 7, grant);
        manager.sync();

        assertEquals(FIRST + 5, manager.addressOf(BLUE, MAC), "RFC 2131 §4.3.2: the client chose this server");
        assertTrue(manager.isBound(BLUE, MAC));
    }

    @Test
    void aSelectingRequestNamingThisServerForAnotherClientsAddressIsNaked() throws Exception
    {
        open();
        bind(BLUE, MAC, 7);

        final InvalidAddressException nak = assertThrows(InvalidAddressException.class,
            () -> manager.request(BLUE, OTHER_MAC, 3, 4, 0, 0, FIRST, ROUTER, 8, grant));

        assertEquals(DvmcStatus.REASON_WRONG_ADDRESS, nak.reason());
        assertThrows(LeaseNotFoundException.class,
            () -> manager.request(BLUE, OTHER_MAC, 3, 4, 0, 0, FIRST, 0, 9, grant),
            "the same request at INIT-REBOOT (no server id): no record of the client, silence");
    }

    @Test
    void anotherVmSendingTheSameClientIdentifierTakesNothingFromTheVmThatHoldsIt() throws Exception
    {
        open();
        final long clientId = clientKey("vm-1 eth0");
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, clientId, grant);
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, ROUTER, 7, clientId, grant);
        manager.sync();

        assertThrows(LeaseNotFoundException.class,
            () -> manager.request(BLUE, OTHER_MAC, 3, 4, 0, 0, FIRST, 0, 8, clientId, grant),
            "an INIT-REBOOT from another VM for the address: no record of that client");
        manager.offer(BLUE, OTHER_MAC, 3, 4, 0, 0, 0, clientId, grant);
        assertEquals(FIRST + 1, grant.address());

        assertTrue(manager.isBound(BLUE, MAC));
        assertEquals(FIRST, manager.addressOf(BLUE, MAC));
    }

    @Test
    void aVmWithTwoMacsAndTwoClientIdentifiersHoldsTwoLeases() throws Exception
    {
        open();
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, clientKey("eth0"), grant);
        manager.request(BLUE, MAC, 1, 2, 0, 0, FIRST, ROUTER, 7, clientKey("eth0"), grant);
        manager.offer(BLUE, OTHER_MAC, 1, 2, 0, 0, 0, clientKey("eth1"), grant);

        assertEquals(FIRST + 1, grant.address());
        assertEquals(FIRST, manager.addressOf(BLUE, MAC));
    }

    /** Names as the service reads them from options 12 and 81 (the FQDN in ASCII, RFC 4702 flag E clear). */
    private static ClientNames names(final String hostName, final String fqdn)
    {
        final byte[] fqdnOption = ("\0\0\0" + fqdn).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] host = hostName.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] both = new byte[host.length + fqdnOption.length];
        System.arraycopy(host, 0, both, 0, host.length);
        System.arraycopy(fqdnOption, 0, both, host.length, fqdnOption.length);
        return new ClientNames().read(new org.agrona.concurrent.UnsafeBuffer(both), 0, host.length, host.length,
            fqdnOption.length);
    }

    @Test
    void anAddressReservedForAClientIdentifierGoesToTheClientThatSendsItWhateverItsMac() throws Exception
    {
        openWithReservations();
        manager.offer(BLUE, OTHER_MAC, 1, 2, 0, 0, 0, clientKey("vm-1 eth0"), grant);
        assertEquals(0x0A000014, grant.address());
        manager.request(BLUE, OTHER_MAC, 1, 2, 0, 0, 0x0A000014, ROUTER, 7, clientKey("vm-1 eth0"), grant);
        manager.sync();

        assertEquals(0x0A000014, manager.addressOf(BLUE, OTHER_MAC));
    }

    @Test
    void aClientWithoutTheReservedIdentifierIsNeverGivenItsAddress() throws Exception
    {
        openWithReservations();
        manager.offer(BLUE, OTHER_MAC, 1, 2, 0, 0, 0x0A000014, clientKey("vm-2 eth0"), grant);
        assertEquals(FIRST, grant.address(), "asked for the reserved address with another identifier");
        manager.offer(BLUE, 0x020000000003L, 3, 4, 0, 0, 0x0A000014, grant);
        assertEquals(FIRST + 1, grant.address(), "asked for it without an identifier");
    }

    @Test
    void aReservationByClientIdentifierComesBeforeOneByMac() throws Exception
    {
        openWithReservations();
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, clientKey("vm-1 eth0"), grant);
        assertEquals(0x0A000014, grant.address(), "RFC 2131 §4.2: the client identifier names the client");

        manager.offer(BLUE, 0x020000000003L, 3, 4, 0, 0, 0, grant);
        assertEquals(FIRST, grant.address());
    }

    @Test
    void aMacReservationStillServesAClientThatSendsAnUnreservedIdentifier() throws Exception
    {
        openWithReservations();
        manager.offer(BLUE, MAC, 1, 2, 0, 0, 0, clientKey("vm-2 eth0"), grant);

        assertEquals(0x0A00000A, grant.address());
    }

    /** Blue with 10.0.0.10 reserved for MAC and 10.0.0.20 for the client identifier "vm-1 eth0". */
    private void openWithReservations() throws Exception
    {
        final String json = TestPolicies.json(6767).replace("\"dns\": [\"10.0.0.53\"]", """
            "dns": ["10.0.0.53"], "reservations": [ { "mac": "02:00:00:00:00:01", "ip": "10.0.0.10" },
              { "clientId": "%s", "ip": "10.0.0.20" } ]""".formatted(
            java.util.HexFormat.of().formatHex("vm-1 eth0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
        manager = new AddressManager(PolicyFile.parse(json, "test policy"), dir, clock.monotonic());
    }

    private static long clientKey(final String clientId)
    {
        final byte[] bytes = clientId.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ClientKeys.of(new org.agrona.concurrent.UnsafeBuffer(bytes), 0, bytes.length);
    }

    private void open() throws IOException
    {
        manager = new AddressManager(TestPolicies.policy(), dir, clock.monotonic());
    }

    private void bind(final int domain, final long mac, final long xid) throws Exception
    {
        manager.offer(domain, mac, 1, 2, 0, 0, 0, grant);
        manager.request(domain, mac, 1, 2, 0, 0, grant.address(), grant.serverId(), xid, grant);
        manager.sync();
    }
}
