package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.Addresses;
import io.dvmc.config.JsonTrees;
import io.dvmc.policy.Domain;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.policy.PolicyException;
import io.dvmc.service.EtcdLeaseRecord;
import io.dvmc.service.KeaCsv;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * {@code dvmc ctl leases list|show|release|expire|export|import}: the service-side leases of the distributed mode, one
 * etcd key per address ({@code <prefix>/leases/<domainId>/<a.b.c.d>}), written by the service replicas. A record
 * whose expiry has passed is free (the replicas may not have removed it yet). Release deletes the key, expire rewrites
 * it as expired, each only if the key is still at the revision read (or given with --revision): a renewal in between
 * is never undone. Import writes a key only where it is absent or already the same MAC's. The replicas watch the
 * prefix and follow every change. Addresses a client declined
 * ({@code <prefix>/leases/<domainId>/declined/<a.b.c.d>}) are listed as "declined" until their hold ends; they are
 * not released by hand.
 */
final class ServiceLeasesCommand
{
    private ServiceLeasesCommand()
    {
    }

    /** One lease record, as read from etcd. */
    record Lease(long domain, String ip, String mac, long expiresAtMs, String vm, String location, String xid,
        String replica, String key, long revision, boolean declined, String hostname, String fqdn, String clientKey,
        String clientId, int keaFlags, String userContext, String value)
    {
        boolean bound(final long nowMs)
        {
            return !declined && expiresAtMs > nowMs;
        }

        String state(final long nowMs)
        {
            return expiresAtMs <= nowMs ? "expired" : declined ? "declined" : "bound";
        }

        ObjectNode json(final long nowMs)
        {
            return CliJson.object().put("domain", domain).put("ip", ip).put("mac", mac)
                .put("state", state(nowMs)).put("expires_at_ms", expiresAtMs)
                .put("expires", Instant.ofEpochMilli(expiresAtMs).toString()).put("vm", vm)
                .put("location", location).put("xid", xid).put("replica", replica).put("hostname", hostname)
                .put("fqdn", fqdn).put("client_id", KeaCsv.clientId(Addresses.parseMac(mac), clientKey, clientId))
                .put("revision", revision);
        }

        UUID vmId()
        {
            try
            {
                return UUID.fromString(vm);
            }
            catch (final IllegalArgumentException ex)
            {
                return null;
            }
        }
    }

    /** The selection shared by the commands: a domain, and a MAC, address or VM id. */
    abstract static class LeaseCommand extends EtcdCommand
    {
        @Option(names = "--domain", description = "domain id or name (default: every domain)")
        String domain;

        @Option(names = "--policy", description = "a policy file that defines the domains, for services that do " +
            "not keep their policy in etcd (default: the policy in etcd)")
        Path policy;

        private FilePolicyStore policyFile;

        /** The domain named by {@code idOrName}, from --policy (read once) or from etcd. */
        Domain domain(final EtcdPolicyAdmin admin, final String idOrName) throws Exception
        {
            if (policy == null)
            {
                return admin.find(idOrName).domain();
            }
            if (policyFile == null)
            {
                policyFile = policyFile(policy);
            }
            return domainIn(policyFile, idOrName);
        }

        /** The records of the domain (or all) that match {@code which} (all if null), by domain and address. */
        List<Lease> select(final Client client, final EtcdPolicyAdmin admin, final String which) throws Exception
        {
            final String scope = domain == null ? key("leases/") : domainLeases(domain(admin, domain).id());
            final LeaseAdminCommand.Selector wanted = selector(which);
            final List<Lease> out = new ArrayList<>();
            for (final KeyValue kv : getPrefix(client, scope))
            {
                final Lease lease = lease(key("leases/"), kv);
                if (wanted.matches(Addresses.parseMac(lease.mac()), Addresses.parseIpv4(lease.ip()), lease.vmId()))
                {
                    out.add(lease);
                }
            }
            out.sort(Comparator.comparingLong(Lease::domain)
                .thenComparingLong(l -> Integer.toUnsignedLong(Addresses.parseIpv4(l.ip()))));
            return out;
        }

        String domainLeases(final int domainId)
        {
            return key("leases/") + Integer.toUnsignedString(domainId) + "/";
        }

        /** {@link #select} of one MAC, address or VM id, refused if it has no lease. */
        List<Lease> selectSome(final Client client, final EtcdPolicyAdmin admin, final String macOrAddress)
            throws Exception
        {
            final List<Lease> leases = select(client, admin, macOrAddress);
            if (leases.isEmpty())
            {
                throw new BadInputException("no lease for " + macOrAddress +
                    (domain == null ? "" : " in domain " + domain));
            }
            return leases;
        }

