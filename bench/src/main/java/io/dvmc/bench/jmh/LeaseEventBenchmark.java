package io.dvmc.bench.jmh;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.dvmc.config.Addresses;
import io.dvmc.config.LogConfigurator;
import io.dvmc.exchange.Authenticator;
import io.dvmc.exchange.DvmcMessage;
import io.dvmc.exchange.DvmcMessageEncoder;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.service.LeaseEventLine;
import io.dvmc.service.LeaseEvents;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One lease event (a binding's, on logger dvmc.lease at INFO) in the shipped configuration's format, written to a
 * stream that discards it: as a service renders it now ({@link #rendered}), through Logback as it did before issue 7
 * ({@link #logbackAsBefore}), and through Logback as it still does under another configuration
 * ({@link #logbackFallback}). Run with {@code -prof gc} for the bytes allocated per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class LeaseEventBenchmark
{
    @Param({"plain", "json"})
    public String format;

    private static final Logger LEASES = LoggerFactory.getLogger("dvmc.lease");
    private final DvmcMessage reply = new DvmcMessage();
    private LeaseEvents rendered;
    private final LeaseEvents fallback = LeaseEvents.logback();

    @Setup
    public void setUp()
    {
        // The shipped configuration in this format, its console appender writing nowhere.
        final LoggerContext context = (LoggerContext)LoggerFactory.getILoggerFactory();
        context.reset();
        context.putProperty("dvmc.log.format", format);
        final LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);
        configurator.configure(context);
        ((OutputStreamAppender<ILoggingEvent>)context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(format))
            .setOutputStream(OutputStream.nullOutputStream());
        final PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        rendered = LeaseEvents.direct(LeaseEventLine.Format.valueOf(format.toUpperCase(Locale.ROOT)), () -> nowhere);

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DvmcMessage.MAX_LENGTH]);
        final int length = new DvmcMessageEncoder().wrap(buffer, 0, DvmcMessage.MAX_LENGTH)
            .type(DvmcMessageType.ACK).domainId(100).transactionId(0x0000_0001_0000_0042L)
            .vmId(0x6F1C_1D2E_0000_4000L, 0x8000_0000_0000_0001L).mac(0x0200_0000_6401L).location(0x7F00_0001, 40713)
            .status(DvmcStatus.ACK, DvmcStatus.REASON_NONE).yiaddr(0x0A00_0064).vmLeaseSeconds(600)
            .sign(new Authenticator("lease event bench cluster key 32".getBytes()), System.currentTimeMillis());
        if (reply.wrap(buffer, 0, length) < 0)
        {
            throw new IllegalStateException("bench reply does not decode");
        }
    }

    @Benchmark
    public void rendered()
    {
        rendered.replied(DvmcMessageType.REQUEST, reply, 0);
    }

    @Benchmark
    public void logbackFallback()
    {
        fallback.replied(DvmcMessageType.REQUEST, reply, 0);
    }

    /** The reference: the event as LeaseEvents logged it before issue 7, SLF4J's fluent API with Strings and a UUID. */
    @Benchmark
    public void logbackAsBefore()
    {
        if (!LEASES.isInfoEnabled())
        {
            return;
        }
        LEASES.atInfo().setMessage("bound")
            .addKeyValue("event", "bound")
            .addKeyValue("domain", Integer.toUnsignedString(reply.domainId()))
            .addKeyValue("mac", Addresses.mac(reply.mac()))
            .addKeyValue("address", Addresses.ipv4(reply.yiaddr()))
            .addKeyValue("vm", new UUID(reply.vmIdMsb(), reply.vmIdLsb()))
            .addKeyValue("host", Long.toUnsignedString(reply.transactionId() >>> 32) + "@" +
                Addresses.ipv4(reply.locationAddress()) + ":" + reply.locationPort())
            .addKeyValue("lease_s", Integer.toUnsignedString(reply.vmLeaseSeconds()))
            .log();
    }
}
