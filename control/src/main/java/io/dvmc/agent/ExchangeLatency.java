package io.dvmc.agent;

import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.metrics.LatencyHistogram;

import java.util.ArrayList;
import java.util.List;

/**
 * How long DVMC exchanges take, from the request sent to the reply received (retransmissions included), by the
 * DVMC request type: {@code dvmc_agent_exchange_duration_seconds{request="discover"}}. Preallocated: recording
 * one costs the agent thread no allocation. Exchanges that time out are not in it; they are counted apart.
 */
public final class ExchangeLatency
{
    public static final String NAME = "dvmc_agent_exchange_duration_seconds";

    private final int[] seriesOfType = new int[DvmcMessageType.MAX_TYPE + 1];
    private final LatencyHistogram histogram;

    ExchangeLatency()
    {
        final List<String> names = new ArrayList<>();
        for (int type = DvmcMessageType.MIN_TYPE; type <= DvmcMessageType.MAX_TYPE; type++)
        {
            seriesOfType[type] = DvmcMessageType.isRequest(type) ? names.size() : -1;
            if (DvmcMessageType.isRequest(type))
            {
                names.add(DvmcMessageType.name(type).toLowerCase());
            }
        }
        histogram = new LatencyHistogram(NAME,
            "DVMC exchanges from the request sent to the reply received, by DVMC request type", "request", names);
    }

    void record(final int dvmcRequestType, final long nanos)
    {
        final int series = dvmcRequestType > 0 && dvmcRequestType < seriesOfType.length
            ? seriesOfType[dvmcRequestType]
            : -1;
        if (series >= 0)
        {
            histogram.record(series, nanos);
        }
    }

    public LatencyHistogram histogram()
    {
        return histogram;
    }
}
