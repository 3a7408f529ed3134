package io.dvmc.lease;

/** State of a lease as stored in {@link LeaseRecord#STATE_OFFSET}; the codes are part of the file format. */
public enum LeaseState
{
    FREE(0), OFFERED(1), BOUND(2), RELEASED(3);

    private static final LeaseState[] BY_CODE = values();

    private final byte code;

    LeaseState(final int code)
    {
        this.code = (byte)code;
    }

    public byte code()
    {
        return code;
    }

    /**
     * @return the state of {@code code}
     * @throws IllegalArgumentException for a code no version of this layout defines
     */
    public static LeaseState of(final int code)
    {
        if (code < 0 || code >= BY_CODE.length)
        {
            throw new IllegalArgumentException("unknown lease state code " + code);
        }
        return BY_CODE[code];
    }
}
