package io.dvmc.lease;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A progress counter in a mapped file: a child bumps it inside its loop, the test waits for a target and kills.
 * Killing right after reading a line from the child would instead hit it at the same spot every time (right
 * after its write to the pipe, where waking the reader tends to preempt it).
 */
final class SharedCounter implements AutoCloseable
{
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;

    private SharedCounter(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    static SharedCounter create(final Path file)
    {
        return new SharedCounter(IoUtil.mapNewFile(file.toFile(), Long.BYTES));
    }

    static SharedCounter open(final Path file)
    {
        return new SharedCounter(IoUtil.mapExistingFile(file.toFile(), "counter"));
    }

    void set(final long value)
    {
        buffer.putLongOrdered(0, value);
    }

    long get()
    {
        return buffer.getLongVolatile(0);
    }

    /** Waits until the counter reaches {@code target}. */
    void awaitAtLeast(final long target, final Duration deadline)
    {
        final long end = System.nanoTime() + deadline.toNanos();
        while (get() < target)
        {
            if (System.nanoTime() - end > 0)
            {
                throw new AssertionError("counter at " + get() + ", not " + target + ", after " + deadline);
            }
            LockSupport.parkNanos(20_000);
        }
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
