package io.dvmc.dhcp;

/**
 * What a domain asks of a reply beyond copying its options: network boot (PXE, iPXE) and options sent unasked.
 * They travel after the END option of the domain's option block, so the block keeps its place in the DVMC
 * configuration field and the host's domain record, and a reader that stops at END sees plain options.
 * <pre>
 *  options... | END | code (1) | length (1) | value |  ...   directives, TLVs like options, no PAD, no END
 *
 *  1 next server     4 bytes: siaddr of netboot replies
 *  2 server name     1..63 bytes of text: option 66 and the sname field
 *  3 boot file       1..127 bytes of text: option 67 and the file field, for PXE and other netboot clients
 *  4 iPXE boot file  1..127 bytes of text: instead of 3 when the client's user class (77) says iPXE
 *  5 always          option codes sent even when the client's parameter request list (55) omits them
 * </pre>
 * Unknown directive codes are skipped, so a block may carry directives an older writer does not know.
 */
public final class ReplyDirectives
{
    public static final int NEXT_SERVER = 1;
    public static final int SERVER_NAME = 2;
    public static final int BOOT_FILE = 3;
    public static final int IPXE_BOOT_FILE = 4;
    public static final int ALWAYS = 5;

    /** Longest text for the sname field, which keeps a terminating NUL. */
    public static final int MAX_SERVER_NAME = DhcpPacket.SNAME_LENGTH - 1;
    /** Longest text for the file field, which keeps a terminating NUL. */
    public static final int MAX_BOOT_FILE = DhcpPacket.FILE_LENGTH - 1;

    private ReplyDirectives()
    {
    }
}
