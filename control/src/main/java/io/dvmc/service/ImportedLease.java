package io.dvmc.service;

/**
 * A lease the operator imports ({@link AddressManager#importLeases}): from line {@code line} of a Kea memfile CSV.
 *
 * @param wallExpiresMs when the lease ends, wall-clock ms since the epoch.
 * @param clientKey     the {@link ClientKeys key} of the client identifier, or {@link ClientKeys#NONE}.
 * @param names         packed host name and FQDN ({@link ClientNames#pack}), or null.
 */
public record ImportedLease(int line, int address, long mac, long wallExpiresMs, long clientKey, byte[] names)
{
}
