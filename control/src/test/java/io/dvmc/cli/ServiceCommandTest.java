package io.dvmc.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceCommandTest
{
    private static String usageError(final String... args)
    {
        final StringWriter err = new StringWriter();
        final int exit = new CommandLine(new Dvmc()).setErr(new PrintWriter(err, true)).execute(args);
        assertEquals(2, exit, err.toString());
        return err.toString();
    }

    @Test
    void aServiceTakesItsPolicyEitherFromAFileOrFromEtcdNeverBoth()
    {
        final String both = usageError("service", "--policy", "policy.json", "--etcd", "http://127.0.0.1:2379",
            "--state-dir", "state", "--key-file", "cluster.key");
        assertTrue(both.contains("mutually exclusive"), both);
        final String neither = usageError("service", "--state-dir", "state", "--key-file", "cluster.key");
        assertTrue(neither.contains("--policy") && neither.contains("--etcd"), neither);
    }
}
