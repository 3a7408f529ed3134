/**
 * The Prometheus text exposition every dvmc process serves on its configured metrics address (docs/metrics.md):
 * its counters file read at scrape time, gauges read through callbacks, and preallocated latency histograms. Nothing
 * here runs on a poll loop or per packet.
 */
package io.dvmc.metrics;
