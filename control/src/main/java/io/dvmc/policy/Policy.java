package io.dvmc.policy;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayList;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** An immutable, validated set of domains; itself a {@link PolicyStore} that never changes. */
public final class Policy implements PolicyStore
{
    private final List<Domain> domains;
    private final Int2ObjectHashMap<Domain> byId = new Int2ObjectHashMap<>();

    private Policy(final List<Domain> domains)
    {
        this.domains = List.copyOf(domains);
        for (final Domain d : this.domains)
        {
            byId.put(d.id(), d);
        }
    }

    /**
     * Validates every domain and the set (unique ids and names; two domains may share a subnet).
     *
     * @throws PolicyException naming the first domain and field that is wrong.
     */
    public static Policy of(final Collection<Domain> domains) throws PolicyException
    {
        final Set<Integer> ids = new HashSet<>();
        final Set<String> names = new HashSet<>();
        for (final Domain d : domains)
        {
            DomainValidator.validate(d);
            if (!ids.add(d.id()))
            {
                throw new PolicyException("domain " + d.idString() + ": id: defined twice");
            }
            if (!names.add(d.name()))
            {
                throw new PolicyException(d.label() + ": name: '" + d.name() + "' is used by another domain");
            }
        }
        return new Policy(List.copyOf(domains));
    }

    /** The ids of the domains that differ between two policies: added, changed in any field, or removed. */
    public static int[] changedDomains(final Policy before, final Policy after)
    {
        final IntArrayList changed = new IntArrayList();
        for (final Domain d : after.domains)
        {
            if (!d.equals(before.byId.get(d.id())))
            {
                changed.addInt(d.id());
            }
        }
        for (final Domain d : before.domains)
        {
            if (!after.byId.containsKey(d.id()))
            {
                changed.addInt(d.id());
            }
        }
        return changed.toIntArray();
    }

    public Optional<Domain> domain(final int id)
    {
        return Optional.ofNullable(byId.get(id));
    }

    public Domain domainOrNull(final int id)
    {
        return byId.get(id);
    }

    public List<InetSocketAddress> serviceLocations(final int domainId)
    {
        final Domain d = byId.get(domainId);
        return d == null ? List.of() : d.services();
    }

    public List<Domain> domains()
    {
        return domains;
    }
}
