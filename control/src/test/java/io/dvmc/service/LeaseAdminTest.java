package io.dvmc.service;

import io.dvmc.cli.Dvmc;
import io.dvmc.exchange.DvmcMessageType;
import io.dvmc.exchange.DvmcStatus;
import io.dvmc.policy.FilePolicyStore;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lease admin of a journal-mode service (dvmc ctl lease, dvmc journal dump) against a running service and its
 * journal: lookups, release and forced expiry, and leases moved from a real Kea lease file into dvmc and back.
 */
class LeaseAdminTest
{
    /** Written by kea-dhcp4 2.2 for perfdhcp's clients (src/test/resources/kea/generate-leases4.sh). */
    private static final Path KEA_LEASES = Path.of("src", "test", "resources", "kea", "kea-leases4.csv");
    /** Leases of a Kea with DNS updates (fqdn_fwd, fqdn_rev) and extended info (user_context), as its memfile writes them. */
    private static final Path KEA_DDNS_CONTEXT_LEASES = Path.of("src", "test", "resources", "kea",
        "kea-ddns-context-leases4.csv");
    /** Written by kea-dhcp4 2.2 for clients whose identifiers are not type 1 and the MAC (its generate script). */
    private static final Path KEA_CLIENT_ID_LEASES = Path.of("src", "test", "resources", "kea",
        "kea-clientid-leases4.csv");
    private static final int KEA = 700;
    private static final long VM = 0x5EL;

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    record Run(int exit, String out, String err)
    {
    }

    @Test
    void leasesOfAKeaLeaseFileImportIntoADomainAndExportBackAsKeaWroteThem() throws Exception
    {
        final Path policy = policy();
        start(policy);
        final Path kea = keaLeasesGrantedNow(KEA_LEASES);

        final Run imported = ctl("lease", "import", "--state-dir", state(), "--domain", "700", "--subnet-id", "7",
            kea.toString());
        assertEquals(0, imported.exit(), imported.err());
        assertTrue(imported.out().contains("imported 3 leases into domain 700"), imported.out());

        final Run exported = ctl("lease", "export", "--state-dir", state(), "--policy", policy.toString());
        assertEquals(0, exported.exit(), exported.err());
        // subnet_id is the domain id: Kea takes them back into a subnet configured with "id": 700.
        final List<String> expected = Files.readAllLines(kea).stream().map(l -> l.replace(",7,0,0,", ",700,0,0,"))
            .toList();
        assertEquals(expected, exported.out().lines().toList());
    }

    @Test
    void clientIdentifiersOfAnyFormFromAKeaLeaseFileComeBackWholeInTheExport() throws Exception
    {
        final Path policy = policy();
        start(policy);
        final Path kea = keaLeasesGrantedNow(KEA_CLIENT_ID_LEASES);

        final Run imported = ctl("lease", "import", "--state-dir", state(), "--domain", "700", "--subnet-id", "7",
            kea.toString());
        assertEquals(0, imported.exit(), imported.err());

        final Run exported = ctl("lease", "export", "--state-dir", state(), "--policy", policy.toString());
        assertEquals(0, exported.exit(), exported.err());
        final List<String> expected = Files.readAllLines(kea).stream().map(l -> l.replace(",7,0,0,", ",700,0,0,"))
            .toList();
        assertEquals(expected, exported.out().lines().toList(), "an RFC 4361 and a text client id, byte for byte");
    }

