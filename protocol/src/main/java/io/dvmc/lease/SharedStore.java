package io.dvmc.lease;

import java.nio.file.Path;
import java.time.Duration;

/** The lifecycle the host stores share, over one {@link SharedMapFile}; subclasses add the typed reads and writes. */
public abstract class SharedStore implements AutoCloseable
{
    final SharedMapFile file;

    SharedStore(final SharedMapFile file)
    {
        this.file = file;
    }

    public long size()
    {
        return file.map().size();
    }

    /** See {@link SharedMapFile#recover}. Writer only. */
    public void recover(final Duration deadline)
    {
        file.recover(deadline);
    }

    /**
     * See {@link SharedMapFile#lockedSegments}: the agent's probe (it briefly takes each segment's write lock), used
     * on HELLO to decide whether a recovery cycle is needed.
     */
    public int lockedSegments(final Duration waitPerSegment)
    {
        return file.lockedSegments(waitPerSegment);
    }

    public StoreGuard guard()
    {
        return file.guard();
    }

    public Path file()
    {
        return file.file();
    }

    /** The underlying map, for tests and tools. */
    public FixedRecordMap map()
    {
        return file.map();
    }

    /** Unmaps and releases the locks: a reader's answer to YIELD. */
    @Override
    public void close()
    {
        file.close();
    }
}
