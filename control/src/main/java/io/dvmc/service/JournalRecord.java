package io.dvmc.service;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over one fixed-size record of the {@link LeaseJournal}. Big-endian; the CRC32C covers bytes 4..63,
 * so a record torn by a crash (short, or half old bytes) fails its check. Version 2 and 3 records carry a sync marker
 * ({@link #SYNC}) in bytes 6..7, where version 1 records have zeros: a reader that met damage finds the next record
 * by scanning for the marker and a matching CRC. Version 3 adds the {@link #IDENTITY} record; its other records are
 * laid out as in version 2. Version 1 and 2 journals stay readable as they are; every record written now is
 * version 3.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       CRC32C of bytes 4..63                   |  0
 *  +---------------+---------------+-------------------------------+
 *  |     type      |    version    |     sync marker (version 2)   |  4
 *  +---------------+---------------+-------------------------------+
 *  |                           domain id                           |  8
 *  +---------------------------------------------------------------+
 *  |                            address                            | 12
 *  +---------------------------------------------------------------+
 *  |                    MAC (low 48 bits of 64)                    | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |          host lease expiry, ms since the epoch                | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        VM id, high 64 bits                    | 32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        VM id, low 64 bits                     | 40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   VM location: host address                   | 48
 *  +-------------------------------+-------------------------------+
 *  |      VM location: port        |           reserved            | 52
 *  +-------------------------------+-------------------------------+
 *  |                transaction id that bound the lease            | 56
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The first record of a journal file is a {@link #HEADER} whose MAC field holds {@link #HEADER_MAGIC}. DECLINED
 * records hold the end of the hold in the expiry field; QUARANTINED and LIFTED records name an address, or every
 * address when domain and address are 0.
 *
 * <p>IDENTITY records (version 3) follow the BOUND record of a lease whose client gave a client identifier (option
 * 61, RFC 2132 §9.14), a host name (option 12) or a client FQDN (option 81, RFC 4702). Bytes 8..23 are laid out as
 * in a BOUND record; then the client identifier's key ({@link ClientKeys}, 0 for none) at 24, and a part of the
 * names ({@link ClientNames}: [host name length][host name][FQDN length][FQDN], then an imported client identifier as
 * [length][bytes]), at most {@link ClientNames#MAX_LENGTH} bytes, {@link #CHUNK_CAPACITY} bytes a
 * record.
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                    client identifier key                      | 24
 *  |                                                               |
 *  +---------------+---------------+---------------+---------------+
 *  |  part index   |  part count   | bytes in part |   reserved    | 32
 *  +---------------+---------------+---------------+---------------+
 *  |              names, bytes of this part (up to 28)             | 36
 *  ...
 * </pre>
 */
final class JournalRecord
{
    static final int LENGTH = 64;
    static final int VERSION = 3;
    static final int VERSION_2 = 2;
    static final int VERSION_1 = 1;
    /** The sync marker of version 2 and 3 records. */
    static final short SYNC = (short)0xD7C3;

    static final int HEADER = 'H';
    static final int BOUND = 'B';
    static final int RELEASED = 'R';
    static final int EXPIRED = 'X';
    /** RFC 2131 §4.3.3: a client declined the address; not handed out until the hold ends. */
    static final int DECLINED = 'D';
    /** A damaged journal record may hold the address (or any, with domain and address 0): held until lifted. */
    static final int QUARANTINED = 'Q';
    /** The operator lifted the quarantine of the address (or of every address, with domain and address 0). */
    static final int LIFTED = 'L';
    /** Version 3: who the client of the BOUND record just before says it is (see the class comment). */
    static final int IDENTITY = 'I';

    /** "DVMCJL" in the MAC field of the header record. */
    static final long HEADER_MAGIC = 0x44564D434A4CL;

    static final int CRC_OFFSET = 0;
    static final int TYPE_OFFSET = 4;
    static final int VERSION_OFFSET = 5;
    static final int SYNC_OFFSET = 6;
    static final int DOMAIN_ID_OFFSET = 8;
    static final int ADDRESS_OFFSET = 12;
    static final int MAC_OFFSET = 16;
    static final int EXPIRES_AT_OFFSET = 24;
    static final int VM_ID_MSB_OFFSET = 32;
    static final int VM_ID_LSB_OFFSET = 40;
    static final int LOCATION_ADDRESS_OFFSET = 48;
    static final int LOCATION_PORT_OFFSET = 52;
    static final int TRANSACTION_ID_OFFSET = 56;
    static final int CLIENT_KEY_OFFSET = 24;
    static final int PART_OFFSET = 32;
    static final int PARTS_OFFSET = 33;
    static final int PART_LENGTH_OFFSET = 34;
    static final int CHUNK_OFFSET = 36;
    static final int CHUNK_CAPACITY = LENGTH - CHUNK_OFFSET;

    private final CRC32C crc = new CRC32C();
    private DirectBuffer buffer;
    private int offset;
    private ByteBuffer viewSource;
    private ByteBuffer view;

    JournalRecord wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** Writes a whole record at {@code offset} of {@code out}, CRC included, and stays wrapped over it. */
    void write(
        final MutableDirectBuffer out,
        final int offset,
        final int type,
        final int domainId,
        final long mac,
        final int address,
        final long expiresAtMs,
        final long vmIdMsb,
        final long vmIdLsb,
        final int locationAddress,
        final int locationPort,
        final long transactionId)
    {
        wrap(out, offset);
        out.setMemory(offset, LENGTH, (byte)0);
        out.putByte(offset + TYPE_OFFSET, (byte)type);
        out.putByte(offset + VERSION_OFFSET, (byte)VERSION);
        out.putShort(offset + SYNC_OFFSET, SYNC, BIG_ENDIAN);
        out.putInt(offset + DOMAIN_ID_OFFSET, domainId, BIG_ENDIAN);
        out.putInt(offset + ADDRESS_OFFSET, address, BIG_ENDIAN);
        out.putLong(offset + MAC_OFFSET, mac, BIG_ENDIAN);
        out.putLong(offset + EXPIRES_AT_OFFSET, expiresAtMs, BIG_ENDIAN);
        out.putLong(offset + VM_ID_MSB_OFFSET, vmIdMsb, BIG_ENDIAN);
        out.putLong(offset + VM_ID_LSB_OFFSET, vmIdLsb, BIG_ENDIAN);
        out.putInt(offset + LOCATION_ADDRESS_OFFSET, locationAddress, BIG_ENDIAN);
        out.putShort(offset + LOCATION_PORT_OFFSET, (short)locationPort, BIG_ENDIAN);
        out.putLong(offset + TRANSACTION_ID_OFFSET, transactionId, BIG_ENDIAN);
        out.putInt(offset + CRC_OFFSET, computeCrc(), BIG_ENDIAN);
    }

    /** Writes part {@code part} of {@code parts} of a lease's identity: {@code length} bytes of names from {@code names}. */
    void writeIdentity(
        final MutableDirectBuffer out,
        final int offset,
        final int domainId,
        final long mac,
        final int address,
        final long clientKey,
        final int part,
        final int parts,
        final byte[] names,
        final int namesOffset,
        final int length)
    {
        wrap(out, offset);
        out.setMemory(offset, LENGTH, (byte)0);
        out.putByte(offset + TYPE_OFFSET, (byte)IDENTITY);
        out.putByte(offset + VERSION_OFFSET, (byte)VERSION);
        out.putShort(offset + SYNC_OFFSET, SYNC, BIG_ENDIAN);
        out.putInt(offset + DOMAIN_ID_OFFSET, domainId, BIG_ENDIAN);
        out.putInt(offset + ADDRESS_OFFSET, address, BIG_ENDIAN);
        out.putLong(offset + MAC_OFFSET, mac, BIG_ENDIAN);
        out.putLong(offset + CLIENT_KEY_OFFSET, clientKey, BIG_ENDIAN);
        out.putByte(offset + PART_OFFSET, (byte)part);
        out.putByte(offset + PARTS_OFFSET, (byte)parts);
        out.putByte(offset + PART_LENGTH_OFFSET, (byte)length);
        out.putBytes(offset + CHUNK_OFFSET, names, namesOffset, length);
        out.putInt(offset + CRC_OFFSET, computeCrc(), BIG_ENDIAN);
    }

    /** Whether the stored CRC matches the record's bytes. */
    boolean isIntact()
    {
        return buffer.getInt(offset + CRC_OFFSET, BIG_ENDIAN) == computeCrc();
    }

    /**
     * Whether the bytes are a whole record as some version of dvmc wrote it: version and sync marker agree (a
     * cheap test first, while scanning damage byte by byte), and the CRC matches.
     */
    boolean isValid()
    {
        final int version = version();
        final short sync = buffer.getShort(offset + SYNC_OFFSET, BIG_ENDIAN);
        if (!((version == VERSION || version == VERSION_2) && sync == SYNC) && !(version == VERSION_1 && sync == 0))
        {
            return false;
        }
        return isIntact();
    }

    int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    int version()
    {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
    }

    int domainId()
    {
        return buffer.getInt(offset + DOMAIN_ID_OFFSET, BIG_ENDIAN);
    }

    int address()
    {
        return buffer.getInt(offset + ADDRESS_OFFSET, BIG_ENDIAN);
    }

    long mac()
    {
        return buffer.getLong(offset + MAC_OFFSET, BIG_ENDIAN);
    }

    long expiresAtMs()
    {
        return buffer.getLong(offset + EXPIRES_AT_OFFSET, BIG_ENDIAN);
    }

    long vmIdMsb()
    {
        return buffer.getLong(offset + VM_ID_MSB_OFFSET, BIG_ENDIAN);
    }

    long vmIdLsb()
    {
        return buffer.getLong(offset + VM_ID_LSB_OFFSET, BIG_ENDIAN);
    }

    int locationAddress()
    {
        return buffer.getInt(offset + LOCATION_ADDRESS_OFFSET, BIG_ENDIAN);
    }

    int locationPort()
    {
        return buffer.getShort(offset + LOCATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    long transactionId()
    {
        return buffer.getLong(offset + TRANSACTION_ID_OFFSET, BIG_ENDIAN);
    }

    /** An IDENTITY record's client identifier key. */
    long clientKey()
    {
        return buffer.getLong(offset + CLIENT_KEY_OFFSET, BIG_ENDIAN);
    }

    int part()
    {
        return buffer.getByte(offset + PART_OFFSET) & 0xFF;
    }

    int parts()
    {
        return buffer.getByte(offset + PARTS_OFFSET) & 0xFF;
    }

    /** Bytes of names in this part; never more than {@link #CHUNK_CAPACITY}, whatever the record says. */
    int partLength()
    {
        return Math.min(CHUNK_CAPACITY, buffer.getByte(offset + PART_LENGTH_OFFSET) & 0xFF);
    }

    void getPart(final byte[] to, final int at)
    {
        buffer.getBytes(offset + CHUNK_OFFSET, to, at, partLength());
    }

    private int computeCrc()
    {
        crc.reset();
        final int start = buffer.wrapAdjustment() + offset + TYPE_OFFSET;
        final int length = LENGTH - TYPE_OFFSET;
        final byte[] array = buffer.byteArray();
        final ByteBuffer bytes = buffer.byteBuffer();
        if (array != null)
        {
            crc.update(array, start, length);
        }
        else if (bytes != null)
        {
            // CRC32C reads a direct ByteBuffer in place; a cached duplicate leaves the owner's position alone.
            if (bytes != viewSource)
            {
                viewSource = bytes;
                view = bytes.duplicate();
            }
            view.clear().position(start).limit(start + length);
            crc.update(view);
        }
        else
        {
            for (int i = TYPE_OFFSET; i < LENGTH; i++)
            {
                crc.update(buffer.getByte(offset + i));
            }
        }
        return (int)crc.getValue();
    }
}
