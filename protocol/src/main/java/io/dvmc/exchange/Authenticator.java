package io.dvmc.exchange;

import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Signs and verifies DVMC messages with HMAC-SHA256 (DESIGN §4) under the keys of a {@link KeyRing}, rejects
 * timestamps outside a window around the receiver's clock, and drops replays through a {@link ReplayCache}. One
 * instance per thread: the {@link HmacSha256}s and the scratch arrays are reused for every message.
 *
 * <p>Replay defence across a cluster, without shared state:
 * <ul>
 *   <li>a request's HMAC also covers the endpoint it was sent to ({@link #signRequest}); a receiver verifies with its
 *   own endpoint ({@link #receiverEndpoint}), so a request captured on its way to one replica fails at every
 *   other;</li>
 *   <li>a receiver refuses anything stamped before {@link #notBefore} (its start), so a request captured before a
 *   restart cannot be replayed to the restarted process, whose replay cache is empty. Senders re-stamp every
 *   retransmission, so a live exchange is not hurt;</li>
 *   <li>within one process, the replay cache for requests. A reply is taken only by the transaction it answers,
 *   which it ends ({@link DvmcClient}), so a copy of a reply finds nothing to answer and needs no cache.</li>
 * </ul>
 * A request signed with a host's key must name that host in its transaction id ({@link KeyRing.Key#servesHost}).
 *
 * <p>Input bytes reach the HMAC without copying: a byte[]-backed buffer by array, a ByteBuffer-backed one through
 * a cached duplicate view; the result goes to a reused array. Nothing is allocated per message.
 */
public final class Authenticator
{
    public static final String ALGORITHM = "HmacSHA256";
    public static final int MIN_KEY_LENGTH = 16;
    public static final long DEFAULT_WINDOW_MS = 30_000;
    /** Requests remembered at most (a memory bound of about 100 MB): 70,000 a second held for a minute. */
    public static final int DEFAULT_REPLAY_CAPACITY = 1 << 22;
    private static final int VIEW_CACHE_SIZE = 4;
    private static final int ENDPOINT_LENGTH = 6;

    private KeyRing ring;
    private int signingKeyId;
    private final Int2ObjectHashMap<HmacSha256> macs = new Int2ObjectHashMap<>();
    private final long windowMs;
    private final ReplayCache replays;
    private final byte[] digest = new byte[DvmcMessage.TRAILER_LENGTH];
    private final byte[] scratch = new byte[DvmcMessage.MAX_LENGTH];
    private final byte[] endpoint = new byte[ENDPOINT_LENGTH];
    private final byte[] ownEndpoint = new byte[ENDPOINT_LENGTH];
    private long notBeforeMs = Long.MIN_VALUE;
    /** Duplicates of the ByteBuffers seen, so that alternating rx and tx buffers never allocate a view. */
    private final ByteBuffer[] viewSources = new ByteBuffer[VIEW_CACHE_SIZE];
    private final ByteBuffer[] views = new ByteBuffer[VIEW_CACHE_SIZE];
    private int nextView;

    /** A single cluster-wide key (id 0). */
    public Authenticator(final byte[] key)
    {
        this(key, DEFAULT_WINDOW_MS, DEFAULT_REPLAY_CAPACITY);
    }

    /**
     * @param key            a single cluster-wide key (id 0), at least {@value #MIN_KEY_LENGTH} bytes.
     * @param windowMs       how far a message's timestamp may be from the receiver's clock, either way.
     * @param replayCapacity how many requests may be remembered at once before new ones are refused.
     */
    public Authenticator(final byte[] key, final long windowMs, final int replayCapacity)
    {
        this(keyRingOf(key), 0, windowMs, replayCapacity);
    }

    /**
     * @param ring           every key this side accepts.
     * @param signingKeyId   the key it signs its own messages with (an agent: {@link KeyRing#signingKeyFor}).
     * @param windowMs       how far a message's timestamp may be from the receiver's clock, either way.
     * @param replayCapacity how many requests may be remembered at once before new ones are refused.
     */
    public Authenticator(final KeyRing ring, final int signingKeyId, final long windowMs, final int replayCapacity)
    {
        rekey(ring, signingKeyId);
        this.windowMs = windowMs;
        this.replays = new ReplayCache(replayCapacity, windowMs);
    }

    /**
     * Takes a new key ring (an operator rotated a key): messages are verified against it from now on, the replay
     * cache stays. Signs with {@code signingKeyId}, which must be in the ring.
     */
    public void rekey(final KeyRing newRing, final int newSigningKeyId)
    {
        if (newRing.key(newSigningKeyId) == null)
        {
            throw new IllegalArgumentException("signing key " + newSigningKeyId + " is not in the ring " +
                newRing.describe());
        }
        final Int2ObjectHashMap<HmacSha256> fresh = macsOf(newRing);
        ring = newRing;
        signingKeyId = newSigningKeyId;
        macs.clear();
        macs.putAll(fresh);
    }

    public KeyRing ring()
    {
        return ring;
    }

    private static Int2ObjectHashMap<HmacSha256> macsOf(final KeyRing ring)
    {
        final Int2ObjectHashMap<HmacSha256> byId = new Int2ObjectHashMap<>();
        for (final KeyRing.Key k : ring.keys())
        {
            byId.put(k.id(), new HmacSha256(k.secret()));
        }
        return byId;
    }

    private static KeyRing keyRingOf(final byte[] key)
    {
        if (key == null || key.length < MIN_KEY_LENGTH)
        {
            throw new IllegalArgumentException("cluster key must be at least " + MIN_KEY_LENGTH + " bytes");
        }
        return KeyRing.single(key);
    }

    public long windowMs()
    {
        return windowMs;
    }

    public int signingKeyId()
    {
        return signingKeyId;
    }

    /**
     * The endpoint this side receives requests on, as its senders address it (a service's advertised address and
     * port). Requests are verified as bound to it; 0:0 (the default) accepts only requests signed unbound.
     */
    public Authenticator receiverEndpoint(final int address, final int port)
    {
        putEndpoint(ownEndpoint, address, port);
        return this;
    }

    /** Refuses messages stamped before {@code ms}: a restarted receiver's start, so pre-restart captures fail. */
    public Authenticator notBefore(final long ms)
    {
        notBeforeMs = ms;
        return this;
    }

    /**
     * Signs with this side's own key, a request as bound to no endpoint; writes the key id and the HMAC over
     * {@code [offset, offset + length - 32)} into the last 32 bytes.
     *
     * @param length total message length including the trailer.
     * @return {@code length}, for chaining into a send.
     */
    public int sign(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        Arrays.fill(endpoint, (byte)0);
        return sign(buffer, offset, length, signingKeyId, endpoint);
    }

    /** Signs a request with this side's own key, bound to the endpoint it is sent to. */
    public int signRequest(final MutableDirectBuffer buffer, final int offset, final int length,
        final int toAddress, final int toPort)
    {
        putEndpoint(endpoint, toAddress, toPort);
        return sign(buffer, offset, length, signingKeyId, endpoint);
    }

    /**
     * Signs a message a service starts on its own ({@link DvmcMessageType#REVOKE}) with {@code keyId}, a key its
     * receiver holds, bound to the endpoint it is sent to.
     */
    public int signTo(final MutableDirectBuffer buffer, final int offset, final int length, final int keyId,
        final int toAddress, final int toPort)
    {
        putEndpoint(endpoint, toAddress, toPort);
        return sign(buffer, offset, length, keyId, endpoint);
    }

    /** Signs a reply with {@code keyId}, the key its request was verified with. */
    public int signReply(final MutableDirectBuffer buffer, final int offset, final int length, final int keyId)
    {
        return sign(buffer, offset, length, keyId, null);
    }

    private int sign(final MutableDirectBuffer buffer, final int offset, final int length, final int keyId,
        final byte[] requestEndpoint)
    {
        final HmacSha256 mac = macs.get(keyId);
        if (mac == null)
        {
            throw new IllegalArgumentException("key " + keyId + " is not in the ring " + ring.describe());
        }
        buffer.putShort(offset + DvmcMessage.KEY_ID_OFFSET, (short)keyId, ByteOrder.BIG_ENDIAN);
        final int signed = length - DvmcMessage.TRAILER_LENGTH;
        final boolean bound = DvmcMessageType.isBound(buffer.getByte(offset + DvmcMessage.TYPE_OFFSET) & 0xFF);
        compute(mac, buffer, offset, signed, bound ? requestEndpoint : null);
        buffer.putBytes(offset + signed, digest, 0, DvmcMessage.TRAILER_LENGTH);
        return length;
    }

    /**
     * Checks a message {@link DvmcMessage#wrap wrapped} without error: key, HMAC first (nothing unauthenticated
     * touches the replay cache), then the key's host, the timestamp window and start, then (requests and REVOKEs
     * only: {@link DvmcMessageType#isBound}) the replay cache.
     *
     * @return {@link DvmcError#OK} or {@link DvmcError#UNKNOWN_KEY}, {@link DvmcError#BAD_MAC},
     *     {@link DvmcError#KEY_NOT_FOR_HOST}, {@link DvmcError#STALE}, {@link DvmcError#REPLAY},
     *     {@link DvmcError#REPLAY_CACHE_FULL}.
     */
    public int verify(final DvmcMessage message, final long nowMs)
    {
        final KeyRing.Key key = ring.key(message.keyId());
        if (key == null)
        {
            return DvmcError.UNKNOWN_KEY;
        }
        final DirectBuffer buffer = message.buffer();
        final int signed = message.length() - DvmcMessage.TRAILER_LENGTH;
        final boolean bound = DvmcMessageType.isBound(message.type());
        compute(macs.get(key.id()), buffer, message.offset(), signed, bound ? ownEndpoint : null);
        final int trailer = message.offset() + signed;
        int difference = 0;
        // Constant time: do not reveal how many leading bytes of a forged trailer were right.
        for (int i = 0; i < DvmcMessage.TRAILER_LENGTH; i++)
        {
            difference |= digest[i] ^ buffer.getByte(trailer + i);
        }
        if (difference != 0)
        {
            return DvmcError.BAD_MAC;
        }
        if (bound && !key.servesHost((int)(message.transactionId() >>> 32)))
        {
            return DvmcError.KEY_NOT_FOR_HOST;
        }
        final long timestamp = message.timestampMs();
        if (timestamp < nowMs - windowMs || timestamp > nowMs + windowMs || timestamp < notBeforeMs)
        {
            return DvmcError.STALE;
        }
        if (!bound)
        {
            // A reply is taken only by the transaction it answers, which it ends (DvmcClient): a copy finds none.
            return DvmcError.OK;
        }
        final long sender = ((message.locationAddress() & 0xFFFF_FFFFL) << 16) | message.locationPort();
        return replays.check(sender, message.transactionId(), message.type(), timestamp, nowMs);
    }

    private static void putEndpoint(final byte[] into, final int address, final int port)
    {
        into[0] = (byte)(address >>> 24);
        into[1] = (byte)(address >>> 16);
        into[2] = (byte)(address >>> 8);
        into[3] = (byte)address;
        into[4] = (byte)(port >>> 8);
        into[5] = (byte)port;
    }

    private void compute(final HmacSha256 mac, final DirectBuffer buffer, final int offset, final int length,
        final byte[] boundEndpoint)
    {
        final byte[] array = buffer.byteArray();
        final ByteBuffer byteBuffer = buffer.byteBuffer();
        if (array != null)
        {
            mac.update(array, buffer.wrapAdjustment() + offset, length);
        }
        else if (byteBuffer != null)
        {
            final ByteBuffer view = viewOf(byteBuffer);
            final int start = buffer.wrapAdjustment() + offset;
            view.limit(view.capacity()).position(start).limit(start + length);
            mac.update(view);
        }
        else
        {
            buffer.getBytes(offset, scratch, 0, length);
            mac.update(scratch, 0, length);
        }
        if (boundEndpoint != null)
        {
            mac.update(boundEndpoint, 0, ENDPOINT_LENGTH);
        }
        mac.doFinal(digest, 0);
    }

    private ByteBuffer viewOf(final ByteBuffer source)
    {
        for (int i = 0; i < VIEW_CACHE_SIZE; i++)
        {
            if (viewSources[i] == source)
            {
                return views[i];
            }
        }
        final int i = nextView;
        nextView = (nextView + 1) % VIEW_CACHE_SIZE;
        viewSources[i] = source;
        views[i] = source.duplicate();
        return views[i];
    }

    /** Parses a cluster key given as hex (64 digits for 32 bytes); whitespace is ignored. */
    public static byte[] parseHexKey(final CharSequence text)
    {
        final String hex = text.toString().replaceAll("\\s", "");
        if ((hex.length() & 1) != 0)
        {
            throw new IllegalArgumentException("hex key has an odd number of digits");
        }
        final byte[] key = new byte[hex.length() / 2];
        for (int i = 0; i < key.length; i++)
        {
            final int hi = Character.digit(hex.charAt(2 * i), 16);
            final int lo = Character.digit(hex.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0)
            {
                throw new IllegalArgumentException("hex key has a non-hex digit");
            }
            key[i] = (byte)((hi << 4) | lo);
        }
        return key;
    }
}
