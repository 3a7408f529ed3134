package io.dvmc.config;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * I/O faults as an operator reads them at start: the file or address concerned and the system's reason. The JDK
 * names only the path for some faults ("afile") and only the reason for others ("No space left on device").
 */
public final class IoFaults
{
    private IoFaults()
    {
    }

    /** "&lt;file&gt;: &lt;reason&gt;", the file being the one the fault names if it names one, else {@code file}. */
    public static String describe(final Path file, final IOException ex)
    {
        if (ex instanceof FileSystemException fse && fse.getFile() != null)
        {
            return fse.getFile() + (fse.getOtherFile() == null ? "" : " -> " + fse.getOtherFile()) + ": " + reason(fse);
        }
        final String message = String.valueOf(ex.getMessage());
        return message.contains(file.toString()) ? message : file + ": " + message;
    }

    /** What went wrong: the system's reason, with the file it names if it names one. */
    public static String reason(final IOException ex)
    {
        if (ex instanceof FileSystemException fse && fse.getFile() != null)
        {
            return describe(Path.of(fse.getFile()), ex);
        }
        return String.valueOf(ex.getMessage());
    }

    /** {@code ex} with {@link #describe} as its message, and {@code ex} as its cause. */
    public static IOException about(final Path file, final IOException ex)
    {
        return new IOException(describe(file, ex), ex);
    }

    /** Creates a state directory and its parents, or says why it cannot (it is a file, say). */
    public static void createStateDirectory(final Path dir) throws IOException
    {
        if (Files.exists(dir) && !Files.isDirectory(dir))
        {
            throw new IOException("state directory " + dir + ": exists and is not a directory");
        }
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new IOException("state directory " + describe(dir, ex), ex);
        }
    }

    /** A socket that cannot be bound to {@code address}, with the address and what the usual cause is. */
    public static IOException bind(final InetSocketAddress address, final IOException ex)
    {
        final String hint = ex instanceof BindException && String.valueOf(ex.getMessage()).contains("assign")
            ? " (not an address of this host)"
            : "";
        return new IOException("cannot listen on " + address.getHostString() + ":" + address.getPort() +
            ": " + ex.getMessage() + hint, ex);
    }

    private static String reason(final FileSystemException ex)
    {
        if (ex.getReason() != null)
        {
            return ex.getReason();
        }
        return switch (ex)
        {
            case FileAlreadyExistsException ignored -> "exists";
            case NoSuchFileException ignored -> "no such file or directory";
            case AccessDeniedException ignored -> "permission denied";
            case NotDirectoryException ignored -> "not a directory";
            default -> ex.getClass().getSimpleName();
        };
    }
}
