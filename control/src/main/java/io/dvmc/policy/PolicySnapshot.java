package io.dvmc.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import io.dvmc.config.JsonSyntax;
import org.agrona.collections.IntHashSet;

import org.agrona.collections.LongHashSet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One immutable state of the etcd policy service (the key layout of the distributed mode): every domain under
 * {@code <prefix>/domains/<id>} and every binding under {@code <prefix>/bindings/<hostId>/<vlan>/<mac>}, each
 * value checked as the policy file's would be. {@link #apply} makes the next state from a batch of key changes:
 * a value that does not parse or validate is refused, named by its key, and the previous value of that key stays
 * in force, as a refused edit of the policy file leaves the previous policy in force.
 */
final class PolicySnapshot
{
    /** A put (value non-null) or a delete (value null) of one key. */
    record Change(String key, String value)
    {
    }

    /** What {@link #apply} made: the next state and what changed from the previous one. */
    record Applied(PolicySnapshot snapshot, int[] changedDomains, int[] changedHosts)
    {
    }

    private static final JsonMapper BINDINGS = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    private final String domainsPrefix;
    private final String bindingsPrefix;
    private final Map<String, Domain> domains;
    private final Policy policy;
    private final Map<Integer, Map<String, HostConfig.Binding>> bindings;
    private final Map<Integer, List<HostConfig.Binding>> bindingLists;
    /** (host id, domain id) pairs that some binding of the host names: who may ask for which domain. */
    private final LongHashSet served = new LongHashSet();

    private PolicySnapshot(
        final String domainsPrefix,
        final String bindingsPrefix,
        final Map<String, Domain> domains,
        final Policy policy,
        final Map<Integer, Map<String, HostConfig.Binding>> bindings)
    {
        this.domainsPrefix = domainsPrefix;
        this.bindingsPrefix = bindingsPrefix;
        this.domains = domains;
        this.policy = policy;
        this.bindings = bindings;
        this.bindingLists = new HashMap<>();
        bindings.forEach((host, byKey) -> {
            bindingLists.put(host, List.copyOf(byKey.values()));
            byKey.values().forEach(b -> served.add(hostDomain(host, (int)b.domain())));
        });
    }

    private static long hostDomain(final int hostId, final int domainId)
    {
        return ((long)hostId << 32) | (domainId & 0xFFFF_FFFFL);
    }

    /** Whether a binding of {@code hostId} names {@code domainId}. */
    boolean mayServe(final int hostId, final int domainId)
    {
        return served.contains(hostDomain(hostId, domainId));
    }

    /** No domains and no bindings, under {@code prefix} (e.g. "/dvmc"). */
    static PolicySnapshot empty(final String prefix)
    {
        try
        {
            return new PolicySnapshot(prefix + "/domains/", prefix + "/bindings/", Map.of(), Policy.of(List.of()),
                Map.of());
        }
        catch (final PolicyException ex)
        {
            throw new IllegalStateException("an empty policy is valid", ex);
        }
    }

    Policy policy()
    {
        return policy;
    }

    List<HostConfig.Binding> bindings(final int hostId)
    {
        return bindingLists.getOrDefault(hostId, List.of());
    }

    /** The keys this state holds, so that a full read can delete those that are gone. */
    List<String> keys()
    {
        final List<String> keys = new ArrayList<>(domains.keySet());
        bindings.values().forEach(byKey -> keys.addAll(byKey.keySet()));
        return keys;
    }

    /**
     * @param changes in etcd's order; keys outside the domains and bindings are ignored.
     * @param refused told why each refused value was refused (the key is in the message).
     */
    Applied apply(final List<Change> changes, final Consumer<String> refused)
    {
        final Map<String, Domain> nextDomains = new HashMap<>(domains);
        final Map<Integer, Map<String, HostConfig.Binding>> nextBindings = new HashMap<>(bindings);
        final IntHashSet changedHosts = new IntHashSet();
        final List<Change> domainChanges = new ArrayList<>();
        for (final Change change : changes)
        {
            if (change.key().startsWith(domainsPrefix))
            {
                if (applyDomain(nextDomains, change, refused))
                {
                    domainChanges.add(change);
                }
            }
            else if (change.key().startsWith(bindingsPrefix))
            {
                applyBinding(nextBindings, change, refused, changedHosts);
            }
        }
        Policy nextPolicy;
        Map<String, Domain> accepted = nextDomains;
        try
        {
            nextPolicy = domainChanges.isEmpty() ? policy : Policy.of(nextDomains.values());
        }
        catch (final PolicyException ex)
        {
            // Two domains disagree (a name used twice): take the changes one at a time to refuse only the one that
            // came second. The changed domain goes last, so that a conflict is reported against it.
            accepted = new HashMap<>(domains);
            nextPolicy = policy;
            for (final Change change : domainChanges)
            {
                final Map<String, Domain> candidate = new LinkedHashMap<>(accepted);
                candidate.remove(change.key());
                applyDomain(candidate, change, message -> {
                });
                try
                {
                    nextPolicy = Policy.of(candidate.values());
                    accepted = candidate;
                }
                catch (final PolicyException conflict)
                {
                    refused.accept(change.key() + ": " + conflict.getMessage());
                }
            }
        }
        final PolicySnapshot next = new PolicySnapshot(domainsPrefix, bindingsPrefix, Map.copyOf(accepted),
            nextPolicy, Map.copyOf(nextBindings));
        return new Applied(next, Policy.changedDomains(policy, nextPolicy), toInts(changedHosts));
    }

