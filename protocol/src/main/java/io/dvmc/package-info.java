/** dvmc: DHCP for multi-tenant overlay networks. */
package io.dvmc;
