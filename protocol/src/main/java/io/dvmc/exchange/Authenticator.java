package io.dvmc.exchange;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies DVMC messages with HMAC-SHA256 under the cluster key (DESIGN §4), rejects timestamps outside a
 * window around the receiver's clock, and drops replays through a {@link ReplayCache}. One instance per thread:
 * the {@link Mac} and the scratch arrays are reused for every message.
 *
 * <p>Input bytes reach the Mac without copying: a byte[]-backed buffer by array, a ByteBuffer-backed one through
 * a cached duplicate view. The JCE's {@code doFinal(byte[], int)} still allocates the 32-byte result internally.
 */
public final class Authenticator
{
    public static final String ALGORITHM = "HmacSHA256";
    public static final int MIN_KEY_LENGTH = 16;
    public static final long DEFAULT_WINDOW_MS = 30_000;
    public static final int DEFAULT_REPLAY_CAPACITY = 1 << 16;
    private static final int VIEW_CACHE_SIZE = 4;

    private final Mac mac;
    private final long windowMs;
    private final ReplayCache replays;
    private final byte[] digest = new byte[DvmcMessage.TRAILER_LENGTH];
    private final byte[] scratch = new byte[DvmcMessage.MAX_LENGTH];
    /** Duplicates of the ByteBuffers seen, so that alternating rx and tx buffers never allocate a view. */
    private final ByteBuffer[] viewSources = new ByteBuffer[VIEW_CACHE_SIZE];
    private final ByteBuffer[] views = new ByteBuffer[VIEW_CACHE_SIZE];
    private int nextView;

    public Authenticator(final byte[] key)
    {
        this(key, DEFAULT_WINDOW_MS, DEFAULT_REPLAY_CAPACITY);
    }

    /**
     * @param key            the cluster key, at least {@value #MIN_KEY_LENGTH} bytes.
     * @param windowMs       how far a message's timestamp may be from the receiver's clock, either way.
     * @param replayCapacity how many distinct messages one window may hold before new ones are refused.
     */
    public Authenticator(final byte[] key, final long windowMs, final int replayCapacity)
    {
        if (key == null || key.length < MIN_KEY_LENGTH)
        {
            throw new IllegalArgumentException("cluster key must be at least " + MIN_KEY_LENGTH + " bytes");
        }
        try
        {
            mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
        }
        catch (final NoSuchAlgorithmException | InvalidKeyException ex)
        {
            throw new IllegalStateException("HmacSHA256 unavailable", ex);
        }
        this.windowMs = windowMs;
        this.replays = new ReplayCache(replayCapacity, windowMs);
    }

    public long windowMs()
    {
        return windowMs;
    }

    /**
     * Computes the HMAC over {@code [offset, offset + length - 32)} and writes it into the last 32 bytes.
     *
     * @param length total message length including the trailer.
     * @return {@code length}, for chaining into a send.
     */
    public int sign(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final int signed = length - DvmcMessage.TRAILER_LENGTH;
        compute(buffer, offset, signed);
        buffer.putBytes(offset + signed, digest, 0, DvmcMessage.TRAILER_LENGTH);
        return length;
    }

    /**
     * Checks a message {@link DvmcMessage#wrap wrapped} without error: HMAC first (nothing unauthenticated touches
     * the replay cache), then the timestamp window, then the replay cache.
     *
     * @return {@link DvmcError#OK} or {@link DvmcError#BAD_MAC}, {@link DvmcError#STALE},
     *     {@link DvmcError#REPLAY}, {@link DvmcError#REPLAY_CACHE_FULL}.
     */
    public int verify(final DvmcMessage message, final long nowMs)
    {
        final DirectBuffer buffer = message.buffer();
        final int signed = message.length() - DvmcMessage.TRAILER_LENGTH;
        compute(buffer, message.offset(), signed);
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
        final long timestamp = message.timestampMs();
        if (timestamp < nowMs - windowMs || timestamp > nowMs + windowMs)
        {
            return DvmcError.STALE;
        }
        final long sender = ((message.locationAddress() & 0xFFFF_FFFFL) << 16) | message.locationPort();
        return replays.check(sender, message.transactionId(), message.type(), timestamp, nowMs);
    }

    private void compute(final DirectBuffer buffer, final int offset, final int length)
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
        try
        {
            mac.doFinal(digest, 0);
        }
        catch (final ShortBufferException ex)
        {
            throw new IllegalStateException(ex);
        }
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
