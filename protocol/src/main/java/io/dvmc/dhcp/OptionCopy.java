package io.dvmc.dhcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Copies a block of DHCP option TLVs (RFC 2132 §2) from one buffer to another, option by option, without padding
 * and up to END; an option that runs past the block ends it. The relay passes a VM's options to the tenant's server
 * and the server's back with it, each leaving out the options it writes itself.
 */
public final class OptionCopy
{
    /** Which options go across. */
    @FunctionalInterface
    public interface Filter
    {
        boolean keep(int code);
    }

    /** Every option. */
    public static final Filter ALL = code -> true;

    private OptionCopy()
    {
    }

    /**
     * @param from first byte of the block in {@code in}.
     * @param end  one past its last byte.
     * @param at   where the copy starts in {@code out}.
     * @param limit one past the last byte the copy may use in {@code out}.
     * @return one past the last byte written, or -1 if the options kept do not fit before {@code limit}.
     */
    public static int copy(final DirectBuffer in, final int from, final int end, final MutableDirectBuffer out,
        final int at, final int limit, final Filter filter)
    {
        int o = at;
        int i = from;
        while (i < end)
        {
            final int code = in.getByte(i) & 0xFF;
            if (code == DhcpOption.PAD)
            {
                i++;
                continue;
            }
            if (code == DhcpOption.END || i + 2 > end)
            {
                break;
            }
            final int length = 2 + (in.getByte(i + 1) & 0xFF);
            if (i + length > end)
            {
                break;
            }
            if (filter.keep(code))
            {
                if (o + length > limit)
                {
                    return -1;
                }
                out.putBytes(o, in, i, length);
                o += length;
            }
            i += length;
        }
        return o;
    }
}
