package io.dvmc.lease;

/** Human-readable renderings for toString and the CLI (they allocate; never on the hot path). */
final class Formats {
    private Formats() {
    }

    /** 0x020000000001 as 02:00:00:00:00:01. */
    static String mac(final long mac) {
        final StringBuilder out = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            final int octet = (int) (mac >>> shift) & 0xFF;
            out.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (shift > 0) {
                out.append(':');
            }
        }
        return out.toString();
    }

    /** 0x0A000001 as 10.0.0.1. */
    static String ipv4(final int ip) {
        return ((ip >>> 24) & 0xFF) + "." + ((ip >>> 16) & 0xFF) + "." + ((ip >>> 8) & 0xFF) + "." + (ip & 0xFF);
    }
}
