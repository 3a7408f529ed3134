package io.dvmc.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The logging of every dvmc process (docs/operations.md, "Logs"), set in code: an XML configuration cost each start
 * an XML parser and Joran's reflection, a good part of a CLI command's time. To stderr, which systemd hands to
 * journald; stdout is a protocol for some callers (READY lines, ctl's JSON).
 * <ul>
 * <li>{@code dvmc.log.format}: {@code plain} (the default) or {@code json}; or the environment variable
 * {@code DVMC_LOG_FORMAT};</li>
 * <li>{@code dvmc.log.level}: dvmc's own lines (INFO);</li>
 * <li>{@code dvmc.log.leases}: a service's lease events, logger {@code dvmc.lease} (INFO).</li>
 * </ul>
 * Each is read from the logger context's properties, then the system properties, then the environment.
 * {@code -Dlogback.configurationFile} still takes a Logback file instead.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator
{
    public static final String PLAIN = "plain";
    public static final String JSON = "json";
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0}: %msg %kvp{NONE}%n";

    @Override
    public ExecutionStatus configure(final LoggerContext context)
    {
        if (System.getProperty("logback.configurationFile") != null)
        {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        final ErrorStatusListener listener = new ErrorStatusListener();
        listener.setContext(context);
        context.getStatusManager().add(listener);
        listener.start();

        final String format = property(context, "dvmc.log.format", property(context, "DVMC_LOG_FORMAT", PLAIN));
        final Encoder<ILoggingEvent> encoder = encoder(context, format);
        final ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        if (encoder == null)
        {
            // As an unknown appender name did in the XML: said once on stderr, nothing logged.
            listener.addError("dvmc.log.format: no format named [" + format + "] (plain or json)");
        }
        else
        {
            final ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
            appender.setContext(context);
            appender.setName(format);
            appender.setTarget("System.err");
            appender.setEncoder(encoder);
            appender.start();
            root.addAppender(appender);
        }
        context.getLogger("io.dvmc").setLevel(Level.toLevel(property(context, "dvmc.log.level", "INFO")));
        context.getLogger("dvmc.lease").setLevel(Level.toLevel(property(context, "dvmc.log.leases", "INFO")));
        context.getLogger("net.openhft.chronicle.map.ChronicleMapBuilder").setLevel(Level.ERROR);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The encoder of a format, started; null for a name that is none. */
    public static Encoder<ILoggingEvent> encoder(final LoggerContext context, final String format)
    {
        final Encoder<ILoggingEvent> encoder;
        if (PLAIN.equals(format))
        {
            final PatternLayoutEncoder plain = new PatternLayoutEncoder();
            plain.setPattern(PATTERN);
            encoder = plain;
        }
        else if (JSON.equals(format))
        {
            final JsonEncoder json = new JsonEncoder();
            json.setWithFormattedMessage(true);
            json.setWithArguments(false);
            json.setWithContext(false);
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            encoder = json;
        }
        else
        {
            return null;
        }
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }

    private static String property(final LoggerContext context, final String name, final String otherwise)
    {
        String value = context.getProperty(name);
        if (value == null)
        {
            value = System.getProperty(name);
        }
        if (value == null)
        {
            value = System.getenv(name);
        }
        return value != null ? value : otherwise;
    }
}
