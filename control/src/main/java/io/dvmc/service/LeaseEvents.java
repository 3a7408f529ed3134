package io.dvmc.service;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

import java.io.PrintStream;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * One log event per lease change of a service, on logger {@code dvmc.lease} at INFO: which VM of which domain and
 * host got, kept or gave back which address, and why a client was refused. The fields are key-value pairs, so the
 * JSON format carries them as fields and the plain one as {@code key=value}:
 *
 * <pre>
 *   event      offered | bound | released | declined | nak | bootp-bound | expired
 *   domain     the domain id
 *   mac        the VM's MAC
 *   address    the address offered or bound; for released, declined and nak the one the client gave back or asked for
 *   vm         the VM id (field 201)
 *   host       the host id (the upper half of the transaction id, field 200) and its agent's endpoint
 *   lease_s    the VM lease granted (offered, bound)
 *   reason     why a NAK (nak)
 * </pre>
 *
 * Logged as a reply leaves (never for one withheld), so the log says what the VM was told. Nothing is built when
 * the logger is off. Where the logger's only appender is the shipped console appender (docs/operations.md, "Logs"),
 * the event is rendered by {@link LeaseEventLine} without allocating, and only if it renders a sample event exactly as
 * that appender's encoder does; with any other configuration Logback renders it. One thread at a time.
 */
public final class LeaseEvents
{
    static final String LOGGER = "dvmc.lease";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final LeaseEventWriter writer;

    private LeaseEvents(final LeaseEventWriter writer)
    {
        this.writer = writer;
    }

    /** Rendered here where the configuration allows it (see the class comment), by Logback otherwise. */
    public static LeaseEvents configured()
    {
        final LeaseEventLine.Format format = directFormat();
        return format != null ? direct(format, () -> System.err) : logback();
    }

    /** Every event through Logback. */
    public static LeaseEvents logback()
    {
        return new LeaseEvents(new LogbackWriter());
    }

    /** Every event rendered here in {@code format} and written to {@code out}, in the default time zone. */
    public static LeaseEvents direct(final LeaseEventLine.Format format, final Supplier<PrintStream> out)
    {
        return direct(format, SystemEpochClock.INSTANCE, out);
    }

    static LeaseEvents direct(final LeaseEventLine.Format format, final EpochClock clock,
        final Supplier<PrintStream> out)
    {
        return new LeaseEvents(new LeaseEventLine(format, ZoneId.systemDefault(), clock, out));
    }

    public boolean enabled()
    {
        return LOG.isInfoEnabled();
    }

    /**
     * The reply to a request of {@code requestType}, about to be sent; {@code requestAddress} is the address the
     * request gave back or asked for (its field yiaddr), which a NAK or the answer to a RELEASE does not carry.
     */
    public void replied(final int requestType, final DvmcMessage reply, final int requestAddress)
    {
        final String event = eventOf(requestType, reply);
        if (event == null || !LOG.isInfoEnabled())
        {
            return;
        }
        final boolean givenBack = event == NAK || event == RELEASED || event == DECLINED;
        final LeaseEventWriter w = writer;
        w.begin(event);
        w.text("event", event);
        w.unsigned("domain", reply.domainId());
        w.mac("mac", reply.mac());
        w.ipv4("address", givenBack ? requestAddress : reply.yiaddr());
        w.uuid("vm", reply.vmIdMsb(), reply.vmIdLsb());
        w.host("host", reply.transactionId() >>> 32, reply.locationAddress(), reply.locationPort());
        if (event == NAK)
        {
            w.text("reason", DvmcStatus.reasonName(reply.reason()));
        }
        else if (!givenBack)
        {
            w.unsigned("lease_s", reply.vmLeaseSeconds());
        }
        w.end();
    }

    /** A binding that ran out of its host lease at this service. */
    public void expired(final int domainId, final long mac, final int address, final long vmIdMsb, final long vmIdLsb)
    {
        if (!LOG.isInfoEnabled())
        {
            return;
        }
        final LeaseEventWriter w = writer;
        w.begin(EXPIRED);
        w.text("event", EXPIRED);
        w.unsigned("domain", domainId);
        w.mac("mac", mac);
        w.ipv4("address", address);
        w.uuid("vm", vmIdMsb, vmIdLsb);
        w.end();
    }

    private static final String NAK = "nak";
    private static final String RELEASED = "released";
    private static final String DECLINED = "declined";
    private static final String EXPIRED = "expired";

    private static String eventOf(final int requestType, final DvmcMessage reply)
    {
        if (reply.type() == DvmcMessageType.NAK || reply.status() == DvmcStatus.NAK)
        {
            return NAK;
        }
        return switch (requestType)
        {
            case DvmcMessageType.DISCOVER -> "offered";
            case DvmcMessageType.REQUEST -> "bound";
            case DvmcMessageType.RELEASE -> RELEASED;
            case DvmcMessageType.DECLINE -> DECLINED;
            case DvmcMessageType.BOOTP -> "bootp-bound";
            default -> null;
        };
    }

