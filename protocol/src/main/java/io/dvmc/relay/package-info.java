/**
 * DHCP relay agents as dvmc's clients: a relay-facing port's links and option 82 checks
 * ({@link io.dvmc.relay.RelayLinks}), and how a relayed client is keyed ({@link io.dvmc.relay.RelayedClient}).
 */
package io.dvmc.relay;
