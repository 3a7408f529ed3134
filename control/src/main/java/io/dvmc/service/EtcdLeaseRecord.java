package io.dvmc.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.Addresses;

import java.util.HexFormat;
import java.util.UUID;

/**
 * The value of a lease key in etcd ({@link EtcdLeaseLog}), as a replica or the operator ({@code dvmc ctl leases
 * import|expire}) writes it: a flat JSON object. The client's names come from the VM: written through the JSON
 * library, which escapes them, as ISO-8859-1 characters so that every byte comes back as it was.
 */
public final class EtcdLeaseRecord
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private EtcdLeaseRecord()
    {
    }

    static String of(
        final long mac, final long expiresAtMs, final long vmIdMsb, final long vmIdLsb, final int locationAddress,
        final int locationPort, final long transactionId, final String replica, final long clientKey,
        final byte[] names)
    {
        final ObjectNode v = JSON.createObjectNode().put("mac", Addresses.mac(mac)).put("expiresAtMs", expiresAtMs)
            .put("vm", new UUID(vmIdMsb, vmIdLsb).toString())
            .put("location", Addresses.ipv4(locationAddress) + ":" + locationPort)
            .put("xid", Long.toHexString(transactionId)).put("replica", replica);
        if (clientKey != ClientKeys.NONE)
        {
            v.put("clientKey", Long.toHexString(clientKey));
        }
        if (names != null)
        {
            v.put("hostname", ClientNames.hostName(names)).put("fqdn", ClientNames.fqdn(names));
            final byte[] id = ClientNames.clientId(names);
            if (id != null)
            {
                v.put("clientId", HexFormat.ofDelimiter(":").formatHex(id));
            }
            final int keaFlags = ClientNames.keaFlags(names);
            final String userContext = ClientNames.userContext(names);
            if (keaFlags != 0 || !userContext.isEmpty())
            {
                v.put("keaFlags", keaFlags).put("keaUserContext", userContext);
            }
        }
        return v.toString();
    }

    /**
     * The record of a lease the operator imports from a Kea lease file: no VM or location yet (its client's next
     * exchange gives them).
     *
     * @param replica who wrote it, for operators (e.g. "import").
     */
    public static String imported(final KeaCsv.Row row, final String replica)
    {
        return of(row.mac(), row.expire() * 1000, 0, 0, 0, 0, 0, replica, row.clientKey(), row.names());
    }

    /** The record with its expiry moved to {@code expiresAtMs}, every other field as it was. */
    public static String expiring(final String record, final long expiresAtMs) throws java.io.IOException
    {
        final var tree = JSON.readTree(record);
        if (!tree.isObject())
        {
            throw new java.io.IOException("not a lease record: " + record);
        }
        ((ObjectNode)tree).put("expiresAtMs", expiresAtMs);
        return tree.toString();
    }
}
