package io.dvmc.lease;

import io.dvmc.config.Addresses;
import java.util.UUID;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over the fixed 256-byte lease value shared by the agent (writer) and the dataplane (reader).
 * <pre>
 *  offset size field                  (little-endian; IPv4 as the int 0x0A000001 == 10.0.0.1)
 *   0     4    ip                     the VM's address (yiaddr)
 *   4     1    state                  {@link LeaseState} code: FREE 0, OFFERED 1, BOUND 2, RELEASED 3
 *   5     1    flags                  bits defined by the agent
 *   6     2    layout                 {@link #LAYOUT} (a record of another layout fails {@link #isValid})
 *   8     4    vmLeaseSeconds         lease time given to the VM (option 51)
 *  12     4    serverId               option 54 the VM was given
 *  16     8    hostLeaseExpiryMillis  host ms; the agent's lease from the service, longer than the VM's
 *  24     8    vmLeaseExpiryMillis    host ms; when the VM's lease ends
 *  32     8    updatedMillis          host ms of the last write; a BOUND lease's host lease is granted with
 *                                     it, so the host lease runs from here to hostLeaseExpiryMillis
 *  40     8    vmIdMsb                VM id (UUID), most significant bits
 *  48     8    vmIdLsb                VM id (UUID), least significant bits
 *  56     4    optionsVersion         {@link DomainRecord#version()} the lease was answered with
 *  60     4    checksum               over bytes 0..59 and 64..255 ({@link #seal}); catches torn and foreign
 *                                     bytes
 *  64     2    tenantOptionsLength    bytes of option TLVs at {@link #TENANT_OPTIONS_OFFSET}; 0 without
 *  66     2    reserved               zero
 *  68   188    tenantOptions          a relay domain's VM only ({@link #FLAG_TENANT_OPTIONS}): the option TLVs of the
 *                                     tenant server's last ACK as the VM got them (no 51, 53, 54, 58, 59, 82), which
 *                                     the fast path answers the VM's renewals with; unused bytes are zero
 * </pre>
 * Layout 2 added bytes 64..255 to layout 1 and left bytes 0..63 as they were; the map's name says the layout
 * ({@link LeaseStore#MAP_NAME}), so a file of layout 1 is refused as foreign rather than misread.
 * Host ms: epoch-like milliseconds of the host's time base ({@code io.dvmc.time.HostTimeBase}), which advance
 * monotonically within a boot (the layout is unchanged from when they were wall-clock ms; leases of an earlier boot
 * are removed by the agent).
 * Setters do not update the checksum: {@link #seal} does, and {@link LeaseStore#put} seals before storing.
 */
public final class LeaseRecord extends SealedRecord<LeaseRecord>
{
    public static final int IP_OFFSET = 0;
    public static final int STATE_OFFSET = 4;
    public static final int FLAGS_OFFSET = 5;
    public static final int LAYOUT_OFFSET = 6;
    public static final int VM_LEASE_SECONDS_OFFSET = 8;
    public static final int SERVER_ID_OFFSET = 12;
    public static final int HOST_LEASE_EXPIRY_MILLIS_OFFSET = 16;
    public static final int VM_LEASE_EXPIRY_MILLIS_OFFSET = 24;
    public static final int UPDATED_MILLIS_OFFSET = 32;
    public static final int VM_ID_MSB_OFFSET = 40;
    public static final int VM_ID_LSB_OFFSET = 48;
    public static final int OPTIONS_VERSION_OFFSET = 56;
    public static final int CHECKSUM_OFFSET = 60;
    public static final int TENANT_OPTIONS_LENGTH_OFFSET = 64;
    public static final int TENANT_OPTIONS_OFFSET = 68;
    public static final int LENGTH = 256;
    public static final int MAX_TENANT_OPTIONS_LENGTH = LENGTH - TENANT_OPTIONS_OFFSET;
    /**
     * A relay domain's VM whose tenant options are in the record: the fast path may answer its renewals while the
     * tenant's lease allows it. Without it, every request of a relay domain's VM goes through the relay.
     */
    public static final int FLAG_TENANT_OPTIONS = 0x01;
    /** Layout version stored at {@link #LAYOUT_OFFSET}. */
    public static final short LAYOUT = 2;

    private static final long SEED = 0x64766D63_4C454153L;

    /** A record over fresh, zeroed bytes of its own. */
    public LeaseRecord()
    {
        super(LENGTH, LAYOUT_OFFSET, LAYOUT, CHECKSUM_OFFSET);
    }

    /** A record over {@link #LENGTH} bytes of {@code buffer} from {@code offset}. */
    public LeaseRecord(final MutableDirectBuffer buffer, final int offset)
    {
        super(LENGTH, LAYOUT_OFFSET, LAYOUT, CHECKSUM_OFFSET, buffer, offset);
    }

    @Override
    boolean fieldsValid()
    {
        final byte state = slice.buffer().getByte(slice.offset() + STATE_OFFSET);
        return state >= 0 && state <= LeaseState.RELEASED.code() && tenantOptionsLength() <= MAX_TENANT_OPTIONS_LENGTH;
    }

    public int ip()
    {
        return getInt(IP_OFFSET);
    }

    public LeaseRecord ip(final int ip)
    {
        return putInt(IP_OFFSET, ip);
    }

    public LeaseState state()
    {
        return LeaseState.of(slice.buffer().getByte(slice.offset() + STATE_OFFSET));
    }

    public LeaseRecord state(final LeaseState state)
    {
        slice.buffer().putByte(slice.offset() + STATE_OFFSET, state.code());
        return this;
    }

    public int flags()
    {
        return slice.buffer().getByte(slice.offset() + FLAGS_OFFSET) & 0xFF;
    }

    public LeaseRecord flags(final int flags)
    {
        slice.buffer().putByte(slice.offset() + FLAGS_OFFSET, (byte)flags);
        return this;
    }

    public int vmLeaseSeconds()
    {
        return getInt(VM_LEASE_SECONDS_OFFSET);
    }

    public LeaseRecord vmLeaseSeconds(final int seconds)
    {
        return putInt(VM_LEASE_SECONDS_OFFSET, seconds);
    }

    public int serverId()
    {
        return getInt(SERVER_ID_OFFSET);
    }

    public LeaseRecord serverId(final int serverId)
    {
        return putInt(SERVER_ID_OFFSET, serverId);
    }

    public long hostLeaseExpiryMillis()
    {
        return getLong(HOST_LEASE_EXPIRY_MILLIS_OFFSET);
    }

    public LeaseRecord hostLeaseExpiryMillis(final long epochMillis)
    {
        return putLong(HOST_LEASE_EXPIRY_MILLIS_OFFSET, epochMillis);
    }

    public long vmLeaseExpiryMillis()
    {
        return getLong(VM_LEASE_EXPIRY_MILLIS_OFFSET);
    }

    public LeaseRecord vmLeaseExpiryMillis(final long epochMillis)
    {
        return putLong(VM_LEASE_EXPIRY_MILLIS_OFFSET, epochMillis);
    }

    public long updatedMillis()
    {
        return getLong(UPDATED_MILLIS_OFFSET);
    }

    public LeaseRecord updatedMillis(final long epochMillis)
    {
        return putLong(UPDATED_MILLIS_OFFSET, epochMillis);
    }

    public long vmIdMsb()
    {
        return getLong(VM_ID_MSB_OFFSET);
    }

    public long vmIdLsb()
    {
        return getLong(VM_ID_LSB_OFFSET);
    }

    public LeaseRecord vmId(final long msb, final long lsb)
    {
        putLong(VM_ID_MSB_OFFSET, msb);
        return putLong(VM_ID_LSB_OFFSET, lsb);
    }

    /** Allocates; for the control plane and the CLI. */
    public UUID vmId()
    {
        return new UUID(vmIdMsb(), vmIdLsb());
    }

    public int optionsVersion()
    {
        return getInt(OPTIONS_VERSION_OFFSET);
    }

    public LeaseRecord optionsVersion(final int version)
    {
        return putInt(OPTIONS_VERSION_OFFSET, version);
    }

    public boolean hasTenantOptions()
    {
        return (flags() & FLAG_TENANT_OPTIONS) != 0;
    }

    public int tenantOptionsLength()
    {
        return slice.buffer().getShort(slice.offset() + TENANT_OPTIONS_LENGTH_OFFSET, ORDER) & 0xFFFF;
    }

    /** Index in {@link #buffer()} of the first tenant option byte, for copying them straight into a frame. */
    public int tenantOptionsIndex()
    {
        return slice.offset() + TENANT_OPTIONS_OFFSET;
    }

    /**
     * Replaces the tenant options with {@code length} bytes of {@code source}, zeroes the rest of the area and sets
     * {@link #FLAG_TENANT_OPTIONS}.
     *
     * @return false, changing nothing, if longer than {@link #MAX_TENANT_OPTIONS_LENGTH}: the VM stays relayed
     */
    public boolean tenantOptions(final DirectBuffer source, final int sourceOffset, final int length)
    {
        if (length < 0 || length > MAX_TENANT_OPTIONS_LENGTH)
        {
            return false;
        }
        final MutableDirectBuffer buffer = slice.buffer();
        buffer.putBytes(tenantOptionsIndex(), source, sourceOffset, length);
        buffer.setMemory(tenantOptionsIndex() + length, MAX_TENANT_OPTIONS_LENGTH - length, (byte)0);
        buffer.putShort(slice.offset() + TENANT_OPTIONS_LENGTH_OFFSET, (short)length, ORDER);
        flags(flags() | FLAG_TENANT_OPTIONS);
        return true;
    }

    @Override
    int computeChecksum()
    {
        final long h = CheckWords.update(CheckWords.step(SEED, LENGTH), slice.buffer(), slice.offset(),
            CHECKSUM_OFFSET);
        return CheckWords.finish(CheckWords.update(h, slice.buffer(), slice.offset() + TENANT_OPTIONS_LENGTH_OFFSET,
            LENGTH - TENANT_OPTIONS_LENGTH_OFFSET));
    }

    @Override
    public String toString()
    {
        final byte state = slice.buffer().getByte(slice.offset() + STATE_OFFSET);
        return "LeaseRecord{ip=" + Addresses.ipv4(ip()) + ", state=" +
            (state >= 0 && state <= LeaseState.RELEASED.code() ? LeaseState.of(state) : "?" + state) + ", flags=0x" +
            Integer.toHexString(flags()) + ", vmLeaseSeconds=" + Integer.toUnsignedString(vmLeaseSeconds()) +
            ", serverId=" + Addresses.ipv4(serverId()) + ", hostLeaseExpiryMillis=" + hostLeaseExpiryMillis() +
            ", vmLeaseExpiryMillis=" + vmLeaseExpiryMillis() + ", updatedMillis=" + updatedMillis() + ", vmId=" +
            vmId() + ", optionsVersion=" + optionsVersion() + ", tenantOptionsLength=" + tenantOptionsLength() +
            ", valid=" + isValid() + '}';
    }
}
