package io.dvmc.dataplane;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.lease.LeaseRecord;
import io.dvmc.lease.LeaseState;
import io.dvmc.time.HostTimeBase;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the host answers by itself, on real client frames (captured against 192.0.2.1, leases 192.0.2.147/148). */
class FastPathTest
{
    private static final Path CAPTURES = Path.of("..", "protocol", "src", "test", "resources", "captures");
    private static final int SERVER = 0xC000_0201;
    private static final int UDHCPC_IP = 0xC000_0293;
    private static final int DHCLIENT_IP = 0xC000_0294;
    private static final long NOW = 1_800_000_000_000L;

    private static DhcpPacket packet(final String capture) throws IOException
    {
        final UnsafeBuffer frame = new UnsafeBuffer(Files.readAllBytes(CAPTURES.resolve(capture + ".bin")));
        final FrameView view = new FrameView();
        new FrameClassifier().classify(frame, 0, frame.capacity(), view);
        final DhcpPacket packet = new DhcpPacket().wrap(frame, view.payloadOffset(), view.payloadLength());
        assertEquals(0, packet.validate());
        return packet;
    }

    private static LeaseRecord bound(final int ip, final long hostLeaseLeftMs)
    {
        return new LeaseRecord().clear().ip(ip).state(LeaseState.BOUND).vmLeaseSeconds(600)
            .hostLeaseExpiryMillis(NOW + hostLeaseLeftMs).vmLeaseExpiryMillis(NOW + 600_000).seal();
    }

    @Test
    void aRenewingRequestForTheBoundAddressIsAcknowledgedOnTheHost() throws IOException
    {
        assertEquals(DhcpMessageType.ACK,
            FastPath.decide(packet("udhcpc-request-renewing"), bound(UDHCPC_IP, 2_400_000), SERVER, NOW));
    }

    @Test
    void aWallClockSetBackAnHourOnTheHostDoesNotLetTheFastPathAnswerPastTheHostLease(@TempDir final Path state)
        throws IOException
    {
        final AtomicLong monotonic = new AtomicLong(42_000_000_000L);
        final Clock agentWall = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
        assertEquals(NOW, HostTimeBase.open(state, "boot", agentWall, monotonic::get).clock().time());
        final LeaseRecord lease = bound(UDHCPC_IP, 60_000);

        monotonic.addAndGet(TimeUnit.SECONDS.toNanos(61));
        final Clock steppedBack = Clock.fixed(Instant.ofEpochMilli(NOW + 61_000 - 3_600_000), ZoneOffset.UTC);
        final long dataplaneNow = HostTimeBase.open(state, "boot", steppedBack, monotonic::get).clock().time();

        assertEquals(FastPath.SLOW,
            FastPath.decide(packet("udhcpc-request-renewing"), lease, SERVER, dataplaneNow));
    }

    @Test
    void aRenewingRequestFromAnotherAddressGoesToTheAgent() throws IOException
    {
        assertEquals(FastPath.SLOW,
            FastPath.decide(packet("udhcpc-request-renewing"), bound(DHCLIENT_IP, 2_400_000), SERVER, NOW));
    }

    @Test
    void aDiscoverOfABoundVmIsOfferedItsAddress() throws IOException
    {
        assertEquals(DhcpMessageType.OFFER,
            FastPath.decide(packet("udhcpc-discover"), bound(UDHCPC_IP, 2_400_000), SERVER, NOW));
    }

    @Test
    void aSelectingRequestForTheBoundAddressFromThisServerIsAcknowledged() throws IOException
    {
        assertEquals(DhcpMessageType.ACK,
            FastPath.decide(packet("dhclient-request-selecting"), bound(DHCLIENT_IP, 2_400_000), SERVER, NOW));
    }

    @Test
    void aSelectingRequestThatChoseAnotherServerGoesToTheAgent() throws IOException
    {
        assertEquals(FastPath.SLOW,
            FastPath.decide(packet("dhclient-request-selecting"), bound(DHCLIENT_IP, 2_400_000), SERVER + 1, NOW));
    }

    @Test
    void anInitRebootForAnotherAddressIsLeftToTheServiceWhichMayNakIt() throws IOException
    {
        assertEquals(FastPath.SLOW,
            FastPath.decide(packet("dhclient-request-init-reboot"), bound(DHCLIENT_IP, 2_400_000), SERVER, NOW));
    }

    @Test
    void aBoundVmIsGrantedItsWholeVmLeaseWhileTheHostLeaseOutlastsIt()
    {
        assertEquals(600, FastPath.leaseSeconds(bound(UDHCPC_IP, 2_400_000), NOW));
        assertEquals(600, FastPath.leaseSeconds(bound(UDHCPC_IP, 600_000), NOW));
    }

