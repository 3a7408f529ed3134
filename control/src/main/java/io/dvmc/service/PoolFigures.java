package io.dvmc.service;

/**
 * One domain's address pool as the service sees it, and the requests of the domain it took, for the metrics
 * endpoint.
 *
 * @param size     addresses the pool hands out: its dynamic ranges and reservations.
 * @param assigned bound leases.
 * @param offered  offered leases not yet requested.
 * @param declined addresses held out of the pool: declined by a client, or quarantined.
 * @param free     addresses that could be handed out dynamically now.
 * @param discovers DISCOVERs of the domain taken since start; likewise {@code requests}, {@code releases},
 *                  {@code declines} and {@code informs}.
 */
public record PoolFigures(int domainId, String name, int size, int assigned, int offered, int declined, int free,
    long discovers, long requests, long releases, long declines, long informs)
{
}
