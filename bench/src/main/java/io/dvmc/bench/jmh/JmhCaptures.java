package io.dvmc.bench.jmh;

import java.nio.file.Path;

/** Where the benchmarks find the real client captures the tests use (run from the repository's top). */
final class JmhCaptures
{
    private JmhCaptures()
    {
    }

    static Path path(final String capture)
    {
        return Path.of(System.getProperty("dvmc.captures", "protocol/src/test/resources/captures"))
            .resolve(capture + ".bin");
    }
}
