package io.dvmc.exchange;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static io.dvmc.exchange.DvmcMessage.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Writes a DVMC message in the layout documented on {@link DvmcMessage}. Usage: {@link #wrap}, set fields,
 * optionally add the configuration block, then {@link #sign} (which fills the HMAC trailer) and send
 * {@link #length()} bytes. The total length field is kept current as the configuration block changes, so it is
 * covered by the HMAC.
 */
public final class DvmcMessageEncoder
{
    private MutableDirectBuffer buffer;
    private int offset;
    private int capacity;

    /**
     * Starts a message: zeroes the header, writes magic and version, leaves an empty configuration block.
     *
     * @throws IllegalArgumentException if the space cannot hold even an empty message (a programming error).
     */
    public DvmcMessageEncoder wrap(final MutableDirectBuffer buffer, final int offset, final int capacity)
    {
        if (capacity < MIN_LENGTH || offset < 0 || offset + capacity > buffer.capacity())
        {
            throw new IllegalArgumentException("no room for a DVMC message: capacity=" + capacity);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.capacity = Math.min(capacity, MAX_LENGTH);
        buffer.setMemory(offset, HEADER_LENGTH, (byte)0);
        buffer.putInt(offset + MAGIC_OFFSET, MAGIC, BIG_ENDIAN);
        buffer.putByte(offset + VERSION_OFFSET, (byte)VERSION);
        setConfigLength(0);
        return this;
    }

    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    public DvmcMessageEncoder type(final int type)
    {
        buffer.putByte(offset + TYPE_OFFSET, (byte)type);
        return this;
    }

    public DvmcMessageEncoder domainId(final int domainId)
    {
        buffer.putInt(offset + DOMAIN_ID_OFFSET, domainId, BIG_ENDIAN);
        return this;
    }

    public DvmcMessageEncoder transactionId(final long transactionId)
    {
        buffer.putLong(offset + TRANSACTION_ID_OFFSET, transactionId, BIG_ENDIAN);
        return this;
    }

    public DvmcMessageEncoder timestampMs(final long timestampMs)
    {
        buffer.putLong(offset + TIMESTAMP_OFFSET, timestampMs, BIG_ENDIAN);
        return this;
    }

    public DvmcMessageEncoder vmId(final long msb, final long lsb)
    {
        buffer.putLong(offset + VM_ID_MSB_OFFSET, msb, BIG_ENDIAN);
        buffer.putLong(offset + VM_ID_LSB_OFFSET, lsb, BIG_ENDIAN);
        return this;
    }

    /** Only the low 48 bits are kept. */
    public DvmcMessageEncoder mac(final long mac)
    {
        buffer.putLong(offset + MAC_OFFSET, mac & MAC_MASK, BIG_ENDIAN);
        return this;
    }

    public DvmcMessageEncoder location(final int address, final int port)
    {
        buffer.putInt(offset + LOCATION_ADDRESS_OFFSET, address, BIG_ENDIAN);
        buffer.putShort(offset + LOCATION_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    public DvmcMessageEncoder status(final int status, final int reason)
    {
        buffer.putByte(offset + STATUS_OFFSET, (byte)status);
        buffer.putByte(offset + REASON_OFFSET, (byte)reason);
        return this;
    }

    public DvmcMessageEncoder yiaddr(final int address)
    {
        buffer.putInt(offset + YIADDR_OFFSET, address, BIG_ENDIAN);
        return this;
    }

    public DvmcMessageEncoder serverId(final int address)
    {
        buffer.putInt(offset + SERVER_ID_OFFSET, address, BIG_ENDIAN);
        return this;
    }

    public DvmcMessageEncoder vmLeaseSeconds(final int seconds)
    {
        buffer.putInt(offset + VM_LEASE_OFFSET, seconds, BIG_ENDIAN);
        return this;
    }

    public DvmcMessageEncoder hostLeaseSeconds(final int seconds)
    {
        buffer.putInt(offset + HOST_LEASE_OFFSET, seconds, BIG_ENDIAN);
        return this;
    }

    /**
     * Copies the identity of a request into a reply: transaction id (200), domain (205), MAC (210), VM id (215)
     * and location (220), as the patent's OFFER and ACK carry fields 200–220 of the request.
     */
    public DvmcMessageEncoder identityOf(final DvmcMessage request)
    {
        buffer.putBytes(offset + DOMAIN_ID_OFFSET, request.buffer(), request.offset() + DOMAIN_ID_OFFSET,
            LOCATION_PORT_OFFSET + 2 - DOMAIN_ID_OFFSET);
        // The request's timestamp was copied along; the reply gets its own when signed by its sender.
        buffer.putLong(offset + TIMESTAMP_OFFSET, 0L, BIG_ENDIAN);
        return this;
    }

    /**
     * Copies a block of DHCP option TLVs into the configuration field (225).
     *
     * @return false, leaving the block unchanged, if it does not fit.
     */
    public boolean config(final DirectBuffer src, final int srcOffset, final int length)
    {
        if (length < 0 || length > configCapacity())
        {
            return false;
        }
        buffer.putBytes(offset + CONFIG_OFFSET, src, srcOffset, length);
        setConfigLength(length);
        return true;
    }

    /** Absolute offset where the configuration block starts, to write options in place. */
    public int configOffset()
    {
        return offset + CONFIG_OFFSET;
    }

    /** Bytes available for the configuration block. */
    public int configCapacity()
    {
        return Math.min(MAX_CONFIG_LENGTH, capacity - MIN_LENGTH);
    }

    /**
     * Declares the length of a configuration block written in place at {@link #configOffset()}.
     *
     * @return false if it exceeds {@link #configCapacity()}.
     */
    public boolean configLength(final int length)
    {
        if (length < 0 || length > configCapacity())
        {
            return false;
        }
        setConfigLength(length);
        return true;
    }

    /** Total length of the message including the trailer. */
    public int length()
    {
        return (buffer.getShort(offset + LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF);
    }

    /** Signs with the authenticator's own key and the current time; returns the length to send. */
    public int sign(final Authenticator authenticator, final long nowMs)
    {
        timestampMs(nowMs);
        return authenticator.sign(buffer, offset, length());
    }

    /** Signs a request bound to the service endpoint it is sent to ({@link Authenticator#signRequest}). */
    public int signRequest(final Authenticator authenticator, final long nowMs, final int toAddress, final int toPort)
    {
        timestampMs(nowMs);
        return authenticator.signRequest(buffer, offset, length(), toAddress, toPort);
    }

    /** Signs a message a service starts on its own, bound to its receiver ({@link Authenticator#signTo}). */
    public int signTo(final Authenticator authenticator, final long nowMs, final int keyId, final int toAddress,
        final int toPort)
    {
        timestampMs(nowMs);
        return authenticator.signTo(buffer, offset, length(), keyId, toAddress, toPort);
    }

    /** Signs a reply with the key its request came with ({@link Authenticator#signReply}). */
    public int signReply(final Authenticator authenticator, final long nowMs, final int keyId)
    {
        timestampMs(nowMs);
        return authenticator.signReply(buffer, offset, length(), keyId);
    }

    private void setConfigLength(final int configLength)
    {
        buffer.putShort(offset + CONFIG_LENGTH_OFFSET, (short)configLength, BIG_ENDIAN);
        buffer.putShort(offset + LENGTH_OFFSET, (short)(HEADER_LENGTH + configLength + TRAILER_LENGTH), BIG_ENDIAN);
    }
}