    /** @return whether the change was taken into {@code into}. */
    private boolean applyDomain(final Map<String, Domain> into, final Change change, final Consumer<String> refused)
    {
        if (change.value() == null)
        {
            return into.remove(change.key()) != null;
        }
        final String idText = change.key().substring(domainsPrefix.length());
        try
        {
            final Domain domain = PolicyFile.parseDomain(change.value(), change.key());
            if (!idText.equals(domain.idString()))
            {
                throw new PolicyException(change.key() + ": the value is domain " + domain.idString() +
                    ", the key must end in its id");
            }
            into.put(change.key(), domain);
            return true;
        }
        catch (final PolicyException ex)
        {
            refused.accept(ex.getMessage());
            return false;
        }
    }

    private void applyBinding(
        final Map<Integer, Map<String, HostConfig.Binding>> into,
        final Change change,
        final Consumer<String> refused,
        final IntHashSet changedHosts)
    {
        final String[] parts = change.key().substring(bindingsPrefix.length()).split("/", -1);
        final int hostId;
        try
        {
            hostId = parts.length == 3 ? Integer.parseInt(parts[0]) : 0;
        }
        catch (final NumberFormatException ex)
        {
            refused.accept(change.key() + ": not <hostId>/<vlan>/<mac> under " + bindingsPrefix);
            return;
        }
        if (hostId <= 0)
        {
            refused.accept(change.key() + ": not <hostId>/<vlan>/<mac> under " + bindingsPrefix);
            return;
        }
        final Map<String, HostConfig.Binding> before = into.getOrDefault(hostId, Map.of());
        final Map<String, HostConfig.Binding> after = new HashMap<>(before);
        if (change.value() == null)
        {
            if (after.remove(change.key()) == null)
            {
                return;
            }
        }
        else
        {
            final HostConfig.Binding binding;
            try
            {
                binding = binding(change.key(), change.value(), parts);
            }
            catch (final PolicyException ex)
            {
                refused.accept(ex.getMessage());
                return;
            }
            if (binding.equals(after.put(change.key(), binding)))
            {
                return;
            }
        }
        if (after.isEmpty())
        {
            into.remove(hostId);
        }
        else
        {
            into.put(hostId, Map.copyOf(after));
        }
        changedHosts.add(hostId);
    }

    /** The {@link HostConfig.Binding} format, checked as host.json checks it, and agreeing with its key. */
    private static HostConfig.Binding binding(final String key, final String value, final String[] parts)
        throws PolicyException
    {
        final HostConfig.Binding binding;
        try
        {
            binding = BINDINGS.readValue(value, HostConfig.Binding.class);
        }
        catch (final UnrecognizedPropertyException ex)
        {
            throw new PolicyException(key + ": " + ex.getPropertyName() + ": unknown field", ex);
        }
        catch (final MismatchedInputException ex)
        {
            throw new PolicyException(key + ": " + ex.getOriginalMessage() + " at " + ex.getPathReference(), ex);
        }
        catch (final JsonProcessingException ex)
        {
            throw new PolicyException(key + ": " + JsonSyntax.describe(ex), ex);
        }
        if (binding == null)
        {
            throw new PolicyException(key + ": expected a JSON object");
        }
        final String problem = binding.problem();
        if (problem != null)
        {
            throw new PolicyException(key + ": " + problem);
        }
        if (binding.port() == null || binding.port().isEmpty())
        {
            throw new PolicyException(key + ": port: required");
        }
        final boolean keyAgrees;
        try
        {
            keyAgrees = Integer.parseInt(parts[1]) == binding.vlan() &&
                Addresses.parseMac(parts[2]) == Addresses.parseMac(binding.mac());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new PolicyException(key + ": not <hostId>/<vlan>/<mac>: " + ex.getMessage());
        }
        if (!keyAgrees)
        {
            throw new PolicyException(key + ": the value binds vlan " + binding.vlan() + " mac " + binding.mac() +
                ", the key must end in <vlan>/<mac> of the value");
        }
        return binding;
    }

    private static int[] toInts(final IntHashSet set)
    {
        final int[] out = new int[set.size()];
        int i = 0;
        final IntHashSet.IntIterator it = set.iterator();
        while (it.hasNext())
        {
            out[i++] = it.nextValue();
        }
        return out;
    }
}
