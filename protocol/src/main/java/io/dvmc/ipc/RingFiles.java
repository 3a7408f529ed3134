package io.dvmc.ipc;

import io.dvmc.config.IoFaults;
import io.dvmc.wake.SharedDoorbell;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The two rings between the dataplane and the agent of one host, laid over memory-mapped files in the host's
 * state directory as Aeron lays its IPC: {@code to-agent.ring} (dataplane to agent, the slow path) and
 * {@code to-dataplane.ring} (agent to dataplane: frames to transmit, store hand-over).
 *
 * <p>Either process may start first, so both map-or-create the files at the same fixed size. A zero-filled
 * file is a valid empty ring. The rings are many-to-one so that a consumer can {@code unblock()} a record
 * left claimed but never committed by a producer killed with -9.
 *
 * <p>An agent that sleeps while {@code to-agent.ring} is empty is woken through {@code to-agent.wake}, a FIFO
 * ({@link SharedDoorbell}); the word that says it sleeps lies in the ring's trailer, in the padding before the tail
 * position, which the ring itself never touches. A dataplane that sleeps ({@code idle: wait}) is woken for
 * {@code to-dataplane.ring} the same way, through {@code to-dataplane.wake}.
 */
public final class RingFiles implements AutoCloseable
{
    public static final String TO_AGENT = "to-agent.ring";
    public static final String TO_DATAPLANE = "to-dataplane.ring";
    public static final String TO_AGENT_WAKE = "to-agent.wake";
    public static final String TO_DATAPLANE_WAKE = "to-dataplane.wake";
    public static final int DEFAULT_CAPACITY = 4 * 1024 * 1024;
    /** In the trailer, before the tail position: Agrona's padding. */
    private static final int WAKE_WORD_TRAILER_OFFSET = 0;

    static
    {
        if (RingBufferDescriptor.TAIL_POSITION_OFFSET < WAKE_WORD_TRAILER_OFFSET + Integer.BYTES)
        {
            throw new IllegalStateException("the ring's trailer has no padding for the wake word");
        }
    }

    private final Path stateDir;

    private final MappedByteBuffer toAgentMap;
    private final MappedByteBuffer toDataplaneMap;
    private final ManyToOneRingBuffer toAgent;
    private final ManyToOneRingBuffer toDataplane;

    private RingFiles(final Path stateDir, final MappedByteBuffer toAgentMap, final MappedByteBuffer toDataplaneMap)
    {
        this.stateDir = stateDir;
        this.toAgentMap = toAgentMap;
        this.toDataplaneMap = toDataplaneMap;
        this.toAgent = new ManyToOneRingBuffer(new UnsafeBuffer(toAgentMap));
        this.toDataplane = new ManyToOneRingBuffer(new UnsafeBuffer(toDataplaneMap));
    }

    public static RingFiles open(final Path stateDir)
    {
        return open(stateDir, DEFAULT_CAPACITY);
    }

    /** @param capacity data capacity of each ring, a power of two. */
    public static RingFiles open(final Path stateDir, final int capacity)
    {
        final long length = capacity + RingBufferDescriptor.TRAILER_LENGTH;
        try
        {
            IoFaults.createStateDirectory(stateDir);
            return new RingFiles(stateDir, map(stateDir.resolve(TO_AGENT), length),
                map(stateDir.resolve(TO_DATAPLANE), length));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot map rings in " + stateDir + ": " + IoFaults.reason(ex), ex);
        }
    }

    private static MappedByteBuffer map(final Path file, final long length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final long size = channel.size();
            if (size != 0 && size != length)
            {
                throw new IOException(file + " has " + size + " bytes, expected " + length +
                    ": a ring of another capacity; remove it while both processes are stopped");
            }
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
    }

    public ManyToOneRingBuffer toAgent()
    {
        return toAgent;
    }

    public ManyToOneRingBuffer toDataplane()
    {
        return toDataplane;
    }

    /** The agent's side of the doorbell of {@code to-agent.ring}: makes and opens the FIFO. */
    public SharedDoorbell toAgentWaiter() throws IOException
    {
        return SharedDoorbell.waiter(stateDir.resolve(TO_AGENT_WAKE), toAgent.buffer(), wakeWordOffset(toAgent));
    }

    /** A producer's side of the doorbell of {@code to-agent.ring}, one per producing thread. */
    public SharedDoorbell toAgentRinger()
    {
        return SharedDoorbell.ringer(stateDir.resolve(TO_AGENT_WAKE), toAgent.buffer(), wakeWordOffset(toAgent));
    }

    /** The dataplane's side of the doorbell of {@code to-dataplane.ring}: makes and opens the FIFO. */
    public SharedDoorbell toDataplaneWaiter() throws IOException
    {
        return SharedDoorbell.waiter(stateDir.resolve(TO_DATAPLANE_WAKE), toDataplane.buffer(),
            wakeWordOffset(toDataplane));
    }

    /** The agent's side of the doorbell of {@code to-dataplane.ring}, one per producing thread. */
    public SharedDoorbell toDataplaneRinger()
    {
        return SharedDoorbell.ringer(stateDir.resolve(TO_DATAPLANE_WAKE), toDataplane.buffer(),
            wakeWordOffset(toDataplane));
    }

    private static int wakeWordOffset(final ManyToOneRingBuffer ring)
    {
        return ring.capacity() + WAKE_WORD_TRAILER_OFFSET;
    }

    public void close()
    {
        IoUtil.unmap(toAgentMap);
        IoUtil.unmap(toDataplaneMap);
    }
}
