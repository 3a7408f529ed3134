package io.dvmc.e2e;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an initramfs: a cpio archive in the "newc" format the kernel unpacks (Documentation/driver-api/early-userspace
 * /buffer-format.rst), uncompressed, of directories and regular files only. Owner root, times 0.
 */
final class CpioArchive implements AutoCloseable
{
    private static final int DIRECTORY = 0040000;
    private static final int REGULAR = 0100000;

    private final OutputStream out;
    private long written;
    private int inode;

    CpioArchive(final Path file) throws IOException
    {
        this.out = new BufferedOutputStream(Files.newOutputStream(file));
    }

    void directory(final String name) throws IOException
    {
        entry(name, DIRECTORY | 0755, 2, new byte[0]);
    }

    void file(final String name, final int permissions, final byte[] content) throws IOException
    {
        entry(name, REGULAR | permissions, 1, content);
    }

    private void entry(final String name, final int mode, final int links, final byte[] content) throws IOException
    {
        final byte[] path = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        final StringBuilder header = new StringBuilder("070701");
        for (final long field : new long[]{++inode, mode, 0, 0, links, 0, content.length, 0, 0, 0, 0, path.length, 0})
        {
            header.append(String.format("%08x", field));
        }
        write(header.toString().getBytes(StandardCharsets.US_ASCII));
        write(path);
        pad();
        write(content);
        pad();
    }

    private void write(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        written += bytes.length;
    }

    /** Header plus name, and data, each end on a 4-byte boundary. */
    private void pad() throws IOException
    {
        while (written % 4 != 0)
        {
            out.write(0);
            written++;
        }
    }

    @Override
    public void close() throws IOException
    {
        try (out)
        {
            entry("TRAILER!!!", 0, 1, new byte[0]);
        }
    }
}