    @Test
    void theDnsFlagsAndUserContextOfAKeaLeaseFileSurviveARestartAndComeBackInTheExport() throws Exception
    {
        final Path policy = policy();
        DvmcService service = start(policy);
        final Path kea = keaLeasesGrantedNow(KEA_DDNS_CONTEXT_LEASES);
        final Run imported = ctl("lease", "import", "--state-dir", state(), "--domain", "700", "--subnet-id", "7",
            kea.toString());
        assertEquals(0, imported.exit(), imported.err());
        // Kept in the journal: a restarted service and the journal's own reader give them back.
        service.close();
        service = start(policy);

        final Run exported = ctl("lease", "export", "--state-dir", state(), "--policy", policy.toString());
        assertEquals(0, exported.exit(), exported.err());
        final List<String> expected = Files.readAllLines(kea).stream()
            .map(l -> l.replaceFirst(",7,([01]),([01]),", ",700,$1,$2,")).toList();
        assertEquals(expected, exported.out().lines().toList(),
            "fqdn_fwd and fqdn_rev say which DNS records Kea's updater made; Kea removes them when the lease ends");
    }

    @Test
    void aUserContextLongerThanDvmcKeepsIsALineThatIsNoLease() throws Exception
    {
        start(policy());
        final Path file = dir.resolve("long.csv");
        Files.writeString(file, KeaCsv.HEADER + "\n" +
            "10.77.0.100,02:77:00:00:00:00,,3600,1796456096,7,0,0,,0,{ \"note\": \"" + "x".repeat(1100) + "\" }\n");

        final Run imported = ctl("lease", "import", "--state-dir", state(), "--domain", "700", file.toString());
        assertEquals(2, imported.exit(), imported.out() + imported.err());
        assertTrue(imported.err().contains("line 2: user_context of 1114 bytes, more than the 1024 dvmc keeps"),
            imported.err());
    }

    @Test
    void aClientIdThatIsNoOptionSixtyOneIsALineThatIsNoLease() throws Exception
    {
        start(policy());
        final Path file = dir.resolve("bad.csv");
        Files.writeString(file, KeaCsv.HEADER + "\n" +
            "10.77.0.100,02:77:00:00:00:00,01,3600,1796456096,7,0,0,,0,\n" +
            "10.77.0.101,02:77:00:00:00:01,zz:01,3600,1796456096,7,0,0,,0,\n");

        final Run imported = ctl("lease", "import", "--state-dir", state(), "--domain", "700", file.toString());
        assertEquals(2, imported.exit(), imported.out() + imported.err());
        assertTrue(imported.err().contains("line 2: client_id '01' has 1 bytes, not 2 to 255"), imported.err());
        assertTrue(imported.err().contains("line 3: client_id 'zz:01' is not colon-separated hex bytes"),
            imported.err());
    }

