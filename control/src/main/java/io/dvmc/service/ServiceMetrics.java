package io.dvmc.service;

import io.dvmc.metrics.CountersMetrics;
import io.dvmc.metrics.MetricsEndpoint;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * A service's metrics endpoint: its counters, and per address-managed domain of the policy its pool's figures as
 * the service thread last published them: {@code dvmc_service_pool_addresses{domain="100",name="blue"}} (the size),
 * the addresses assigned, offered, declined and free ({@code dvmc_service_pool_free_addresses}, ...), and the
 * requests it took by kind ({@code dvmc_service_domain_requests_total{domain="100",name="blue",request="discover"}});
 * and how long its lease journal's syncs take ({@value DvmcService#JOURNAL_SYNC_METRIC}).
 */
public final class ServiceMetrics implements MultiCollector
{
    private static final List<String> NAMES = List.of("dvmc_service_pool_addresses",
        "dvmc_service_pool_assigned_addresses", "dvmc_service_pool_offered_addresses",
        "dvmc_service_pool_declined_addresses", "dvmc_service_pool_free_addresses");
    private static final List<String> HELP = List.of("Addresses a domain's pool hands out: dynamic and reserved",
        "Addresses of a domain's pool bound to a client", "Addresses of a domain's pool offered, not yet requested",
        "Addresses of a domain's pool held out: declined by a client, or quarantined",
        "Addresses of a domain's pool that could be handed out now");
    private static final List<ToIntFunction<PoolFigures>> VALUES = List.of(
        PoolFigures::size, PoolFigures::assigned, PoolFigures::offered, PoolFigures::declined, PoolFigures::free);
    private static final String REQUESTS = "dvmc_service_domain_requests";
    private static final List<String> REQUEST_KINDS = List.of("discover", "request", "release", "decline", "inform");
    private static final List<ToLongFunction<PoolFigures>> REQUEST_COUNTS = List.of(PoolFigures::discovers,
        PoolFigures::requests, PoolFigures::releases, PoolFigures::declines, PoolFigures::informs);

    private final DvmcService service;

    private ServiceMetrics(final DvmcService service)
    {
        this.service = service;
    }

    /** Serves {@code service}'s metrics on {@code address}; see {@link MetricsEndpoint#start}. */
    public static MetricsEndpoint start(final DvmcService service, final InetSocketAddress address)
    {
        service.publishPoolFigures();
        final List<MultiCollector> collectors = new ArrayList<>(List.of(
            new CountersMetrics("service", service.counters().file()), new ServiceMetrics(service)));
        if (service.journalSyncLatency() != null)
        {
            collectors.add(service.journalSyncLatency());
        }
        return MetricsEndpoint.start("service", address, collectors);
    }

    public MetricSnapshots collect()
    {
        final List<PoolFigures> figures = service.poolFigures();
        final List<MetricSnapshot> snapshots = new ArrayList<>(NAMES.size());
        for (int i = 0; i < NAMES.size(); i++)
        {
            final GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(NAMES.get(i)).help(HELP.get(i));
            for (final PoolFigures f : figures)
            {
                gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("domain", Integer.toUnsignedString(f.domainId()), "name", f.name()))
                    .value(VALUES.get(i).applyAsInt(f)).build());
            }
            snapshots.add(gauge.build());
        }
        final CounterSnapshot.Builder requests = CounterSnapshot.builder().name(REQUESTS)
            .help("Requests of an address-managed domain the service took, by kind");
        for (final PoolFigures f : figures)
        {
            for (int k = 0; k < REQUEST_KINDS.size(); k++)
            {
                requests.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("domain", Integer.toUnsignedString(f.domainId()), "name", f.name(), "request",
                        REQUEST_KINDS.get(k)))
                    .value(REQUEST_COUNTS.get(k).applyAsLong(f)).build());
            }
        }
        snapshots.add(requests.build());
        return new MetricSnapshots(snapshots);
    }
}