        private static LeaseAdminCommand.Selector selector(final String which) throws BadInputException
        {
            try
            {
                return LeaseAdminCommand.Selector.of(which);
            }
            catch (final LeaseAdminCommand.UsageException ex)
            {
                throw new BadInputException(ex.getMessage());
            }
        }

        /**
         * The one lease (not a declined address) {@code which} names, refused when none or several match.
         */
        Lease selectOne(final Client client, final EtcdPolicyAdmin admin, final String which) throws Exception
        {
            // A decline's hold ends at its time at every replica, whatever becomes of its key.
            final List<Lease> leases = selectSome(client, admin, which).stream().filter(l -> !l.declined()).toList();
            if (leases.isEmpty())
            {
                throw new BadInputException(which + " is declined, not leased: its hold ends by itself");
            }
            if (leases.size() > 1)
            {
                throw new BadInputException(which + " has " + leases.size() + " leases (" + leases.stream()
                    .map(l -> "domain " + l.domain() + " " + l.ip()).collect(Collectors.joining(", ")) +
                    "): name the domain with --domain, or give the address");
            }
            return leases.getFirst();
        }

        static Lease lease(final String leases, final KeyValue kv) throws BadInputException
        {
            final String key = kv.getKey().toString(StandardCharsets.UTF_8);
            final String[] parts = key.substring(leases.length()).split("/");
            final JsonNode v;
            try
            {
                v = JsonTrees.read(kv.getValue().toString(StandardCharsets.UTF_8));
            }
            catch (final IOException ex)
            {
                throw new BadInputException(key + ": not a lease record: " + ex.getMessage());
            }
            final boolean declined = parts.length == 3 && "declined".equals(parts[1]);
            final String ip = parts[parts.length - 1];
            if ((parts.length != 2 && !declined) || EtcdPolicyAdmin.parseId(parts[0]) == 0 || !Addresses.isIpv4(ip) ||
                !v.isObject())
            {
                throw new BadInputException(key + ": not a lease record");
            }
            return new Lease(Long.parseLong(parts[0]), ip, v.path("mac").asText("").toLowerCase(),
                v.path(declined ? "untilMs" : "expiresAtMs").asLong(0), v.path("vm").asText(""),
                v.path("location").asText(""), v.path("xid").asText(""), v.path("replica").asText(""), key,
                kv.getModRevision(), declined, v.path("hostname").asText(""), v.path("fqdn").asText(""),
                v.path("clientKey").asText(""), v.path("clientId").asText(""), v.path("keaFlags").asInt(0),
                v.path("keaUserContext").asText(""), kv.getValue().toString(StandardCharsets.UTF_8));
        }

        void print(final List<Lease> leases)
        {
            final long now = System.currentTimeMillis();
            if (json)
            {
                final ArrayNode out = CliJson.array();
                leases.forEach(l -> out.add(l.json(now)));
                CliJson.print(out);
                return;
            }
            final StringBuilder out = new StringBuilder(String.format(
                "%-10s %-15s %-17s %-8s %-24s %-36s %-21s %-20s %-30s %s%n",
                "DOMAIN", "ADDRESS", "MAC", "STATE", "EXPIRES", "VM", "LOCATION", "HOSTNAME", "FQDN", "REPLICA"));
            for (final Lease l : leases)
            {
                out.append(
                    String.format("%-10d %-15s %-17s %-8s %-24s %-36s %-21s %-20s %-30s %s%n", l.domain(), l.ip(),
                        l.mac(), l.state(now), Instant.ofEpochMilli(l.expiresAtMs()), l.vm(), l.location(),
                        printable(l.hostname()), printable(l.fqdn()), l.replica()));
            }
            System.out.print(out);
        }
    }

    /** A name a VM chose, for a terminal: "-" for none, and no control characters (shown as '?'). */
    static String printable(final String name)
    {
        if (name.isEmpty())
        {
            return "-";
        }
        final StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            out.append(c < 0x20 || (c >= 0x7F && c < 0xA0) ? '?' : c);
        }
        return out.toString();
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the service-side leases in etcd (distributed mode).")
    static final class ListLeases extends LeaseCommand
    {
        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            print(select(client, admin, null));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Shows the service-side lease(s) of a MAC, an address or a VM id.")
    static final class Show extends LeaseCommand
    {
        @Parameters(paramLabel = "MAC|ADDRESS|VM-ID")
        String which;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final List<Lease> leases = selectSome(client, admin, which);
            print(leases);
            return 0;
        }
    }