    /**
     * The format in which the events may bypass Logback, or null: Logback is the binding, the logger's events reach
     * exactly one appender, the shipped console appender on {@code System.err} without filters, and a sample event
     * rendered here is byte for byte what its encoder writes.
     */
    static LeaseEventLine.Format directFormat()
    {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context) ||
            !context.getTurboFilterList().isEmpty())
        {
            return null;
        }
        final List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        for (final String name : new String[]{LOGGER, "dvmc", org.slf4j.Logger.ROOT_LOGGER_NAME})
        {
            final ch.qos.logback.classic.Logger logger = context.getLogger(name);
            for (final Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext();)
            {
                appenders.add(it.next());
            }
            if (!logger.isAdditive())
            {
                break;
            }
        }
        if (appenders.size() != 1 || !(appenders.get(0) instanceof ConsoleAppender<ILoggingEvent> console) ||
            !"System.err".equals(console.getTarget()) || !console.getCopyOfAttachedFiltersList().isEmpty())
        {
            return null;
        }
        for (final LeaseEventLine.Format format : LeaseEventLine.Format.values())
        {
            if (rendersAsLogback(format, console, context))
            {
                return format;
            }
        }
        return null;
    }

    private static final long SAMPLE_TIME_MS = 1_764_912_667_412L;

    /** Whether a sample event rendered in {@code format} is what the appender's encoder writes. */
    static boolean rendersAsLogback(final LeaseEventLine.Format format, final ConsoleAppender<ILoggingEvent> appender,
        final LoggerContext context)
    {
        final LeaseEventLine line = new LeaseEventLine(format, ZoneId.systemDefault(), () -> SAMPLE_TIME_MS,
            () -> new PrintStream(java.io.OutputStream.nullOutputStream()));
        final LoggingEvent sample = new LoggingEvent(LeaseEvents.class.getName(), context.getLogger(LOGGER),
            Level.INFO, "nak", null, null);
        sample.setTimeStamp(SAMPLE_TIME_MS);
        final LogbackWriter logback = new LogbackWriter()
        {
            @Override
            public void end()
            {
                for (final KeyValuePair kv : pairs)
                {
                    sample.addKeyValuePair(kv);
                }
            }
        };
        for (final LeaseEventWriter w : new LeaseEventWriter[]{line, logback})
        {
            w.begin("nak");
            w.text("event", "nak");
            w.unsigned("domain", 0xFFFF_FFFE);
            w.mac("mac", 0x02AB_CDEF_0042L);
            w.ipv4("address", 0xC0A8_00FF);
            w.uuid("vm", 0x6F1C_1D2E_0000_4000L, 0x8000_0000_0000_0001L);
            w.host("host", 42, 0x7F00_0001, 40713);
            w.text("reason", DvmcStatus.reasonName(DvmcStatus.REASON_WRONG_ADDRESS));
            w.end();
        }
        try
        {
            return Arrays.equals(appender.getEncoder().encode(sample), line.bytes());
        }
        catch (final RuntimeException ex)
        {
            return false;
        }
    }

    /** The fields as Logback key-value pairs, today's text: what operators' parsers read. */
    private static class LogbackWriter implements LeaseEventWriter
    {
        final List<KeyValuePair> pairs = new ArrayList<>(8);
        private String event;

        public void begin(final String event)
        {
            this.event = event;
            pairs.clear();
        }

        public void unsigned(final String key, final int value)
        {
            pairs.add(new KeyValuePair(key, Integer.toUnsignedString(value)));
        }

        public void mac(final String key, final long mac)
        {
            pairs.add(new KeyValuePair(key, io.dvmc.config.Addresses.mac(mac)));
        }

        public void ipv4(final String key, final int address)
        {
            pairs.add(new KeyValuePair(key, io.dvmc.config.Addresses.ipv4(address)));
        }

        public void uuid(final String key, final long msb, final long lsb)
        {
            pairs.add(new KeyValuePair(key, new java.util.UUID(msb, lsb).toString()));
        }

        public void host(final String key, final long hostId, final int address, final int port)
        {
            pairs.add(new KeyValuePair(key, hostId + "@" + io.dvmc.config.Addresses.ipv4(address) + ":" + port));
        }

        public void text(final String key, final String value)
        {
            pairs.add(new KeyValuePair(key, value));
        }

        public void end()
        {
            final org.slf4j.spi.LoggingEventBuilder b = LOG.atInfo().setMessage(event);
            for (final KeyValuePair kv : pairs)
            {
                b.addKeyValue(kv.key, kv.value);
            }
            b.log();
        }
    }
}
