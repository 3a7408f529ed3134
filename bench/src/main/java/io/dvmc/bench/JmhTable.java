package io.dvmc.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a JMH JSON result ({@code -rf json}, with {@code -prof gc}) into a Markdown table: per benchmark and
 * parameter set, ns per operation, bytes allocated per operation, and each figure's ratio to the method of the same
 * class and parameters whose name ends in {@code Reference}, measured in the same run.
 */
public final class JmhTable
{
    private JmhTable()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        System.out.print(table(new ObjectMapper().readTree(Path.of(args[0]).toFile())));
    }

    static String table(final JsonNode results)
    {
        // class + parameters -> method -> {ns/op, B/op}
        final Map<String, Map<String, double[]>> groups = new LinkedHashMap<>();
        for (final JsonNode result : results)
        {
            final String benchmark = result.get("benchmark").asText();
            final int dot = benchmark.lastIndexOf('.');
            final String type = benchmark.substring(benchmark.lastIndexOf('.', dot - 1) + 1, dot);
            final Map<String, String> params = new TreeMap<>();
            result.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
            final String group = params.isEmpty() ? type : type + " " + params;
            final JsonNode primary = result.get("primaryMetric");
            final double ns = nanosPerOp(primary.get("score").asDouble(), primary.get("scoreUnit").asText());
            final JsonNode alloc = result.path("secondaryMetrics").path("gc.alloc.rate.norm");
            final double bytes = alloc.isMissingNode() ? Double.NaN : alloc.get("score").asDouble();
            groups.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(benchmark.substring(dot + 1),
                new double[]{ns, bytes});
        }
        final StringBuilder out = new StringBuilder();
        out.append("| benchmark | method | ns/op | B/op | × reference |\n|---|---|---:|---:|---:|\n");
        for (final Map.Entry<String, Map<String, double[]>> group : groups.entrySet())
        {
            final List<String> references = new ArrayList<>();
            group.getValue().keySet().stream().filter(m -> m.endsWith("Reference")).forEach(references::add);
            final double reference = references.size() == 1
                ? group.getValue().get(references.getFirst())[0]
                : Double.NaN;
            for (final Map.Entry<String, double[]> method : group.getValue().entrySet())
            {
                final double[] f = method.getValue();
                out.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %s |%n", group.getKey(), method.getKey(),
                    f[0], Double.isNaN(f[1]) ? "" : String.format(Locale.ROOT, "%.1f", f[1]),
                    Double.isNaN(reference) ? "" : String.format(Locale.ROOT, "%.1f", f[0] / reference)));
            }
        }
        return out.toString();
    }

    private static double nanosPerOp(final double score, final String unit)
    {
        return switch (unit)
        {
            case "ns/op" -> score;
            case "us/op" -> score * 1e3;
            case "ms/op" -> score * 1e6;
            case "ops/ns" -> 1 / score;
            case "ops/us" -> 1e3 / score;
            case "ops/ms" -> 1e6 / score;
            case "ops/s" -> 1e9 / score;
            default -> throw new IllegalArgumentException("JMH unit " + unit);
        };
    }
}
