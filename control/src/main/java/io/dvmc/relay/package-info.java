/**
 * The relay module of a relay domain (patent FIG. 3, claims 4-5): the dvmc service turns a DVMC exchange into
 * standard relayed DHCP toward the tenant's own servers (RFC 1542, RFC 2131 §4.1, option 82 of RFC 3046, link
 * selection of RFC 3527), and their answers back into DVMC for the host agent. {@link io.dvmc.relay.RelayEngine}
 * is the entry point.
 */
package io.dvmc.relay;
