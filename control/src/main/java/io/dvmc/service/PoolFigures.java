package io.dvmc.service;

/**
 * One domain's address pool as the service sees it, for the metrics endpoint.
 *
 * @param size     addresses the pool hands out: its dynamic ranges and reservations.
 * @param assigned bound leases.
 * @param offered  offered leases not yet requested.
 * @param declined addresses held out of the pool: declined by a client, or quarantined.
 * @param free     addresses that could be handed out dynamically now.
 */
public record PoolFigures(int domainId, String name, int size, int assigned, int offered, int declined, int free)
{
}
