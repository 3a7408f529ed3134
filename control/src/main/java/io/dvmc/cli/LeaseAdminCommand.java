package io.dvmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.Addresses;
import io.dvmc.policy.Domain;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.policy.PolicyException;
import io.dvmc.service.AdminFiles;
import io.dvmc.service.JournalLeases;
import io.dvmc.service.KeaCsv;
import io.dvmc.service.LeaseJournal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code dvmc ctl lease}: the leases of a service that keeps them in its journal ({@code --state-dir}). Reading
 * (list, show, export) reads the journal file and needs no running service; changing (release, expire, import) is a
 * request the running service applies and makes durable ({@link AdminFiles}).
 */
@Command(name = "lease", mixinStandardHelpOptions = true,
    description = "The leases of a journal-mode service (--state-dir): list|show by MAC, address or VM id, " +
        "release|expire, export|import as Kea memfile CSV.",
    subcommands = {LeaseAdminCommand.ListLeases.class, LeaseAdminCommand.Show.class, LeaseAdminCommand.Release.class,
        LeaseAdminCommand.Expire.class, LeaseAdminCommand.Export.class, LeaseAdminCommand.Import.class})
final class LeaseAdminCommand implements Runnable
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long ANSWER_WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    /** Input the command finds wrong: exit code 2. */
    static final class UsageException extends Exception
    {
        UsageException(final String message)
        {
            super(message);
        }
    }

    /** Nothing matches what the operator named: exit code 1. */
    static final class NotFoundException extends Exception
    {
        NotFoundException(final String message)
        {
            super(message);
        }
    }

    /** What every subcommand shares: the service's state directory, its leases, and how a failure is reported. */
    abstract static class StateCommand implements Callable<Integer>
    {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--state-dir", required = true, description = "the service's --state-dir")
        Path stateDir;

        @Option(names = "--domain", description = "domain id (default: every domain)")
        String domain;

        @Option(names = "--json", description = "print JSON instead of a table")
        boolean json;

        abstract int run() throws Exception;

        public Integer call()
        {
            try
            {
                return run();
            }
            catch (final UsageException | IllegalArgumentException ex)
            {
                System.err.println("dvmc ctl lease " + spec.name() + ": " + ex.getMessage());
                return 2;
            }
            catch (final NoSuchFileException ex)
            {
                System.err.println("dvmc ctl lease " + spec.name() + ": no such file: " + ex.getFile());
                return 2;
            }
            catch (final Exception ex)
            {
                System.err.println("dvmc ctl lease " + spec.name() + ": " + ex.getMessage());
                return 1;
            }
        }

        /** The domain id given, or -1 for every domain. */
        long domainId() throws UsageException
        {
            if (domain == null)
            {
                return -1;
            }
            try
            {
                return Integer.toUnsignedLong(Integer.parseUnsignedInt(domain));
            }
            catch (final NumberFormatException ex)
            {
                throw new UsageException("--domain " + domain + ": a domain id (a number) is expected");
            }
        }

        /** The leases in the journal (of --domain, if given) that {@code which} names; all for null. */
        List<JournalLeases.Lease> select(final String which) throws Exception
        {
            final Path journal = stateDir.resolve(LeaseJournal.FILE_NAME);
            if (!Files.exists(journal))
            {
                throw new IOException(
                    "no lease journal in " + stateDir + " (not a journal-mode service's --state-dir?)");
            }
            final long wantedDomain = domainId();
            final Selector selector = Selector.of(which);
            final List<JournalLeases.Lease> out = new ArrayList<>();
            for (final JournalLeases.Lease l : JournalLeases.read(journal))
            {
                if ((wantedDomain < 0 || Integer.toUnsignedLong(l.domainId()) == wantedDomain) && selector.matches(l))
                {
                    out.add(l);
                }
            }
            return out;
        }

        /** {@link #select} of one lease, refused when none or several match. */
        JournalLeases.Lease selectOne(final String which) throws Exception
        {
            final List<JournalLeases.Lease> leases = select(which);
            final long now = System.currentTimeMillis();
            final List<JournalLeases.Lease> bound = leases.stream().filter(l -> l.expiresAtMs() > now).toList();
            if (bound.isEmpty())
            {
                throw new NotFoundException(
                    "no bound lease for " + which + (domain == null ? "" : " in domain " + domain));
            }
            if (bound.size() > 1)
            {
                throw new UsageException(which + " has " + bound.size() + " leases (" + String.join(", ", bound.stream()
                    .map(l -> "domain " + Integer.toUnsignedString(l.domainId()) + " " + Addresses.ipv4(l.address()))
                    .toList()) + "): name the domain with --domain, or give the address");
            }
            return bound.getFirst();
        }

        void print(final List<JournalLeases.Lease> leases) throws IOException
        {
            final long now = System.currentTimeMillis();
            if (json)
            {
                final ArrayNode out = JSON.createArrayNode();
                leases.forEach(l -> out.add(json(l, now)));
                System.out.println(JSON.writeValueAsString(out));
                return;
            }
            final StringBuilder out = new StringBuilder(String.format("%-10s %-15s %-17s %-8s %-24s %-36s %-20s %s%n",
                "DOMAIN", "ADDRESS", "MAC", "STATE", "EXPIRES", "VM", "HOSTNAME", "FQDN"));
            for (final JournalLeases.Lease l : leases)
            {
                out.append(String.format("%-10s %-15s %-17s %-8s %-24s %-36s %-20s %s%n",
                    Integer.toUnsignedString(l.domainId()), Addresses.ipv4(l.address()), Addresses.mac(l.mac()),
                    state(l, now), Instant.ofEpochMilli(l.expiresAtMs()), l.vmId(),
                    ServiceLeasesCommand.printable(l.hostName()), ServiceLeasesCommand.printable(l.fqdn())));
            }
            System.out.print(out);
        }

        /** Sends a request to the running service and waits for its answer. */
        int ask(final String command, final List<String> data) throws Exception
        {
            final String id = UUID.randomUUID().toString();
            AdminFiles.request(stateDir, id, command, data);
            final AdminFiles.Result result = AdminFiles.await(stateDir, id, ANSWER_WAIT_NS, "service");
            final PrintStream out = result.ok() ? System.out : System.err;
            if (json)
            {
                final ObjectNode node = JSON.createObjectNode().put("ok", result.ok());
                result.lines().forEach(node.putArray("messages")::add);
                out.println(JSON.writeValueAsString(node));
            }
            else
            {
                result.lines().forEach(out::println);
            }
            return result.ok() ? 0 : 1;
        }
    }

    /** The only subnet id of a lease file's rows (0 for none); refused when it holds several. */
    static String state(final JournalLeases.Lease l, final long now)
    {
        return l.expiresAtMs() > now ? "bound" : "expired";
    }

    static ObjectNode json(final JournalLeases.Lease l, final long now)
    {
        return JSON.createObjectNode().put("domain", Integer.toUnsignedLong(l.domainId()))
            .put("ip", Addresses.ipv4(l.address())).put("mac", Addresses.mac(l.mac())).put("state", state(l, now))
            .put("expires_at_ms", l.expiresAtMs()).put("expires", Instant.ofEpochMilli(l.expiresAtMs()).toString())
            .put("vm", l.vmId().toString()).put("hostname", l.hostName()).put("fqdn", l.fqdn());
    }

    /** A MAC, an IPv4 address or a VM id (UUID), as the operator typed it. */
    record Selector(long mac, int address, UUID vm, boolean all)
    {
        static Selector of(final String which) throws UsageException
        {
            if (which == null)
            {
                return new Selector(0, 0, null, true);
            }
            if (Addresses.isIpv4(which))
            {
                return new Selector(0, Addresses.parseIpv4(which), null, false);
            }
            if (which.length() == 36)
            {
                try
                {
                    return new Selector(0, 0, UUID.fromString(which), false);
                }
                catch (final IllegalArgumentException ex)
                {
                    // Not a UUID: tried as a MAC below.
                }
            }
            try
            {
                return new Selector(Addresses.parseMac(which), 0, null, false);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException("'" + which + "' is no MAC, IPv4 address or VM id (UUID)");
            }
        }

        boolean matches(final JournalLeases.Lease l)
        {
            return matches(l.mac(), l.address(), l.vmId());
        }

        boolean matches(final long leaseMac, final int leaseAddress, final UUID leaseVm)
        {
            return all || (vm != null ? vm.equals(leaseVm) : address != 0 ? address == leaseAddress : mac == leaseMac);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the leases in the service's journal, with the host names and FQDNs clients gave.")
    static final class ListLeases extends StateCommand
    {
        int run() throws Exception
        {
            print(select(null));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Shows the lease(s) of a MAC, an address or a VM id.")
    static final class Show extends StateCommand
    {
        @Parameters(paramLabel = "MAC|ADDRESS|VM-ID")
        String which;

        int run() throws Exception
        {
            final List<JournalLeases.Lease> leases = select(which);
            if (leases.isEmpty())
            {
                throw new NotFoundException("no lease for " + which + (domain == null ? "" : " in domain " + domain));
            }
            print(leases);
            return 0;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
        description = "Ends a lease as if its client released it: the address is free at once, journalled before " +
            "this returns. The service tells the VM's host, which stops answering the VM from its host lease; a host " +
            "not heard from since the service started stops at its next refresh ('dvmc ctl host-lease drop' on it " +
            "stops it at once).")
    static final class Release extends StateCommand
    {
        @Parameters(paramLabel = "MAC|ADDRESS|VM-ID")
        String which;

        int run() throws Exception
        {
            final JournalLeases.Lease l = selectOne(which);
            return ask("release " + Integer.toUnsignedString(l.domainId()) + " " + Addresses.ipv4(l.address()),
                List.of());
        }
    }

    @Command(name = "expire", mixinStandardHelpOptions = true,
        description = "Ends a lease as if it ran out: the address is free at once (and its client gets it back if " +
            "it asks while it is still free), journalled before this returns.")
    static final class Expire extends StateCommand
    {
        @Parameters(paramLabel = "MAC|ADDRESS|VM-ID")
        String which;

        int run() throws Exception
        {
            final JournalLeases.Lease l = selectOne(which);
            return ask("expire " + Integer.toUnsignedString(l.domainId()) + " " + Addresses.ipv4(l.address()),
                List.of());
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
        description = "Writes the bound leases as a Kea 2.2 lease4 memfile CSV; subnet_id is the domain id, " +
            "valid_lifetime the domain's lease time (from --policy).")
    static final class Export extends StateCommand
    {
        @Option(names = "--policy", required = true, description = "the service's policy file")
        Path policy;

        @Option(names = {"-o", "--output"}, description = "the CSV file to write (default: stdout)")
        Path output;

        int run() throws Exception
        {
            final FilePolicyStore store;
            try
            {
                store = new FilePolicyStore(policy);
            }
            catch (final PolicyException ex)
            {
                throw new UsageException(ex.getMessage());
            }
            final long now = System.currentTimeMillis();
            final List<String> lines = new ArrayList<>();
            lines.add(KeaCsv.HEADER);
            for (final JournalLeases.Lease l : select(null))
            {
                final Domain d = store.domainOrNull(l.domainId());
                if (d != null && l.expiresAtMs() > now)
                {
                    lines.add(KeaCsv.row(l, d).format());
                }
            }
            KeaExport.print(lines, output);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
        description = "Binds the leases of a Kea lease4 memfile CSV in --domain, all or none, by the rules that " +
            "bind a client's address; journalled before this returns. Lines of other subnets, expired, declined " +
            "or reclaimed leases are skipped and listed.")
    static final class Import extends StateCommand
    {
        @Option(names = "--subnet-id", description = "the Kea subnet whose leases to import (default: the only " +
            "subnet_id in the file)")
        Long subnetId;

        @Parameters(paramLabel = "FILE", description = "the Kea lease file (leases4.csv)")
        Path file;

        int run() throws Exception
        {
            if (domain == null)
            {
                throw new UsageException("--domain is required: the domain the leases are imported into");
            }
            domainId();
            final List<String> data = new ArrayList<>();
            for (final KeaCsv.Row r : KeaCsv.importable(Files.readAllLines(file, StandardCharsets.UTF_8), subnetId,
                System.currentTimeMillis() / 1000, m -> System.err.println(file + ": " + m)))
            {
                data.add(r.importLine());
            }
            return ask("import " + domain, data);
        }

    }
}
