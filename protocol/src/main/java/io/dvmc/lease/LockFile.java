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
    private final SharedByte access = new SharedByte(ACCESS, "access");
    private FileLock writer;
    private final SharedByte walk = new SharedByte(WALKER, "walker");

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
        return access.tryShared();
    }

    synchronized void releaseShared()
    {
        access.releaseShared();
    }

    synchronized boolean tryExclusive()
    {
        return access.tryExclusive();
    }

    synchronized void releaseExclusive()
    {
        access.releaseExclusive();
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
        return walk.tryShared();
    }

    synchronized void releaseWalkerShared()
    {
        walk.releaseShared();
    }

    /** Fails at once while a reader in this JVM or another process walks the map. */
    synchronized boolean tryWalkerExclusive()
    {
        return walk.tryExclusive();
    }

    synchronized void releaseWalkerExclusive()
    {
        walk.releaseExclusive();
    }

    /** Whether any reader, in this JVM or another process, holds the access byte shared. */
    synchronized boolean sharedHeldElsewhere()
    {
        if (access.holders > 0)
        {
            return true;
        }
        if (access.exclusive)
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

    /**
     * A byte locked shared by any number of holders in this JVM (one OS lock among them) or exclusive by one. Used
     * under the file's monitor.
     */
    private final class SharedByte
    {
        private final long position;
        private final String name;
        private int holders;
        private FileLock lock;
        private boolean exclusive;

        SharedByte(final long position, final String name)
        {
            this.position = position;
            this.name = name;
        }

        boolean tryShared()
        {
            if (exclusive)
            {
                return false;
            }
            if (holders == 0)
            {
                lock = tryLock(position, true);
                if (lock == null)
                {
                    return false;
                }
            }
            holders++;
            return true;
        }

        void releaseShared()
        {
            if (holders <= 0)
            {
                throw new IllegalStateException("no shared " + name + " lock held on " + path);
            }
            if (--holders == 0)
            {
                release(lock);
                lock = null;
            }
        }

        boolean tryExclusive()
        {
            if (exclusive || holders > 0)
            {
                return false;
            }
            lock = tryLock(position, false);
            exclusive = lock != null;
            return exclusive;
        }

        void releaseExclusive()
        {
            if (!exclusive)
            {
                throw new IllegalStateException("no exclusive " + name + " lock held on " + path);
            }
            release(lock);
            lock = null;
            exclusive = false;
        }
    }
}
