package io.dvmc.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ServiceCommandTest
{
    private static String refusal(final String... args)
    {
        final PrintStream err = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            assertEquals(2, new CommandLine(new Dvmc()).execute(args));
        }
        finally
        {
            System.setErr(err);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aServiceNeedsAPolicyFromAFileOrFromEtcd()
    {
        final String neither = refusal("service", "--state-dir", "state", "--key-file", "cluster.key");
        assertEquals("dvmc service: give the policy: --policy FILE or --etcd URL[,URL...]\n", neither);
    }

    @Test
    void aReplicaKeepsItsLeasesInEtcdSoItNeedsEtcd()
    {
        final String noEtcd = refusal("service", "--policy", "policy.json", "--replica-id", "r1", "--state-dir",
            "state", "--key-file", "cluster.key");
        assertEquals("dvmc service: --replica-id keeps the leases in etcd: give --etcd URL[,URL...]\n", noEtcd);
    }

    @Test
    void aMetricsAddressThatIsNotHostAndPortIsRefusedBeforeAnythingStarts()
    {
        final String refused = refusal("service", "--policy", "policy.json", "--state-dir", "state", "--key-file",
            "cluster.key", "--metrics", "127.0.0.1:");
        assertEquals("dvmc service: --metrics: '127.0.0.1:' is not host:port with an IPv4 host, nor a port " +
            "('127.0.0.1:' has no numeric port)\n", refused);
    }
}
