package io.dvmc.policy;

/**
 * Told by a {@link PolicyStore} what changed in the policy service (DESIGN §5: "with watches so agents drop stale
 * cache entries"). Called on the store's own thread (a watch thread, or a reader that noticed a changed file): a
 * listener hands the news over to its own thread and returns at once, e.g. through a {@link DomainChangeQueue}.
 */
public interface PolicyListener
{
    /** Domains that appeared, changed in any field (their services among them) or were deleted. */
    default void domainsChanged(final int[] domainIds)
    {
    }

    /** The bindings the policy service holds for a host were added to, changed or removed from. */
    default void bindingsChanged(final int hostId)
    {
    }
}
