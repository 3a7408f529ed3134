package io.dvmc.service;

import io.dvmc.config.LogConfigurator;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.read.ListAppender;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageEncoder;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease events rendered without Logback (issue 7): byte for byte the line the shipped console appender writes,
 * in the plain and the JSON format, for every kind of event, and without allocating.
 */
class LeaseEventLineTest
{
    private static final long NOW_MS = 1_796_460_000_123L;
    private static final Authenticator KEYS = new Authenticator(TestAgent.KEY);

    private final ListAppender<ILoggingEvent> viaLogback = new ListAppender<>();
    private final Logger leaseLogger = (Logger)LoggerFactory.getLogger(LeaseEvents.LOGGER);
    private final String threadName = Thread.currentThread().getName();

    @BeforeEach
    void capture()
    {
        viaLogback.start();
        leaseLogger.addAppender(viaLogback);
    }

    @AfterEach
    void release()
    {
        leaseLogger.detachAppender(viaLogback);
        Thread.currentThread().setName(threadName);
    }

    @Test
    void everyEventRenderedWithoutLogbackIsTheLineTheShippedAppenderWritesInBothFormats()
    {
        // A thread name with what JSON escapes, a character of three UTF-8 bytes and one of four.
        Thread.currentThread().setName("dvmc-service \"7\"/\\\t\u00e9\u20ac\ud834\udd1e");
        for (final LeaseEventLine.Format format : LeaseEventLine.Format.values())
        {
            final ByteArrayOutputStream direct = new ByteArrayOutputStream();
            final PrintStream stream = new PrintStream(direct);
            emitEveryEvent(LeaseEvents.direct(format, () -> NOW_MS, () -> stream));
            viaLogback.list.clear();
            emitEveryEvent(LeaseEvents.logback());

            final ConsoleAppender<ILoggingEvent> shipped = shippedAppender(format);
            final ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (final ILoggingEvent event : viaLogback.list)
            {
                ((LoggingEvent)event).setTimeStamp(NOW_MS);
                expected.writeBytes(shipped.getEncoder().encode(event));
            }
            assertEquals(7, viaLogback.list.size());
            assertEquals(expected.toString(StandardCharsets.UTF_8), direct.toString(StandardCharsets.UTF_8),
                format.name());
            assertArrayEquals(expected.toByteArray(), direct.toByteArray(), format.name());
        }
    }

    @Test
    void theShippedConfigurationRendersTheEventsWithoutLogbackInEitherFormat()
    {
        leaseLogger.detachAppender(viaLogback);
        assertEquals(LeaseEventLine.Format.PLAIN, LeaseEvents.directFormat(), "this JVM's configuration, plain");
        final LoggerContext json = configured("json");
        assertTrue(LeaseEvents.rendersAsLogback(LeaseEventLine.Format.JSON, appender(json, "json"), json));
    }

    @Test
    void aLoggerWithAnotherAppenderGetsItsEventsThroughLogback()
    {
        assertEquals(null, LeaseEvents.directFormat(), "an appender of the test's beside the shipped one");
    }

    @Test
    void renderingAnEventAllocatesNothingInSteadyState()
    {
        leaseLogger.detachAppender(viaLogback);
        final PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        final LeaseEvents events = LeaseEvents.direct(LeaseEventLine.Format.JSON, () -> NOW_MS, () -> nowhere);
        final LeaseEvents plain = LeaseEvents.direct(LeaseEventLine.Format.PLAIN, () -> NOW_MS, () -> nowhere);
        final DvmcMessage ack = reply(DvmcMessageType.ACK, DvmcStatus.ACK, DvmcStatus.REASON_NONE);
        final DvmcMessage nak = reply(DvmcMessageType.NAK, DvmcStatus.NAK, DvmcStatus.REASON_NO_LEASE);
        final Runnable round = () -> {
            for (int i = 0; i < 10_000; i++)
            {
                events.replied(DvmcMessageType.REQUEST, ack, 0);
                plain.replied(DvmcMessageType.REQUEST, nak, 0x0A00_000A);
                plain.expired(100, 0x0200_0000_0042L, 0x0A00_000A, 1, 2);
            }
        };
        for (int i = 0; i < 5; i++)
        {
            round.run();
        }
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory
            .getThreadMXBean();
        final long thread = Thread.currentThread().threadId();
        final long before = threads.getThreadAllocatedBytes(thread);
        round.run();
        assertEquals(0, threads.getThreadAllocatedBytes(thread) - before, "bytes allocated by 30,000 events");
    }

    private static void emitEveryEvent(final LeaseEvents events)
    {
        final DvmcMessage offer = reply(DvmcMessageType.OFFER, DvmcStatus.ACK, DvmcStatus.REASON_NONE);
        final DvmcMessage ack = reply(DvmcMessageType.ACK, DvmcStatus.ACK, DvmcStatus.REASON_NONE);
        final DvmcMessage nak = reply(DvmcMessageType.NAK, DvmcStatus.NAK, DvmcStatus.REASON_NOT_SUPPORTED);
        events.replied(DvmcMessageType.DISCOVER, offer, 0);
        events.replied(DvmcMessageType.REQUEST, ack, 0x0A00_000A);
        events.replied(DvmcMessageType.REQUEST, nak, 0x0A00_000B);
        events.replied(DvmcMessageType.RELEASE, ack, 0x0A00_000C);
        events.replied(DvmcMessageType.DECLINE, ack, 0xFFFF_FFFF);
        events.replied(DvmcMessageType.BOOTP, ack, 0);
        events.expired(0xFFFF_FFFF, 0xFFFF_FFFF_FFFFL, 0, -1L, Long.MIN_VALUE);
    }

    private static DvmcMessage reply(final int type, final int status, final int reason)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
        final DvmcMessageEncoder encoder = new DvmcMessageEncoder().wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(type)
            .domainId(0x8000_0064)
            .transactionId(0xFFFF_FFFF_0000_0001L)
            .vmId(0x6F1C_1D2E_0000_4000L, 0x8000_0000_0000_0001L)
            .mac(0x0200_0000_0A42L)
            .location(0x7F00_0001, 40713)
            .status(status, reason)
            .yiaddr(0x0A00_0064)
            .vmLeaseSeconds(-1);
        final int length = encoder.sign(KEYS, NOW_MS);
        final DvmcMessage message = new DvmcMessage();
        assertTrue(message.wrap(buffer, 0, length) >= 0);
        return message;
    }

    private static ConsoleAppender<ILoggingEvent> shippedAppender(final LeaseEventLine.Format format)
    {
        final String name = format.name().toLowerCase(java.util.Locale.ROOT);
        return appender(configured(name), name);
    }

    private static ConsoleAppender<ILoggingEvent> appender(final LoggerContext context, final String name)
    {
        return (ConsoleAppender<ILoggingEvent>)context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(name);
    }

    /** The shipped configuration ({@link LogConfigurator}) applied anew with {@code dvmc.log.format} set. */
    private static LoggerContext configured(final String format)
    {
        final LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        context.putProperty("dvmc.log.format", format);
        final LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);
        configurator.configure(context);
        return context;
    }
}
