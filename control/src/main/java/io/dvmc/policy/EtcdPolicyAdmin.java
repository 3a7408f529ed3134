package io.dvmc.policy;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.config.JsonTrees;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The write side of the policy in etcd (DESIGN §5): domains under {@code <prefix>/domains/<id>} in the
 * {@link DomainJson} form and host bindings under {@code <prefix>/bindings/<hostId>/<vlan>/<mac>} in the
 * {@link HostConfig.Binding} form. Every domain written is first validated with {@link Policy#of} against the
 * whole set held in etcd (unique ids and names included), and written in a transaction that compares the key's mod
 * revision with the one it was read at: of two operators who change a domain from the same read, the second is
 * refused ({@link ConflictException}) instead of silently undoing the first; a name given to another id between the
 * read and the write is caught by the write's own transaction (see {@link #checkNames}). Every etcd call has a
 * deadline; an etcd that does not answer in time is an {@link UnavailableException}, never a hang. Does not own
 * the client.
 */
public final class EtcdPolicyAdmin
{
    /** Bindings as etcd holds them: host.json's binding objects (only the etcd commands read them). */
    private static final JsonMapper BINDINGS = JsonMapper.builder().build();

    /** A domain with the mod revision of its key when read: the revision a write must compare against. */
    public record Versioned(Domain domain, long modRevision)
    {
    }

    /** A binding of one host, with the host it belongs to. */
    public record HostBinding(String hostId, HostConfig.Binding binding)
    {
    }

    /** A write refused because its key changed (or appeared) since it was read. */
    public static final class ConflictException extends Exception
    {
        public ConflictException(final String message)
        {
            super(message);
        }
    }

    /** etcd did not answer within the deadline, or failed the call. */
    public static final class UnavailableException extends Exception
    {
        public UnavailableException(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }

    private final KV kv;
    private final String prefix;
    private final Duration deadline;

    /**
     * @param prefix   the key prefix, e.g. {@code /dvmc} (a trailing '/' is ignored).
     * @param deadline the most any one etcd call may take.
     */
    public EtcdPolicyAdmin(final Client client, final String prefix, final Duration deadline)
    {
        this.kv = client.getKVClient();
        this.prefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        this.deadline = deadline;
    }

    /** Waits for an etcd call at most {@code deadline}; any failure or time-out becomes an UnavailableException. */
    public static <T> T await(final CompletableFuture<T> call, final Duration deadline) throws UnavailableException
    {
        try
        {
            return call.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException ex)
        {
            call.cancel(true);
            throw new UnavailableException("no answer within " + deadline.toMillis() + " ms", ex);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause() == null ? ex : ex.getCause();
            throw new UnavailableException(String.valueOf(cause.getMessage()), cause);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted", ex);
        }
    }

    public String domainKey(final int id)
    {
        return prefix + "/domains/" + Integer.toUnsignedString(id);
    }

    public String bindingKey(final String hostId, final int vlan, final long mac)
    {
        return prefix + "/bindings/" + hostId + "/" + vlan + "/" + Addresses.mac(mac);
    }

    /** Every domain in etcd, by id; a stored value that does not parse is an error naming its key. */
    public List<Versioned> domains() throws PolicyException, UnavailableException
    {
        final List<Versioned> out = new ArrayList<>();
        for (final KeyValue kvs : getPrefix(prefix + "/domains/"))
        {
            out.add(versioned(kvs));
        }
        out.sort(Comparator.comparingLong(v -> Integer.toUnsignedLong(v.domain().id())));
        return out;
    }

    /** One domain, or null if there is none with that id. */
    public Versioned domain(final int id) throws PolicyException, UnavailableException
    {
        final List<KeyValue> kvs = await(kv.get(bytes(domainKey(id))), deadline).getKvs();
        return kvs.isEmpty() ? null : versioned(kvs.getFirst());
    }

    /**
     * A domain named by its id (unsigned decimal) or its name.
     *
     * @throws PolicyException "unknown domain" if there is none.
     */
    public Versioned find(final String idOrName) throws PolicyException, UnavailableException
    {
        final int id = parseId(idOrName);
        if (id != 0)
        {
            final Versioned v = domain(id);
            if (v != null)
            {
                return v;
            }
        }
        else
        {
            for (final Versioned v : domains())
            {
                if (v.domain().name().equals(idOrName))
                {
                    return v;
                }
            }
        }
        throw new PolicyException("unknown domain " + idOrName);
    }

    /**
     * An id for a new domain: one above the highest in etcd, or the lowest free one when the highest is taken.
     * Only a suggestion: {@link #create} decides, and refuses it if it was taken meanwhile.
     */
    public int nextDomainId() throws PolicyException, UnavailableException
    {
        final Map<Integer, Domain> all = byId(domains());
        long highest = 0;
        for (final int id : all.keySet())
        {
            highest = Math.max(highest, Integer.toUnsignedLong(id));
        }
        if (highest < 0xFFFF_FFFFL)
        {
            return (int)(highest + 1);
        }
        for (long id = 1; id < 0xFFFF_FFFFL; id++)
        {
            if (!all.containsKey((int)id))
            {
                return (int)id;
            }
        }
        throw new PolicyException("every domain id is taken");
    }

    /**
     * Creates domains that do not exist yet, all or none, after validating them with every domain in etcd.
     *
     * @return the etcd revision of the write.
     */
    public long create(final Collection<Domain> domains)
        throws PolicyException, ConflictException, UnavailableException
    {
        final Map<Integer, Domain> all = byId(domains());
        final List<Cmp> compares = new ArrayList<>();
        final List<Op> puts = new ArrayList<>();
        for (final Domain d : domains)
        {
            if (all.containsKey(d.id()))
            {
                throw new PolicyException("domain " + d.idString() + " exists already (" + all.get(d.id()).name() +
                    "): change it with update");
            }
            all.put(d.id(), d);
            compares.add(new Cmp(bytes(domainKey(d.id())), Cmp.Op.EQUAL, CmpTarget.version(0)));
            puts.add(Op.put(bytes(domainKey(d.id())), bytes(DomainJson.write(d)), PutOption.DEFAULT));
        }
        Policy.of(all.values());
        final TxnResponse r = txn(compares, withSnapshot(puts));
        if (!r.isSucceeded())
        {
            throw new ConflictException("a domain of the same id was created meanwhile: nothing was written");
        }
        final List<Op> undo = new ArrayList<>();
        domains.forEach(d -> undo.add(Op.delete(bytes(domainKey(d.id())), DeleteOption.DEFAULT)));
        return checkNames(r, domains, undo);
    }

    /**
     * Replaces a domain (same id) if its key is still at {@code expectedRevision}, after validating the new set.
     *
     * @return the etcd revision of the write.
     */
    public long update(final Domain d, final long expectedRevision)
        throws PolicyException, ConflictException, UnavailableException
    {
        final Map<Integer, Domain> all = byId(domains());
        if (!all.containsKey(d.id()))
        {
            throw new PolicyException("unknown domain " + d.idString());
        }
        final Domain previous = all.put(d.id(), d);
        Policy.of(all.values());
        final ByteSequence key = bytes(domainKey(d.id()));
        final TxnResponse r = txn(List.of(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision))),
            withSnapshot(List.of(Op.put(key, bytes(DomainJson.write(d)), PutOption.DEFAULT))));
        if (!r.isSucceeded())
        {
            throw changed(d.idString(), expectedRevision);
        }
        return checkNames(r, List.of(d), List.of(Op.put(key, bytes(DomainJson.write(previous)), PutOption.DEFAULT)));
    }

    /**
     * Deletes a domain if its key is still at {@code expectedRevision}. Its bindings are left for the operator:
     * agents refuse a binding of an unknown domain.
     *
     * @return the etcd revision of the delete.
     */
    public long delete(final int id, final long expectedRevision) throws ConflictException, UnavailableException
    {
        final ByteSequence key = bytes(domainKey(id));
        final TxnResponse r = txn(List.of(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision))),
            List.of(Op.delete(key, DeleteOption.DEFAULT)));
        if (!r.isSucceeded())
        {
            throw changed(Integer.toUnsignedString(id), expectedRevision);
        }
        return r.getHeader().getRevision();
    }

    /**
     * Binds a VM (port, VLAN, MAC) on a host to a domain that exists, in one transaction that checks both that the
     * domain still exists and that the MAC is not bound on that VLAN of that host already.
     *
     * @return the etcd revision of the write.
     */
    public long bind(final String hostId, final HostConfig.Binding b)
        throws PolicyException, ConflictException, UnavailableException
    {
        final long mac = checkBinding(b);
        final int domainId = (int)b.domain();
        if (domain(domainId) == null)
        {
            throw new PolicyException("unknown domain " + b.domain());
        }
        final String key = bindingKey(hostKey(hostId), b.vlan(), mac);
        final ObjectNode value = JsonNodeFactory.instance.objectNode()
            .put("port", b.port()).put("vlan", b.vlan()).put("mac", Addresses.mac(mac)).put("domain", b.domain())
            .put("vm", b.vm());
        final TxnResponse r = txn(
            List.of(new Cmp(bytes(domainKey(domainId)), Cmp.Op.GREATER, CmpTarget.version(0)),
                new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0))),
            List.of(Op.put(bytes(key), bytes(value.toString()), PutOption.DEFAULT)));
        if (!r.isSucceeded())
        {
            if (domain(domainId) == null)
            {
                throw new ConflictException("domain " + b.domain() + " was deleted meanwhile: nothing was written");
            }
            throw new ConflictException(Addresses.mac(mac) + " on vlan " + b.vlan() + " of host " + hostId +
                " is bound already: unbind it first");
        }
        return r.getHeader().getRevision();
    }

    /**
     * Removes the binding of a MAC on a VLAN of a host.
     *
     * @return the binding removed, or null if there was none.
     */
    public HostBinding unbind(final String hostId, final int vlan, final long mac)
        throws PolicyException, UnavailableException
    {
        final DeleteOption prev = DeleteOption.builder().withPrevKV(true).build();
        final List<KeyValue> removed = await(kv.delete(bytes(bindingKey(hostKey(hostId), vlan, mac)), prev), deadline)
            .getPrevKvs();
        return removed.isEmpty() ? null : hostBinding(removed.getFirst());
    }

    /** The bindings of one host, or of every host if {@code hostId} is null. */
    public List<HostBinding> bindings(final String hostId) throws PolicyException, UnavailableException
    {
        final List<HostBinding> out = new ArrayList<>();
        for (final KeyValue kvs : getPrefix(prefix + "/bindings/" + (hostId == null ? "" : hostKey(hostId) + "/")))
        {
            out.add(hostBinding(kvs));
        }
        return out;
    }

    /** An id as the operator writes it (unsigned decimal), or 0 if the text is not one. */
    public static int parseId(final String text)
    {
        try
        {
            final long id = Long.parseLong(text);
            return id > 0 && id <= 0xFFFF_FFFFL ? (int)id : 0;
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }

    /**
     * A host id as every reader of the bindings takes it (host.json's {@code hostId}, the high half of a DVMC
     * transaction id): a positive number, written in one way only, so that "01" and "1" are one host.
     */
    static String hostKey(final String hostId) throws PolicyException
    {
        try
        {
            final int id = Integer.parseInt(hostId == null ? "" : hostId.strip());
            if (id > 0)
            {
                return Integer.toString(id);
            }
        }
        catch (final NumberFormatException ex)
        {
            // Refused below, with the id as given.
        }
        throw new PolicyException("host id '" + hostId + "' is not a host's number (1..2147483647, its hostId)");
    }

    private static long checkBinding(final HostConfig.Binding b) throws PolicyException
    {
        if (b.port() == null || b.port().isEmpty())
        {
            throw new PolicyException("binding: port is required");
        }
        final String problem = b.problem();
        if (problem != null)
        {
            throw new PolicyException("binding: " + (b.vm() == null ? "vm id is required" : problem));
        }
        final long mac = Addresses.parseMac(b.mac());
        if ((mac & 0x0100_0000_0000L) != 0)
        {
            throw new PolicyException("binding: " + Addresses.mac(mac) + " is not a unicast MAC");
        }
        return mac;
    }

    /** The writes, then a read of every domain as the same transaction leaves them. */
    private List<Op> withSnapshot(final List<Op> writes)
    {
        final List<Op> ops = new ArrayList<>(writes);
        ops.add(Op.get(bytes(prefix + "/domains/"), GetOption.builder().isPrefix(true).build()));
        return ops;
    }

    /**
     * Names are checked against the set read before the write, but etcd compares only the keys written: another
     * operator may have given a different id the same name in between. The transaction's own read of every domain
     * shows it; of two such writes only the later one sees the other, and it undoes itself (if still unchanged), so
     * exactly one stands.
     *
     * @return the revision of the write, which stands.
     */
    private long checkNames(final TxnResponse r, final Collection<Domain> written, final List<Op> undo)
        throws ConflictException, UnavailableException
    {
        final long revision = r.getHeader().getRevision();
        for (final KeyValue kvs : r.getGetResponses().getFirst().getKvs())
        {
            final String key = kvs.getKey().toString(StandardCharsets.UTF_8);
            final String name;
            try
            {
                name = JsonTrees.read(kvs.getValue().toString(StandardCharsets.UTF_8))
                    .path("name").asText();
            }
            catch (final IOException ex)
            {
                continue;
            }
            for (final Domain d : written)
            {
                if (d.name().equals(name) && !key.equals(domainKey(d.id())))
                {
                    final List<Cmp> unchanged = new ArrayList<>();
                    written.forEach(w -> unchanged.add(
                        new Cmp(bytes(domainKey(w.id())), Cmp.Op.EQUAL, CmpTarget.modRevision(revision))));
                    final String clash = "name '" + name + "' was given to " + key + " meanwhile";
                    if (!txn(unchanged, undo).isSucceeded())
                    {
                        throw new ConflictException(clash + "; the write of revision " + revision +
                            " was changed since and is left as it is: fix the names");
                    }
                    throw new ConflictException(clash + ": nothing was written");
                }
            }
        }
        return revision;
    }

    private HostBinding hostBinding(final KeyValue kvs) throws PolicyException
    {
        final String key = kvs.getKey().toString(StandardCharsets.UTF_8);
        final String[] parts = key.substring(prefix.length() + "/bindings/".length()).split("/");
        try
        {
            final HostConfig.Binding b = BINDINGS.readValue(
                kvs.getValue().toString(StandardCharsets.UTF_8), HostConfig.Binding.class);
            return new HostBinding(parts[0], b);
        }
        catch (final IOException ex)
        {
            throw new PolicyException(key + ": not a binding: " + ex.getMessage(), ex);
        }
    }

    private Versioned versioned(final KeyValue kvs) throws PolicyException
    {
        final String key = kvs.getKey().toString(StandardCharsets.UTF_8);
        final Domain d = DomainJson.parse(kvs.getValue().toString(StandardCharsets.UTF_8), key);
        if (!key.equals(domainKey(d.id())))
        {
            throw new PolicyException(key + ": holds domain " + d.idString());
        }
        return new Versioned(d, kvs.getModRevision());
    }

    private List<KeyValue> getPrefix(final String keyPrefix) throws UnavailableException
    {
        return await(EtcdPrefixRead.of(kv, keyPrefix, 0), deadline).kvs();
    }

    private TxnResponse txn(final List<Cmp> compares, final List<Op> ops) throws UnavailableException
    {
        try
        {
            return await(kv.txn().If(compares.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit(), deadline);
        }
        catch (final UnavailableException ex)
        {
            throw new UnavailableException(ex.getMessage() + " (the write may or may not have been applied)", ex);
        }
    }

    private static ConflictException changed(final String id, final long expectedRevision)
    {
        return new ConflictException("domain " + id + " changed since it was read (revision " + expectedRevision +
            "): nothing was written; read it again and retry");
    }

    private static Map<Integer, Domain> byId(final List<Versioned> domains)
    {
        final Map<Integer, Domain> out = new LinkedHashMap<>();
        domains.forEach(v -> out.put(v.domain().id(), v.domain()));
        return out;
    }

    private static ByteSequence bytes(final String text)
    {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
