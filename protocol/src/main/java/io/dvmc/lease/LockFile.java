package io.dvmc.lease;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * One open sidecar lock file per JVM, shared by every {@link StoreGuard} of that file in the process.
 *
 * <p>POSIX record locks belong to the process, and the JDK refuses overlapping locks within one JVM, so two guards
 * of the same store in one process (an agent and a dataplane in one test JVM, two readers) cannot each lock the
 * file: this class holds the OS locks once and counts the in-process holders. A process that dies, even by
 * kill -9, loses its OS locks with its file descriptors.
 *
 * <p>Byte {@link #ACCESS} is locked shared by readers that have the map open and exclusive by the writer while it
 * recovers; byte {@link #WRITER} is locked exclusive by the single writer for its lifetime; byte {@link #WALKER} is
 * locked shared by a reader while it walks the map (a walk takes segment update locks) and exclusive by a writer
 * while it clears the update locks a dead writer left beside live readers. Byte {@link #STATE} (never locked) holds
 * the writer's {@link #CLEAN} / {@link #DIRTY} mark.
 */
final class LockFile
{
    static final long ACCESS = 0;
    static final long WRITER = 1;
    static final long WALKER = 2;
    static final long STATE = 8;
    static final byte CLEAN = 'C';
    static final byte DIRTY = 'D';

    private static final Map<Path, LockFile> OPEN = new HashMap<>();

    private final Path path;
    private final FileChannel channel;
    private int references;
    private int sharedHolders;
    private FileLock access;
    private boolean exclusive;
    private FileLock writer;
    private int walkers;
    private FileLock walk;
    private boolean walkExclusive;

    private LockFile(final Path path, final FileChannel channel)
    {
        this.path = path;
        this.channel = channel;
    }

    /** Opens (creating if needed) the lock file, or adds a reference to the one this JVM already has open. */
    static LockFile acquire(final Path lockPath)
    {
        final Path key = lockPath.toAbsolutePath().normalize();
        synchronized (OPEN)
        {
            LockFile file = OPEN.get(key);
            if (file == null)
            {
                try
                {
                    file = new LockFile(key, FileChannel.open(key, StandardOpenOption.CREATE,
                        StandardOpenOption.READ, StandardOpenOption.WRITE));
                }
                catch (final IOException e)
                {
                    throw new StoreIoException("cannot open lock file " + key + ": " + e.getMessage(), e);
                }
                OPEN.put(key, file);
            }
            file.references++;
            return file;
        }
    }

    /** Drops a reference; the channel (and with it every OS lock of this JVM) closes with the last one. */
    void unreference()
    {
        synchronized (OPEN)
        {
            if (--references > 0)
            {
                return;
            }
            OPEN.remove(path);
            try
            {
                channel.close();
            }
            catch (final IOException e)
            {
                throw new StoreIoException("cannot close lock file " + path + ": " + e.getMessage(), e);
            }
        }
    }

    synchronized boolean tryShared()
    {
        if (exclusive)
        {
            return false;
        }
        if (sharedHolders == 0)
        {
            access = tryLock(ACCESS, true);
            if (access == null)
            {
                return false;
            }
        }
        sharedHolders++;
        return true;
    }

    synchronized void releaseShared()
    {
        if (sharedHolders <= 0)
        {
            throw new IllegalStateException("no shared lock held on " + path);
        }
        if (--sharedHolders == 0)
        {
            release(access);
            access = null;
        }
    }

    synchronized boolean tryExclusive()
    {
        if (exclusive || sharedHolders > 0)
        {
            return false;
        }
        access = tryLock(ACCESS, false);
        exclusive = access != null;
        return exclusive;
    }

    synchronized void releaseExclusive()
    {
        if (!exclusive)
        {
            throw new IllegalStateException("no exclusive lock held on " + path);
        }
        release(access);
        access = null;
        exclusive = false;
    }

    synchronized boolean tryWriter()
    {
        if (writer != null)
        {
            return false;
        }
        writer = tryLock(WRITER, false);
        return writer != null;
    }

    synchronized void releaseWriter()
    {
        if (writer == null)
        {
            throw new IllegalStateException("writer role not held on " + path);
        }
        release(writer);
        writer = null;
    }

    synchronized boolean tryWalkerShared()
    {
        if (walkExclusive)
        {
            return false;
        }
        if (walkers == 0)
        {
            walk = tryLock(WALKER, true);
            if (walk == null)
            {
                return false;
            }
        }
        walkers++;
        return true;
    }

    synchronized void releaseWalkerShared()
    {
        if (walkers <= 0)
        {
            throw new IllegalStateException("no walker lock held on " + path);
        }
        if (--walkers == 0)
        {
            release(walk);
            walk = null;
        }
    }

    /** Fails at once while a reader in this JVM or another process walks the map. */
    synchronized boolean tryWalkerExclusive()
    {
        if (walkExclusive || walkers > 0)
        {
            return false;
        }
        walk = tryLock(WALKER, false);
        walkExclusive = walk != null;
        return walkExclusive;
    }

    synchronized void releaseWalkerExclusive()
    {
        if (!walkExclusive)
        {
            throw new IllegalStateException("no exclusive walker lock held on " + path);
        }
        release(walk);
        walk = null;
        walkExclusive = false;
    }

    /** Whether any reader, in this JVM or another process, holds the access byte shared. */
    synchronized boolean sharedHeldElsewhere()
    {
        if (sharedHolders > 0)
        {
            return true;
        }
        if (exclusive)
        {
            return false;
        }
        final FileLock probe = tryLock(ACCESS, false);
        if (probe == null)
        {
            return true;
        }
        release(probe);
        return false;
    }

    /** Whether a live writer (this JVM or another process) holds the writer byte. */
    synchronized boolean writerHeldAnywhere()
    {
        if (writer != null)
        {
            return true;
        }
        final FileLock probe = tryLock(WRITER, false);
        if (probe == null)
        {
            return true;
        }
        release(probe);
        return false;
    }

    /** The writer's mark, or 0 if none was ever written. */
    synchronized byte readState()
    {
        final ByteBuffer one = ByteBuffer.allocate(1);
        try
        {
            return channel.read(one, STATE) == 1 ? one.get(0) : 0;
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes the writer's mark and forces it to the device, so that a power cut cannot leave a stale CLEAN. */
    synchronized void writeState(final byte state)
    {
        try
        {
            channel.write(ByteBuffer.wrap(new byte[]{state}), STATE);
            channel.force(false);
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    Path path()
    {
        return path;
    }

    private FileLock tryLock(final long position, final boolean shared)
    {
        try
        {
            return channel.tryLock(position, 1, shared);
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot lock " + path + ": " + e.getMessage(), e);
        }
    }

    private void release(final FileLock lock)
    {
        try
        {
            lock.release();
        }
        catch (final IOException e)
        {
            throw new StoreIoException("cannot unlock " + path + ": " + e.getMessage(), e);
        }
    }
}
