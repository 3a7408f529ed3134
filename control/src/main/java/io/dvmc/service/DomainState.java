package io.dvmc.service;

import io.dvmc.policy.Domain;
import io.dvmc.policy.DomainOptions;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the address manager keeps per domain and policy version: the address pool (rebuilt from the leases when
 * the policy of the domain changes) and the domain's options, encoded once for every reply.
 */
final class DomainState
{
    /** Replaced by an equal instance when the policy is reloaded unchanged, to keep the pool. */
    Domain domain;
    final AddressPool pool;
    final UnsafeBuffer options;
    final int optionsLength;
    /**
     * Requests of the domain the service took, by kind ({@link AddressManager#countRequest}): carried over when the
     * policy of the domain changes, so that they only grow.
     */
    long discovers;
    long requests;
    long releases;
    long declines;
    long informs;

    /** Takes over the request counts of the domain's previous state. */
    void countsOf(final DomainState previous)
    {
        discovers = previous.discovers;
        requests = previous.requests;
        releases = previous.releases;
        declines = previous.declines;
        informs = previous.informs;
    }

    DomainState(final Domain domain, final LeaseBook book)
    {
        this.domain = domain;
        this.pool = domain.mode() == Domain.Mode.BUILTIN ? new AddressPool(domain) : null;
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[DomainOptions.MAX_LENGTH]);
        final int length = DomainOptions.encode(domain, scratch, 0, scratch.capacity());
        // The policy validator refuses domains whose options do not fit, so this only guards a programming error.
        optionsLength = Math.max(length, 0);
        options = new UnsafeBuffer(new byte[Math.max(optionsLength, 1)]);
        options.putBytes(0, scratch, 0, optionsLength);

        final Long2LongHashMap slots = book.domainSlots(domain.id());
        if (pool != null && slots != null)
        {
            final Long2LongHashMap.ValueIterator it = slots.values().iterator();
            while (it.hasNext())
            {
                pool.take(book.address((int)it.nextValue()));
            }
        }
    }
}