    /** A change of one lease, made only if its key is still at the revision read or given. */
    abstract static class LeaseChange extends LeaseCommand
    {
        @Parameters(paramLabel = "MAC|ADDRESS|VM-ID")
        String which;

        @Option(names = "--revision", description = "change the lease only if its key is still at this revision " +
            "(from 'show --json'); default: the revision this command reads")
        Long revision;

        /** What the change does to the key: a delete or a rewrite. */
        abstract Op change(Lease lease, ByteSequence key) throws Exception;

        /** "released", "expired". */
        abstract String done();

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final Lease lease = selectOne(client, admin, which);
            final long expected = revision != null ? revision : lease.revision();
            final ByteSequence key = bytes(lease.key());
            final TxnResponse r = EtcdPolicyAdmin.await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expected)))
                .Then(change(lease, key)).commit(), deadline());
            if (!r.isSucceeded())
            {
                throw new EtcdPolicyAdmin.ConflictException("the lease of " + lease.ip() + " in domain " +
                    lease.domain() + " is at revision " + lease.revision() + ", not " + expected +
                    " (renewed or changed since it was read): nothing was " + done());
            }
            final long at = r.getHeader().getRevision();
            if (json)
            {
                CliJson.print(CliJson.object().put("revision", at).set(done(), lease.json(System.currentTimeMillis())));
            }
            else
            {
                System.out.println(done() + " " + lease.ip() + " (" + lease.mac() + ") in domain " + lease.domain() +
                    " at revision " + at);
            }
            return 0;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
        description = "Releases the service-side lease of a MAC, an address or a VM id, as if its client released " +
            "it: the key is deleted, the replicas free the address and tell the VM's host (as 'lease release' does).")
    static final class Release extends LeaseChange
    {
        Op change(final Lease lease, final ByteSequence key)
        {
            return Op.delete(key, DeleteOption.DEFAULT);
        }

        String done()
        {
            return "released";
        }
    }

    @Command(name = "expire", mixinStandardHelpOptions = true,
        description = "Ends the service-side lease of a MAC, an address or a VM id as if it ran out: the record " +
            "stays with its expiry now, the replicas free the address, and its client gets it back if it asks while " +
            "it is still free.")
    static final class Expire extends LeaseChange
    {
        Op change(final Lease lease, final ByteSequence key) throws Exception
        {
            return Op.put(key, bytes(EtcdLeaseRecord.expiring(lease.value(), System.currentTimeMillis())),
                PutOption.DEFAULT);
        }

        String done()
        {
            return "expired";
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
        description = "Writes the bound service-side leases as a Kea 2.2 lease4 memfile CSV; subnet_id is the " +
            "domain id, valid_lifetime the domain's lease time (from the policy in etcd, or --policy).")
    static final class Export extends LeaseCommand
    {
        @Option(names = {"-o", "--output"}, description = "the CSV file to write (default: stdout)")
        Path output;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final long now = System.currentTimeMillis();
            final List<String> lines = new ArrayList<>();
            lines.add(KeaCsv.HEADER);
            for (final Lease l : select(client, admin, null))
            {
                if (!l.bound(now))
                {
                    continue;
                }
                final Domain d = domain(admin, Long.toString(l.domain()));
                final long mac = Addresses.parseMac(l.mac());
                lines.add(KeaCsv.row(Addresses.parseIpv4(l.ip()), mac, KeaCsv.clientId(mac, l.clientKey(),
                    l.clientId()), l.expiresAtMs(), l.hostname(), l.fqdn(), l.keaFlags(), l.userContext(), d).format());
            }
            KeaExport.print(lines, output);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
        description = "Writes the leases of a Kea lease4 memfile CSV into --domain, each where its address has no " +
            "key or a key of the same MAC, never over another MAC's; every line refused is listed (exit 3). Lines " +
            "of other subnets, expired, declined or reclaimed leases are skipped and listed.")
    static final class Import extends LeaseCommand
    {
        @Option(names = "--subnet-id", description = "the Kea subnet whose leases to import (default: the only " +
            "subnet_id in the file)")
        Long subnetId;

        @Parameters(paramLabel = "FILE", description = "the Kea lease file (leases4.csv)")
        Path file;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            if (domain == null)
            {
                throw new BadInputException("--domain is required: the domain the leases are imported into");
            }
            final Domain d = domain(admin, domain);
            final long nowS = System.currentTimeMillis() / 1000;
            final List<KeaCsv.Row> rows;
            try
            {
                rows = KeaCsv.importable(Files.readAllLines(file, StandardCharsets.UTF_8), subnetId, nowS,
                    m -> System.err.println(file + ": " + m));
            }
            catch (final IOException ex)
            {
                throw new BadInputException(file + ": " + ex.getMessage());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new BadInputException(ex.getMessage());
            }
            final Map<Long, String> held = new HashMap<>();
            for (final KeyValue kv : getPrefix(client, domainLeases(d.id())))
            {
                final Lease l = lease(key("leases/"), kv);
                if (l.bound(nowS * 1000))
                {
                    held.put(Addresses.parseMac(l.mac()), l.ip());
                }
            }
            final List<String> refused = new ArrayList<>();
            int imported = 0;
            for (final KeaCsv.Row r : rows)
            {
                final String why = put(client, d, r, held);
                if (why == null)
                {
                    imported++;
                }
                else
                {
                    refused.add("line " + r.line() + ": " + why);
                }
            }
            if (json)
            {
                final ObjectNode out = CliJson.object().put("imported", imported);
                refused.forEach(out.putArray("refused")::add);
                CliJson.print(out);
            }
            else
            {
                System.out.println("imported " + imported + " leases into domain " + d.label() +
                    (refused.isEmpty() ? "" : "; refused " + refused.size() + ":"));
                refused.forEach(System.out::println);
            }
            return refused.isEmpty() ? 0 : CONFLICT;
        }

        /**
         * Writes one lease: if its key is absent, or holds the same MAC and is still at the revision read. Why not,
         * or null when written.
         */
        private String put(final Client client, final Domain d, final KeaCsv.Row r, final Map<Long, String> held)
            throws Exception
        {
            final String ip = Addresses.ipv4(r.address());
            if (!d.inSubnet(r.address()) || r.address() == d.network() || r.address() == d.broadcast())
            {
                return ip + " is not a host address of " + d.subnet();
            }
            final String other = held.get(r.mac());
            if (other != null && !other.equals(ip))
            {
                return Addresses.mac(r.mac()) + " already holds " + other;
            }
            final ByteSequence key = bytes(domainLeases(d.id()) + ip);
            final ByteSequence value = bytes(EtcdLeaseRecord.imported(r, "import"));
            final TxnResponse absent = EtcdPolicyAdmin.await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(key, value, PutOption.DEFAULT))
                .Else(Op.get(key, GetOption.DEFAULT)).commit(), deadline());
            if (absent.isSucceeded())
            {
                held.put(r.mac(), ip);
                return null;
            }
            final List<KeyValue> now = absent.getGetResponses().getFirst().getKvs();
            if (now.isEmpty())
            {
                return ip + " changed while it was imported: try again";
            }
            final Lease there = lease(key("leases/"), now.getFirst());
            if (!there.mac().equals(Addresses.mac(r.mac())))
            {
                return ip + " is bound to " + there.mac() + (there.bound(System.currentTimeMillis())
                    ? ""
                    : " (expired: release it first)");
            }
            final TxnResponse same = EtcdPolicyAdmin.await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(there.revision())))
                .Then(Op.put(key, value, PutOption.DEFAULT)).commit(), deadline());
            if (!same.isSucceeded())
            {
                return ip + " changed while it was imported: try again";
            }
            held.put(r.mac(), ip);
            return null;
        }
    }

    private static FilePolicyStore policyFile(final Path policy) throws EtcdCommand.BadInputException
    {
        try
        {
            return new FilePolicyStore(policy);
        }
        catch (final PolicyException ex)
        {
            throw new EtcdCommand.BadInputException(ex.getMessage());
        }
    }

    private static Domain domainIn(final FilePolicyStore store, final String idOrName)
        throws EtcdCommand.BadInputException
    {
        final int id;
        try
        {
            id = Integer.parseUnsignedInt(idOrName);
        }
        catch (final NumberFormatException ex)
        {
            throw new EtcdCommand.BadInputException(
                "--domain " + idOrName + ": with --policy, a domain id (a number) is expected");
        }
        final Domain d = store.domainOrNull(id);
        if (d == null)
        {
            throw new EtcdCommand.BadInputException("unknown domain " + idOrName + " in the policy file");
        }
        return d;
    }
}