    @Test
    void anImportWithAnyLeaseTheRulesRefuseBindsNoneAndSaysWhichLinesAndWhy() throws Exception
    {
        final DvmcService service = start(policy());
        try (TestAgent agent = new TestAgent(System::currentTimeMillis))
        {
            // 10.77.0.101 is taken by another client before the import.
            final long other = 0x020000000099L;
            assertEquals(0x0A4D0065, agent.await(agent.client.send(DvmcMessageType.DISCOVER, service.localAddress(),
                KEA, other, 1, other, 0x0A4D0065, 0)).yiaddr());
            assertEquals(DvmcMessageType.ACK, agent.request(service.localAddress(), KEA, other, 0x0A4D0065).type());
        }
        final Path kea = keaLeasesGrantedNow(KEA_LEASES);
        final List<String> lines = new ArrayList<>(Files.readAllLines(kea));
        lines.set(3, lines.get(3).replace("10.77.0.102", "10.77.0.50"));
        lines.add(lines.get(1).replace("10.77.0.100", "10.77.0.150").replace("02:77:00:00:00:00", "02:77:00:00:00:09")
            .replace("01:02:77:00:00:00:00", ""));
        Files.write(kea, lines);

        final Run refused = ctl("lease", "import", "--state-dir", state(), "--domain", "700", kea.toString());

        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().contains("nothing imported: 3 of 4 leases refused"), refused.err());
        assertTrue(refused.err().contains("line 3: 10.77.0.101 is already bound to 02:00:00:00:00:99"), refused.err());
        assertTrue(refused.err().contains("line 4: 10.77.0.50 is outside the pools of"), refused.err());
        assertTrue(refused.err().contains("line 5: 10.77.0.150 is reserved for another client"), refused.err());
        final Run list = ctl("lease", "list", "--state-dir", state());
        assertFalse(list.out().contains("02:77:00:00:00:00"), list.out());
        assertEquals(1, ctl("lease", "show", "--state-dir", state(), "02:77:00:00:00:00").exit());
    }

    @Test
    void aLeaseIsFoundByItsMacItsAddressAndItsVmIdWithTheNamesItsClientGave() throws Exception
    {
        final DvmcService service = start(policy());
        try (TestAgent agent = new TestAgent(System::currentTimeMillis))
        {
            final byte[] names = HexFormat.of().parseHex("0c06766d2d6f6e65"); // option 12 "vm-one"
            final TestAgent.Reply offer = agent.send(DvmcMessageType.DISCOVER, service.localAddress(), KEA,
                0x020000000001L, VM, 0, names);
            assertEquals(DvmcMessageType.ACK, agent.send(DvmcMessageType.REQUEST, service.localAddress(), KEA,
                0x020000000001L, VM, offer.yiaddr(), names).type());
        }

        for (final String which : List.of("02:00:00:00:00:01", "10.77.0.100", "00000000-0000-0001-0000-00000000005e"))
        {
            final Run show = ctl("lease", "show", "--state-dir", state(), which);
            assertEquals(0, show.exit(), which + ": " + show.err());
            assertTrue(show.out().matches("(?s).*\n700 +10\\.77\\.0\\.100 +02:00:00:00:00:01 +bound .* " +
                "00000000-0000-0001-0000-00000000005e +vm-one +- *\n"), which + ":\n" + show.out());
        }
        final Run json = ctl("lease", "show", "--state-dir", state(), "--json", "10.77.0.100");
        assertTrue(json.out().contains("\"hostname\":\"vm-one\"") && json.out().contains("\"expires_at_ms\":"),
            json.out());
        assertEquals(1, ctl("lease", "show", "--state-dir", state(), "02:00:00:00:00:02").exit());
    }

    @Test
    void aForcedExpiryFreesTheAddressDurablyAndTheHostsRefreshIsRefused() throws Exception
    {
        final Path policy = policy();
        DvmcService service = start(policy);
        final long vmA = 0x020000000001L;
        final long vmB = 0x020000000002L;
        try (TestAgent agent = new TestAgent(System::currentTimeMillis))
        {
            assertEquals(0x0A090064, agent.bind(service.localAddress(), TestPolicies.TINY, vmA).yiaddr());

            final Run expire = ctl("lease", "expire", "--state-dir", state(), "10.9.0.100");
            assertEquals(0, expire.exit(), expire.err());
            assertTrue(expire.out().contains("expired 10.9.0.100 (02:00:00:00:00:01) in domain 300"), expire.out());

            // The host agent's refresh of its host lease is refused, so it drops the lease the fast path answers from.
            final TestAgent.Reply refresh = agent.request(service.localAddress(), TestPolicies.TINY, vmA, 0x0A090064);
            assertEquals(DvmcMessageType.NAK, refresh.type());
            assertEquals(DvmcStatus.REASON_NO_LEASE, refresh.reason());
            service.close();
            // Durable: the service that starts again on the journal has the address free for another client.
            service = start(policy);
            assertEquals(0x0A090064, agent.bind(service.localAddress(), TestPolicies.TINY, vmB).yiaddr());
        }
        final Run release = ctl("lease", "release", "--state-dir", state(), "02:00:00:00:00:02");
        assertEquals(0, release.exit(), release.err());
        assertEquals(1, ctl("lease", "show", "--state-dir", state(), "02:00:00:00:00:02").exit());
    }

    @Test
    void theDumpShowsEveryRecordWithItsOffsetAndADamagedRecordsOffsetWithoutWritingTheFile() throws Exception
    {
        final DvmcService service = start(policy());
        try (TestAgent agent = new TestAgent(System::currentTimeMillis))
        {
            agent.bind(service.localAddress(), TestPolicies.BLUE, 0x020000000001L);
            agent.bind(service.localAddress(), TestPolicies.BLUE, 0x020000000002L);
        }
        service.close();
        final Path journal = dir.resolve(LeaseJournal.FILE_NAME);
        final Run clean = ctl("journal", "dump", journal.toString());
        assertEquals(0, clean.exit(), clean.err());
        assertTrue(clean.out().contains("\n64 BOUND domain=100 address=10.0.0.100 mac=02:00:00:00:00:01"), clean.out());
        final Matcher second = Pattern.compile("\n(\\d+) BOUND domain=100 address=10\\.0\\.0\\.101 ")
            .matcher(clean.out());
        assertTrue(second.find(), clean.out());
        final long offset = Long.parseLong(second.group(1));
        assertTrue(clean.out().contains("\n" + (offset + 64) + " FREE "), "the zeros written ahead: " + clean.out());

        try (RandomAccessFile f = new RandomAccessFile(journal.toFile(), "rw"))
        {
            f.seek(offset + 13);
            f.write(f.readByte() ^ 0x01);
        }
        final byte[] before = sha(journal);
        final Run damaged = ctl("journal", "dump", journal.toString());

        assertEquals(1, damaged.exit(), damaged.out());
        assertTrue(damaged.out().contains("\n" + offset + " DAMAGED end=" + (offset + 64) + " bytes=64 held=[BOUND " +
            "domain=100 address=10.0.0.101 mac=02:00:00:00:00:02"), damaged.out());
        assertTrue(damaged.out().contains("# 1 records, 1 damaged spans (64 bytes)"), damaged.out());
        assertArrayEquals(before, sha(journal));
    }

    private DvmcService start(final Path policy) throws Exception
    {
        final DvmcService service = new DvmcService(new FilePolicyStore(policy), new InetSocketAddress("127.0.0.1", 0),
            TestAgent.KEY, dir, Clock.systemUTC(), new BackoffIdleStrategy()).start();
        closeables.add(service);
        return service;
    }

    /** The test policy with domain 700 for Kea's subnet 7: its pool, and an address reserved in it. */
    private Path policy() throws Exception
    {
        final Path policy = dir.resolve("policy.json");
        Files.writeString(policy, TestPolicies.json(6767).replace("\"domains\": [", """
            "domains": [
                { "id": 700, "name": "kea", "subnet": "10.77.0.0/24", "router": "10.77.0.1",
                  "pools": [ { "start": "10.77.0.100", "end": "10.77.0.199" } ], "leaseSeconds": 3600,
                  "reservations": [ { "mac": "02:77:00:00:00:42", "ip": "10.77.0.150" } ] },
            """));
        return policy;
    }

    /** Kea's lease file as if Kea had granted its leases now: expire moved to now + valid_lifetime. */
    private Path keaLeasesGrantedNow(final Path written) throws Exception
    {
        final long now = System.currentTimeMillis() / 1000;
        final List<String> out = new ArrayList<>();
        for (final String line : Files.readAllLines(written))
        {
            final String[] f = line.split(",", -1);
            if (!f[0].equals("address"))
            {
                f[4] = Long.toString(now + Long.parseLong(f[3]));
            }
            out.add(String.join(",", f));
        }
        final Path file = dir.resolve("leases4.csv");
        Files.write(file, out);
        return file;
    }

    private String state()
    {
        return dir.toString();
    }

    private static byte[] sha(final Path file) throws Exception
    {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }

    private static synchronized Run ctl(final String... args)
    {
        final List<String> all = new ArrayList<>();
        if (!args[0].equals("journal"))
        {
            all.add("ctl");
        }
        all.addAll(List.of(args));
        final PrintStream out = System.out;
        final PrintStream err = System.err;
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try
        {
            final int exit = new CommandLine(new Dvmc()).execute(all.toArray(String[]::new));
            return new Run(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
