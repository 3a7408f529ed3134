package io.dvmc.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A process's HTTP endpoint of Prometheus text exposition at {@code /metrics}. Its threads are daemons of their own:
 * a scrape reads counters and gauges through callbacks and never touches a poll loop or a duty cycle.
 */
public final class MetricsEndpoint implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

    private static final long CLOSE_WAIT_MS = 2_000;

    private final HTTPServer server;
    private final ExecutorService executor;
    private final InetSocketAddress address;

    private MetricsEndpoint(final HTTPServer server, final ExecutorService executor, final InetSocketAddress address)
    {
        this.server = server;
        this.executor = executor;
        this.address = address;
    }

    /**
     * Serves {@code collectors} on {@code address} (port 0: one the kernel picks, logged).
     *
     * @throws UncheckedIOException when the address cannot be bound, e.g. a port in use.
     */
    public static MetricsEndpoint start(final String process, final InetSocketAddress address,
        final List<MultiCollector> collectors)
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        collectors.forEach(registry::register);
        final ExecutorService executor = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("dvmc-metrics").daemon().factory());
        // A thread inherits its creator's daemon flag: the JDK server's dispatcher is made by a daemon too, so an
        // endpoint never keeps a stopping process alive.
        final AtomicReference<Object> result = new AtomicReference<>();
        final Thread starter = Thread.ofPlatform().name("dvmc-metrics-start").daemon().start(() -> {
            try
            {
                result.set(HTTPServer.builder().inetAddress(address.getAddress()).port(address.getPort())
                    .registry(registry).executorService(executor).buildAndStart());
            }
            catch (final IOException | RuntimeException ex)
            {
                result.set(ex);
            }
        });
        try
        {
            starter.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (!(result.get() instanceof HTTPServer server))
        {
            executor.shutdownNow();
            final Object error = result.get();
            final String why = error instanceof Exception ex ? ex.getMessage() : "interrupted";
            final String message = "metrics: cannot listen on " + address.getAddress().getHostAddress() + ":" +
                address.getPort() + ": " + why;
            throw new UncheckedIOException(message, error instanceof IOException io ? io : new IOException(message));
        }
        final InetSocketAddress bound = new InetSocketAddress(address.getAddress(), server.getPort());
        LOG.info("{} metrics on http://{}:{}/metrics", process, bound.getAddress().getHostAddress(), bound.getPort());
        return new MetricsEndpoint(server, executor, bound);
    }

    /** The address served; with port 0 configured, the port picked. */
    public InetSocketAddress address()
    {
        return address;
    }

    /**
     * Stops serving and waits for a scrape in progress, so that the caller may unmap what the scrape reads (a read
     * of an unmapped counters file would kill the process).
     */
    public void close()
    {
        server.close();
        executor.shutdown();
        try
        {
            executor.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
