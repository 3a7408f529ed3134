package io.dvmc.exchange;

/**
 * Negative codes returned instead of throwing when a datagram fails decoding or authentication. Callers count
 * them (index {@code -code} fits an array of {@link #COUNT}) and drop the datagram; they never answer it.
 */
public final class DvmcError
{
    public static final int OK = 0;
    public static final int TOO_SHORT = -1;
    public static final int BAD_MAGIC = -2;
    public static final int BAD_VERSION = -3;
    public static final int BAD_TYPE = -4;
    public static final int BAD_LENGTH = -5;
    public static final int BAD_CONFIG = -6;
    public static final int BAD_FIELD = -7;
    public static final int BAD_MAC = -8;
    public static final int STALE = -9;
    public static final int REPLAY = -10;
    public static final int REPLAY_CACHE_FULL = -11;
    /** A reply whose transaction is unknown, finished, or whose type does not answer the request. */
    public static final int UNMATCHED = -12;
    /** A message of a type the receiver does not accept (a reply sent to a service, say). */
    public static final int UNEXPECTED_TYPE = -13;
    public static final int TABLE_FULL = -14;
    public static final int SEND_FAILED = -15;
    /** The message names a key id the receiver does not hold (a retired key, or another cluster's). */
    public static final int UNKNOWN_KEY = -16;
    /** A request signed with one host's key that claims to come from another host. */
    public static final int KEY_NOT_FOR_HOST = -17;
    /** A request for a domain that the policy does not let the sending host serve. */
    public static final int HOST_NOT_AUTHORIZED = -18;

    /** Size of an array indexed by {@code -code}. */
    public static final int COUNT = 19;

    private DvmcError()
    {
    }

    public static String name(final int code)
    {
        return switch (code)
        {
            case OK -> "ok";
            case TOO_SHORT -> "too-short";
            case BAD_MAGIC -> "bad-magic";
            case BAD_VERSION -> "bad-version";
            case BAD_TYPE -> "bad-type";
            case BAD_LENGTH -> "bad-length";
            case BAD_CONFIG -> "bad-config";
            case BAD_FIELD -> "bad-field";
            case BAD_MAC -> "bad-hmac";
            case STALE -> "stale-timestamp";
            case REPLAY -> "replay";
            case REPLAY_CACHE_FULL -> "replay-cache-full";
            case UNMATCHED -> "unmatched-reply";
            case UNEXPECTED_TYPE -> "unexpected-type";
            case TABLE_FULL -> "transaction-table-full";
            case SEND_FAILED -> "send-failed";
            case UNKNOWN_KEY -> "unknown-key";
            case KEY_NOT_FOR_HOST -> "key-not-for-host";
            case HOST_NOT_AUTHORIZED -> "host-not-authorized";
            default -> "error(" + code + ")";
        };
    }
}
