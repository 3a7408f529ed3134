package io.dvmc.cli;

import io.dvmc.config.ClusterKeyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceCommandTest
{
    private static final Path EXAMPLES = Path.of("..", "deploy", "examples");

    @TempDir
    Path dir;

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

    @Test
    void aStateDirectoryThatIsAFileIsNamedAsSuch() throws Exception
    {
        final Path file = Files.createFile(dir.resolve("state"));
        final String refused = refusal("service", "--policy", EXAMPLES.resolve("policy.json").toString(),
            "--state-dir", file.toString(), "--key-file", key().toString(), "--listen", "127.0.0.1:0");
        assertTrue(refused.endsWith("dvmc service: state directory " + file + ": exists and is not a directory\n"),
            refused);
    }

    @Test
    void aListenAddressOfAnotherHostIsNamedWithTheSystemsReason() throws Exception
    {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this host.
        final String refused = refusal("service", "--policy", EXAMPLES.resolve("policy.json").toString(),
            "--state-dir", dir.resolve("state").toString(), "--key-file", key().toString(), "--listen",
            "192.0.2.1:6767");
        assertTrue(refused.endsWith("dvmc service: cannot listen on 192.0.2.1:6767: Cannot assign requested address " +
            "(not an address of this host)\n"), refused);
    }

    private Path key() throws IOException
    {
        final Path key = dir.resolve("cluster.key");
        ClusterKeyFile.generate(key);
        return key;
    }
}
