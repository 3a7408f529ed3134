package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.Addresses;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code dvmc ctl leases list|show|release}: the service-side leases of the distributed mode, one etcd key per
 * address ({@code <prefix>/leases/<domainId>/<a.b.c.d>}), written by the service replicas. A record whose expiry has
 * passed is free (the replicas may not have removed it yet). Release deletes the key if it is still at the revision
 * read; the replicas watch the prefix and free the address. Addresses a client declined
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
        String replica, String key, long revision, boolean declined, String hostname, String fqdn)
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
                .put("fqdn", fqdn).put("revision", revision);
        }
    }

    /** The selection shared by the three commands: a domain, and a MAC or address. */
    abstract static class LeaseCommand extends EtcdCommand
    {
        @Option(names = "--domain", description = "domain id or name (default: every domain)")
        String domain;

        /** The records of the domain (or all) that match {@code macOrAddress} (all if null), by domain and address. */
        List<Lease> select(final Client client, final EtcdPolicyAdmin admin, final String macOrAddress)
            throws Exception
        {
            final String leases = key("leases/");
            final String scope = domain == null
                ? leases
                : leases + Integer.toUnsignedString(admin.find(domain).domain().id()) + "/";
            final String wanted = wanted(macOrAddress);
            final List<Lease> out = new ArrayList<>();
            for (final KeyValue kv : getPrefix(client, scope))
            {
                final Lease lease = lease(leases, kv);
                if (wanted == null || wanted.equals(lease.mac()) || wanted.equals(lease.ip()))
                {
                    out.add(lease);
                }
            }
            out.sort(Comparator.comparingLong(Lease::domain)
                .thenComparingLong(l -> Integer.toUnsignedLong(Addresses.parseIpv4(l.ip()))));
            return out;
        }

        /** {@link #select} of one MAC or address, refused if it has no lease. */
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

        /** The MAC in canonical form, or the address, or null for all. */
        private static String wanted(final String macOrAddress) throws BadInputException
        {
            if (macOrAddress == null)
            {
                return null;
            }
            if (Addresses.isIpv4(macOrAddress))
            {
                return Addresses.ipv4(Addresses.parseIpv4(macOrAddress));
            }
            return Addresses.mac(CtlArguments.mac("MAC|ADDRESS", macOrAddress));
        }

        private static Lease lease(final String leases, final KeyValue kv) throws BadInputException
        {
            final String key = kv.getKey().toString(StandardCharsets.UTF_8);
            final String[] parts = key.substring(leases.length()).split("/");
            final JsonNode v;
            try
            {
                v = CliJson.MAPPER.readTree(kv.getValue().toString(StandardCharsets.UTF_8));
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
                kv.getModRevision(), declined, v.path("hostname").asText(""), v.path("fqdn").asText(""));
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
        description = "Shows the service-side lease(s) of a MAC or an address.")
    static final class Show extends LeaseCommand
    {
        @Parameters(paramLabel = "MAC|ADDRESS")
        String which;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final List<Lease> leases = selectSome(client, admin, which);
            print(leases);
            return 0;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
        description = "Releases the service-side lease of a MAC or an address: the replicas free the address.")
    static final class Release extends LeaseCommand
    {
        @Parameters(paramLabel = "MAC|ADDRESS")
        String which;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
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
            final Lease lease = leases.getFirst();
            final ByteSequence key = bytes(lease.key());
            final TxnResponse r = EtcdPolicyAdmin.await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(lease.revision())))
                .Then(Op.delete(key, DeleteOption.DEFAULT)).commit(), deadline());
            if (!r.isSucceeded())
            {
                throw new EtcdPolicyAdmin.ConflictException("the lease of " + lease.ip() + " in domain " +
                    lease.domain() + " changed since it was read: nothing was released");
            }
            final long revision = r.getHeader().getRevision();
            if (json)
            {
                CliJson.print(CliJson.object().put("revision", revision)
                    .set("released", lease.json(System.currentTimeMillis())));
            }
            else
            {
                System.out.println("released " + lease.ip() + " (" + lease.mac() + ") in domain " + lease.domain() +
                    " at revision " + revision);
            }
            return 0;
        }
    }
}
