/**
 * DHCP/BOOTP codec (RFC 951, 1497, 2131, 2132, 3396, 3442, 6842) for the dataplane's fast path:
 * {@link io.dvmc.dhcp.DhcpPacket} reads a message in place, {@link io.dvmc.dhcp.OptionWriter} encodes option TLVs
 * (also the per-domain option blocks), {@link io.dvmc.dhcp.DhcpReplyWriter} builds OFFER/ACK/NAK/BOOTP replies,
 * in place over the request if asked. Addresses are big-endian ints and MACs the low 48 bits of a long. Nothing
 * allocates per packet and bad input gives a negative {@link io.dvmc.dhcp.DhcpError} code, never an exception.
 */
package io.dvmc.dhcp;
