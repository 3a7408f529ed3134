package io.dvmc.lease;

import io.dvmc.config.Addresses;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over the fixed 512-byte value of the domain store: what the dataplane needs to answer a VM of one
 * virtual domain by itself.
 * <pre>
 *  offset size field           (little-endian; IPv4 as the int 0x0A000001 == 10.0.0.1)
 *   0     4    domainId        virtual domain id
 *   4     4    version         bumped by the writer on every change; leases record the version they carried
 *   8     4    serverIp        option 54 and the source address of replies
 *  12     4    subnetMask      option 1
 *  16     8    serverMac       virtual MAC replies come from (low 48 bits)
 *  24     4    vmLeaseSeconds  lease time given to VMs (option 51)
 *  28     2    layout          {@link #LAYOUT}
 *  30     2    optionsLength   bytes of option TLVs at {@link #OPTIONS_OFFSET}
 *  32     8    updatedMillis   epoch ms of the last write
 *  40     4    flags           bits defined by the agent: {@link #FLAG_RELAY}
 *  44     4    checksum        over bytes 0..43 and the options rounded up to 4 bytes ({@link #seal})
 *  48   464    options         encoded DHCP option TLVs (router, DNS, domain name, MTU, routes...), as the caller
 *                              encoded them; unused bytes are zero
 * </pre>
 */
public final class DomainRecord extends SealedRecord<DomainRecord>
{
    public static final int DOMAIN_ID_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int SERVER_IP_OFFSET = 8;
    public static final int SUBNET_MASK_OFFSET = 12;
    public static final int SERVER_MAC_OFFSET = 16;
    public static final int VM_LEASE_SECONDS_OFFSET = 24;
    public static final int LAYOUT_OFFSET = 28;
    public static final int OPTIONS_LENGTH_OFFSET = 30;
    public static final int UPDATED_MILLIS_OFFSET = 32;
    public static final int FLAGS_OFFSET = 40;
    public static final int CHECKSUM_OFFSET = 44;
    public static final int OPTIONS_OFFSET = 48;
    public static final int LENGTH = 512;
    public static final int MAX_OPTIONS_LENGTH = LENGTH - OPTIONS_OFFSET;
    /**
     * The domain is a relay domain: its VMs' options and lease times are per VM, from the tenant's server, so the
     * host never answers them on its own; every request of theirs goes through the relay.
     */
    public static final int FLAG_RELAY = 1;
    /** Layout version stored at {@link #LAYOUT_OFFSET}. */
    public static final short LAYOUT = 1;

    private static final long SEED = 0x64766D63_444F4D4EL;

    /** A record over fresh, zeroed bytes of its own. */
    public DomainRecord()
    {
        super(LENGTH, LAYOUT_OFFSET, LAYOUT, CHECKSUM_OFFSET);
    }

    /** A record over {@link #LENGTH} bytes of {@code buffer} from {@code offset}. */
    public DomainRecord(final MutableDirectBuffer buffer, final int offset)
    {
        super(LENGTH, LAYOUT_OFFSET, LAYOUT, CHECKSUM_OFFSET, buffer, offset);
    }

    @Override
    boolean fieldsValid()
    {
        return optionsLength() <= MAX_OPTIONS_LENGTH;
    }

    public int domainId()
    {
        return getInt(DOMAIN_ID_OFFSET);
    }

    public DomainRecord domainId(final int domainId)
    {
        return putInt(DOMAIN_ID_OFFSET, domainId);
    }

    public int version()
    {
        return getInt(VERSION_OFFSET);
    }

    public DomainRecord version(final int version)
    {
        return putInt(VERSION_OFFSET, version);
    }

    public int serverIp()
    {
        return getInt(SERVER_IP_OFFSET);
    }

    public DomainRecord serverIp(final int ip)
    {
        return putInt(SERVER_IP_OFFSET, ip);
    }

    public int subnetMask()
    {
        return getInt(SUBNET_MASK_OFFSET);
    }

    public DomainRecord subnetMask(final int mask)
    {
        return putInt(SUBNET_MASK_OFFSET, mask);
    }

    public long serverMac()
    {
        return getLong(SERVER_MAC_OFFSET);
    }

    public DomainRecord serverMac(final long mac)
    {
        if ((mac & ~LeaseKey.MAC_MASK) != 0)
        {
            throw new IllegalArgumentException("MAC wider than 48 bits: 0x" + Long.toHexString(mac));
        }
        return putLong(SERVER_MAC_OFFSET, mac);
    }

    public int vmLeaseSeconds()
    {
        return getInt(VM_LEASE_SECONDS_OFFSET);
    }

    public DomainRecord vmLeaseSeconds(final int seconds)
    {
        return putInt(VM_LEASE_SECONDS_OFFSET, seconds);
    }

    public long updatedMillis()
    {
        return getLong(UPDATED_MILLIS_OFFSET);
    }

    public DomainRecord updatedMillis(final long epochMillis)
    {
        return putLong(UPDATED_MILLIS_OFFSET, epochMillis);
    }

    public int flags()
    {
        return getInt(FLAGS_OFFSET);
    }

    public boolean isRelay()
    {
        return (flags() & FLAG_RELAY) != 0;
    }

    public DomainRecord flags(final int flags)
    {
        return putInt(FLAGS_OFFSET, flags);
    }

    public int optionsLength()
    {
        return slice.buffer().getShort(slice.offset() + OPTIONS_LENGTH_OFFSET, ORDER) & 0xFFFF;
    }

    /** Index in {@link #buffer()} of the first option byte, for copying the options straight into a frame. */
    public int optionsIndex()
    {
        return slice.offset() + OPTIONS_OFFSET;
    }

    /**
     * Replaces the option TLVs with {@code length} bytes of {@code source} and zeroes the rest of the area.
     *
     * @throws IllegalArgumentException if longer than {@link #MAX_OPTIONS_LENGTH}
     */
    public DomainRecord options(final DirectBuffer source, final int sourceOffset, final int length)
    {
        if (length < 0 || length > MAX_OPTIONS_LENGTH)
        {
            throw new IllegalArgumentException("options of " + length + " bytes; at most " + MAX_OPTIONS_LENGTH);
        }
        final MutableDirectBuffer buffer = slice.buffer();
        buffer.putBytes(optionsIndex(), source, sourceOffset, length);
        buffer.setMemory(optionsIndex() + length, MAX_OPTIONS_LENGTH - length, (byte)0);
        buffer.putShort(slice.offset() + OPTIONS_LENGTH_OFFSET, (short)length, ORDER);
        return this;
    }

    /** Copies the option TLVs to {@code target} at {@code targetOffset}; returns their length. */
    public int copyOptionsTo(final MutableDirectBuffer target, final int targetOffset)
    {
        final int length = optionsLength();
        target.putBytes(targetOffset, slice.buffer(), optionsIndex(), length);
        return length;
    }

    @Override
    int computeChecksum()
    {
        final int length = Math.min(optionsLength(), MAX_OPTIONS_LENGTH);
        final int covered = (length + 3) & ~3;
        long h = CheckWords.step(SEED, covered);
        h = CheckWords.update(h, slice.buffer(), slice.offset(), CHECKSUM_OFFSET);
        h = CheckWords.update(h, slice.buffer(), optionsIndex(), covered);
        return CheckWords.finish(h);
    }

    @Override
    public String toString()
    {
        return "DomainRecord{domain=" + Integer.toUnsignedString(domainId()) + ", version=" + version() +
            ", serverIp=" + Addresses.ipv4(serverIp()) + ", subnetMask=" + Addresses.ipv4(subnetMask()) +
            ", serverMac=" + Addresses.mac(serverMac()) + ", vmLeaseSeconds=" +
            Integer.toUnsignedString(vmLeaseSeconds()) + ", optionsLength=" + optionsLength() + ", updatedMillis=" +
            updatedMillis() + ", valid=" + isValid() + '}';
    }
}