    @Test
    void aHostLeaseShorterThanAWholeVmLeaseStillAnswersOnTheHostGrantingOnlyWhatIsLeft() throws IOException
    {
        // The service is out of reach and the refresh has not come back: the VM is served as long as the host is.
        assertEquals(DhcpMessageType.ACK,
            FastPath.decide(packet("udhcpc-request-renewing"), bound(UDHCPC_IP, 599_999), SERVER, NOW));
        assertEquals(599, FastPath.leaseSeconds(bound(UDHCPC_IP, 599_999), NOW));
        assertEquals(DhcpMessageType.ACK,
            FastPath.decide(packet("udhcpc-request-renewing"), bound(UDHCPC_IP, 2_000), SERVER, NOW));
        assertEquals(2, FastPath.leaseSeconds(bound(UDHCPC_IP, 2_999), NOW));
    }

    @Test
    void aHostLeaseBelowTheFloorSendsTheRenewalToTheService() throws IOException
    {
        assertEquals(FastPath.SLOW,
            FastPath.decide(packet("udhcpc-request-renewing"), bound(UDHCPC_IP, 1_999), SERVER, NOW));
        assertEquals(FastPath.SLOW,
            FastPath.decide(packet("udhcpc-discover"), bound(UDHCPC_IP, -1), SERVER, NOW));
    }

    @Test
    void anInfiniteVmLeaseIsGrantedOnlyWhatTheHostLeaseHasLeft()
    {
        final LeaseRecord infinite = bound(UDHCPC_IP, 3_600_000).vmLeaseSeconds(-1).seal();
        assertEquals(3_600, FastPath.leaseSeconds(infinite, NOW));
    }

    @Test
    void anOfferedButUnboundLeaseIsNeverAnsweredOnTheHost() throws IOException
    {
        final LeaseRecord offered = bound(UDHCPC_IP, 2_400_000).state(LeaseState.OFFERED).seal();
        assertEquals(FastPath.SLOW, FastPath.decide(packet("udhcpc-discover"), offered, SERVER, NOW));
    }

    @Test
    void aReleaseAlwaysGoesToTheService() throws IOException
    {
        assertEquals(FastPath.SLOW,
            FastPath.decide(packet("udhcpc-release"), bound(UDHCPC_IP, 2_400_000), SERVER, NOW));
    }

    /** A relay domain's VM bound {@code elapsedMs} ago by its tenant, for {@code tenantSeconds}, with its options. */
    private static LeaseRecord tenantLease(final int ip, final int tenantSeconds, final long elapsedMs)
    {
        final UnsafeBuffer router = new UnsafeBuffer(new byte[]{3, 4, (byte)192, 0, 2, (byte)254});
        final LeaseRecord lease = new LeaseRecord().clear().ip(ip).state(LeaseState.BOUND)
            .vmLeaseSeconds(tenantSeconds).hostLeaseExpiryMillis(NOW - elapsedMs + tenantSeconds * 1000L - 1000);
        lease.tenantOptions(router, 0, router.capacity());
        return lease.seal();
    }

    private static int tenant(final String capture, final LeaseRecord lease) throws IOException
    {
        return FastPath.decideTenant(packet(capture), lease, SERVER, FastPath.leaseSeconds(lease, NOW), NOW);
    }

    @Test
    void aRelayDomainsRenewalInTheFirstHalfOfTheTenantsLeaseIsAcknowledgedOnTheHost() throws IOException
    {
        assertEquals(DhcpMessageType.ACK, tenant("udhcpc-request-renewing", tenantLease(UDHCPC_IP, 600, 10_000)));
    }

    @Test
    void aRelayDomainsRenewalPastTheTenantsT1GoesThroughTheRelay() throws IOException
    {
        assertEquals(FastPath.SLOW, tenant("udhcpc-request-renewing", tenantLease(UDHCPC_IP, 600, 299_000)));
    }

    @Test
    void aRelayDomainsInitRebootForTheTenantsAddressIsAcknowledgedOnTheHost() throws IOException
    {
        final int remembered = packet("dhclient-request-init-reboot").requestedIp();
        assertEquals(DhcpMessageType.ACK, tenant("dhclient-request-init-reboot", tenantLease(remembered, 600, 10_000)));
        assertEquals(FastPath.SLOW, tenant("dhclient-request-init-reboot", tenantLease(DHCLIENT_IP, 600, 10_000)));
    }

    @Test
    void aRelayDomainsDiscoverAndSelectingRequestStartABindingWithTheTenant() throws IOException
    {
        assertEquals(FastPath.SLOW, tenant("udhcpc-discover", tenantLease(UDHCPC_IP, 600, 10_000)));
        assertEquals(FastPath.SLOW, tenant("dhclient-request-selecting", tenantLease(DHCLIENT_IP, 600, 10_000)));
    }

    @Test
    void aRelayDomainsVmWithoutItsTenantOptionsInTheStoreGoesThroughTheRelay() throws IOException
    {
        final LeaseRecord lease = bound(UDHCPC_IP, 590_000);
        assertEquals(FastPath.SLOW, FastPath.decideTenant(packet("udhcpc-request-renewing"), lease, SERVER,
            FastPath.leaseSeconds(lease, NOW), NOW));
    }
}
