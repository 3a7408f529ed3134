package io.dvmc.bench.jmh;

import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The two reads every frame gets before any answer: the classifier (Ethernet, VLAN, IPv4, UDP, the port pair) and
 * the DHCP parse with its strict option walk. The reference in the same run reads the frame's last word, what a
 * loop that only touches the frame costs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class FrameBenchmark
{
    @Param({"udhcpc-request-renewing", "dhclient-request-selecting"})
    public String capture;

    private int length;
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView view = new FrameView();
    private final DhcpPacket dhcp = new DhcpPacket();

    @Setup
    public void setUp() throws IOException
    {
        final byte[] original = Files.readAllBytes(JmhCaptures.path(capture));
        frame.putBytes(0, original);
        length = original.length;
    }

    @Benchmark
    public int classify()
    {
        return classifier.classify(frame, 0, length, view);
    }

    /** Classify, then wrap the DHCP payload and walk every option as the fast path does before it answers. */
    @Benchmark
    public int classifyAndParse()
    {
        classifier.classify(frame, 0, length, view);
        dhcp.wrap(frame, view.payloadOffset(), view.payloadLength());
        return dhcp.validate() + dhcp.messageType();
    }

    @Benchmark
    public int touchFrameReference()
    {
        return frame.getInt(length - 4);
    }
}
