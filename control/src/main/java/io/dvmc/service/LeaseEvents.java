package io.dvmc.service;

import io.dvmc.config.Addresses;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

import java.util.UUID;

/**
 * One log event per lease change of a service, on logger {@code dvmc.lease} at INFO: which VM of which domain and
 * host got, kept or gave back which address, and why a client was refused. The fields are key-value pairs, so the
 * JSON format carries them as fields and the plain one as {@code key=value}:
 *
 * <pre>
 *   event      offered | bound | released | declined | nak | bootp-bound | expired
 *   domain     the domain id
 *   mac        the VM's MAC
 *   address    the address offered, bound, given back or refused
 *   vm         the VM id (field 201)
 *   host       the host id (the upper half of the transaction id, field 200) and its agent's endpoint
 *   lease_s    the VM lease granted (offered, bound)
 *   reason     why a NAK (nak)
 * </pre>
 *
 * Logged as a reply leaves (never for one withheld), so the log says what the VM was told. Nothing is built when
 * the logger is off.
 */
final class LeaseEvents
{
    static final String LOGGER = "dvmc.lease";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private LeaseEvents()
    {
    }

    static boolean enabled()
    {
        return LOG.isInfoEnabled();
    }

    /** The reply to a request of {@code requestType}, about to be sent. */
    static void replied(final int requestType, final DvmcMessage reply)
    {
        final String event = eventOf(requestType, reply);
        if (event == null || !LOG.isInfoEnabled())
        {
            return;
        }
        final LoggingEventBuilder b = LOG.atInfo().setMessage(event)
            .addKeyValue("event", event)
            .addKeyValue("domain", Integer.toUnsignedString(reply.domainId()))
            .addKeyValue("mac", Addresses.mac(reply.mac()))
            .addKeyValue("address", Addresses.ipv4(reply.yiaddr()))
            .addKeyValue("vm", new UUID(reply.vmIdMsb(), reply.vmIdLsb()))
            .addKeyValue("host", Long.toUnsignedString(reply.transactionId() >>> 32) + "@" +
                Addresses.ipv4(reply.locationAddress()) + ":" + reply.locationPort());
        if ("nak".equals(event))
        {
            b.addKeyValue("reason", DvmcStatus.reasonName(reply.reason()));
        }
        else if (!"released".equals(event) && !"declined".equals(event))
        {
            b.addKeyValue("lease_s", Integer.toUnsignedString(reply.vmLeaseSeconds()));
        }
        b.log();
    }

    /** A binding that ran out of its host lease at this service. */
    static void expired(final int domainId, final long mac, final int address, final long vmIdMsb,
        final long vmIdLsb)
    {
        if (!LOG.isInfoEnabled())
        {
            return;
        }
        LOG.atInfo().setMessage("expired")
            .addKeyValue("event", "expired")
            .addKeyValue("domain", Integer.toUnsignedString(domainId))
            .addKeyValue("mac", Addresses.mac(mac))
            .addKeyValue("address", Addresses.ipv4(address))
            .addKeyValue("vm", new UUID(vmIdMsb, vmIdLsb))
            .log();
    }

    private static String eventOf(final int requestType, final DvmcMessage reply)
    {
        if (reply.type() == DvmcMessageType.NAK || reply.status() == DvmcStatus.NAK)
        {
            return "nak";
        }
        return switch (requestType)
        {
            case DvmcMessageType.DISCOVER -> "offered";
            case DvmcMessageType.REQUEST -> "bound";
            case DvmcMessageType.RELEASE -> "released";
            case DvmcMessageType.DECLINE -> "declined";
            case DvmcMessageType.BOOTP -> "bootp-bound";
            default -> null;
        };
    }
}
