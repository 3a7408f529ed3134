package io.dvmc.port;

/** A DPDK call failed; {@link #errno()} is the positive errno it returned (rte_errno for EAL init). */
public final class EalException extends RuntimeException
{

    private static final long serialVersionUID = 1L;

    private final int errno;

    public EalException(String message, int errno)
    {
        super(message);
        this.errno = errno;
    }

    public int errno()
    {
        return errno;
    }
}
