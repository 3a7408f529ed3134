package io.dvmc.service;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dvmc.lab.FreePorts;
import io.dvmc.config.Addresses;
import io.dvmc.config.LogConfigurator;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.RetryPolicy;
import io.dvmc.lab.Await;
import io.dvmc.policy.FilePolicyStore;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease event log (issue 9): one event per lease change with domain, MAC, address, VM id and host, through the
 * logging configuration the processes ship with, in its plain and its JSON format.
 */
class LeaseEventsTest
{
    private static final int DOMAIN = 100;
    private static final long MAC = 0x0200_0000_0042L;

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private final Logger leaseLogger = (Logger)LoggerFactory.getLogger(LeaseEvents.LOGGER);

    @BeforeEach
    void capture()
    {
        events.start();
        leaseLogger.addAppender(events);
    }

    @AfterEach
    void release()
    {
        leaseLogger.detachAppender(events);
    }

    @Test
    void anOfferABindingARefusalAndAReleaseAreEachOneEventNamingTheVmItsDomainAndItsAddress() throws Exception
    {
        final int port = FreePorts.udp();
        final InetSocketAddress listen = new InetSocketAddress("127.0.0.1", port);
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, """
            { "domains": [ { "id": %d, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
              "pools": [ { "start": "10.0.0.10", "end": "10.0.0.200" } ], "services": [ "127.0.0.1:%d" ] } ] }
            """.formatted(DOMAIN, port));
        try (DvmcService service = new DvmcService(new FilePolicyStore(policy), listen, TestAgent.KEY,
            dir.resolve("state"), Clock.systemUTC(), new BackoffIdleStrategy()).start();
            // No retransmission: its answer would be a second event (a loaded machine can take over 250 ms).
            TestAgent agent = new TestAgent(SystemEpochClock.INSTANCE, new RetryPolicy(2, 8_000, 8_000)))
        {
            final TestAgent.Reply ack = agent.bind(listen, DOMAIN, MAC);
            agent.request(listen, DOMAIN, MAC + 1, ack.yiaddr());
            agent.send(DvmcMessageType.RELEASE, listen, DOMAIN, MAC, ack.yiaddr());
            final String address = Addresses.ipv4(ack.yiaddr());
            // A RELEASE has no answer (RFC 2131 §4.4.6): its event comes when the service has taken it.
            Await.until("the RELEASE's event", Duration.ofSeconds(10), () -> events.list.size() >= 4);

            final List<ILoggingEvent> seen = List.copyOf(events.list);
            assertEquals(List.of("offered", "bound", "nak", "released"),
                seen.stream().map(ILoggingEvent::getFormattedMessage).toList());
            final ILoggingEvent bound = seen.get(1);
            assertEquals(address, value(bound, "address"));
            assertEquals(Addresses.mac(MAC), value(bound, "mac"));
            assertEquals(Integer.toString(DOMAIN), value(bound, "domain"));
            assertTrue(value(bound, "host").startsWith("42@"), value(bound, "host"));
            assertEquals("no lease for this client", value(seen.get(2), "reason"));
            assertEquals(address, value(seen.get(2), "address"), "the NAK's event names the address refused");
            assertEquals(address, value(seen.get(3), "address"), "the RELEASE's event names the address given back");

            final String plain = encode("plain", bound);
            assertTrue(plain.matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}.*INFO .*bound .*" +
                "mac=" + Addresses.mac(MAC) + ".*address=" + address + ".*\\n"), plain);
            final JsonNode json = new ObjectMapper().readTree(encode("json", bound));
            assertEquals("INFO", json.get("level").asText());
            assertEquals("dvmc.lease", json.get("loggerName").asText());
            assertTrue(json.get("kvpList").toString().contains("\"address\":\"" + address + "\""), json.toString());
        }
    }

    private static String value(final ILoggingEvent event, final String key)
    {
        return event.getKeyValuePairs().stream().filter(kv -> kv.key.equals(key)).map(kv -> String.valueOf(kv.value))
            .findFirst().orElseThrow(() -> new AssertionError("no " + key + " in " + event.getKeyValuePairs()));
    }

    /** The event as the shipped configuration's appender of that name writes it. */
    private static String encode(final String appenderName, final ILoggingEvent event)
    {
        final LoggerContext context = (LoggerContext)LoggerFactory.getILoggerFactory();
        final Appender<ILoggingEvent> appender = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
            .getAppender(appenderName);
        final Encoder<ILoggingEvent> encoder = appender != null
            ? ((OutputStreamAppender<ILoggingEvent>)appender).getEncoder()
            : LogConfigurator.encoder(new LoggerContext(), appenderName); // the format not in use, made anew
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

}
