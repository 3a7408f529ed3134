package io.dvmc.policy;

import io.dvmc.config.HostConfig;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The policy service (DESIGN §5, patent FIG. 1 item 130): domains and where their dvmc services run. Safe for
 * concurrent readers.
 */
public interface PolicyStore
{
    Optional<Domain> domain(int id);

    /**
     * The service endpoints of a domain: the patent's DVMC server location request 125 and reply 135.
     *
     * @return the endpoints, or an empty list for an unknown domain.
     */
    List<InetSocketAddress> serviceLocations(int domainId);

    Collection<Domain> domains();

    /**
     * The bindings the policy service holds for one host (port, VLAN, MAC → domain, VM id). A store without
     * bindings (the policy file) has none: host.json keeps its own.
     */
    default List<HostConfig.Binding> bindings(final int hostId)
    {
        return List.of();
    }

    /**
     * Whether the policy lets host {@code hostId} ask for domain {@code domainId} (DESIGN §4: one compromised
     * hypervisor must not reach other tenants). A store that holds the bindings of every host (etcd) allows a host
     * only the domains its bindings name; one that does not (the policy file: bindings live in each host.json)
     * allows every host that holds a valid key.
     */
    default boolean mayServe(final int hostId, final int domainId)
    {
        return true;
    }

    /**
     * Registers a listener told of every later change, on the store's thread. A store that never changes tells
     * nothing.
     */
    /**
     * Times the store's watch of the policy service failed, ended or went silent, each followed by a full read
     * (0 for a store that does not watch).
     */
    default long watchFailures()
    {
        return 0;
    }

    default void addListener(final PolicyListener listener)
    {
    }

    /** {@link #domain} without the Optional, for per-message lookups. */
    default Domain domainOrNull(final int id)
    {
        return domain(id).orElse(null);
    }
}
