package io.dvmc.bench.jmh;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.dhcp.DhcpOption;
import io.dvmc.dhcp.DhcpPacket;
import io.dvmc.dhcp.OptionWriter;
import io.dvmc.frame.FrameClassifier;
import io.dvmc.frame.FrameView;
import io.dvmc.lease.DomainRecord;
import io.dvmc.reply.ReplyBuilder;
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
import java.util.concurrent.TimeUnit;

/**
 * The per-frame work of the fast path without DPDK or the store: classify a real client frame, parse its DHCP,
 * and write the DHCPACK over it in place, by the reference writer and from a reply template. The reference, in the
 * same run, is copying the frame back into place ({@link #copyFrameReference}), the least any in-place answer must
 * do.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ReplyBenchmark
{
    @Param({"udhcpc-request-renewing", "dhclient-request-selecting"})
    public String capture;

    private byte[] original;
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final FrameClassifier classifier = new FrameClassifier();
    private final FrameView view = new FrameView();
    private final DhcpPacket dhcp = new DhcpPacket();
    private final ReplyBuilder replies = new ReplyBuilder();
    private final ReplyBuilder templated = ReplyBuilder.withTemplates(16);
    private final DomainRecord domain = new DomainRecord();

    @Setup
    public void setUp() throws IOException
    {
        original = Files.readAllBytes(JmhCaptures.path(capture));
        final UnsafeBuffer options = new UnsafeBuffer(new byte[128]);
        final OptionWriter writer = new OptionWriter().wrap(options, 0, options.capacity());
        writer.putInt(DhcpOption.SUBNET_MASK, 0xFFFF_FF00);
        writer.putInt(DhcpOption.ROUTER, 0xC000_0201);
        writer.putIpList(DhcpOption.DOMAIN_NAME_SERVER, new int[]{0xC000_0235}, 1);
        writer.putShort(DhcpOption.INTERFACE_MTU, 1450);
        domain.clear().domainId(100).version(1).serverIp(0xC000_0201).serverMac(0x0244_0000_0064L)
            .subnetMask(0xFFFF_FF00).vmLeaseSeconds(600).options(options, 0, writer.length()).seal();
    }

    @Benchmark
    public int classifyParseAndAnswerInPlace()
    {
        frame.putBytes(0, original);
        classifier.classify(frame, 0, original.length, view);
        dhcp.wrap(frame, view.payloadOffset(), view.payloadLength());
        return replies.build(frame, frame.capacity(), view, dhcp, DhcpMessageType.ACK, 0xC000_0293, 600, domain);
    }

    /** The same from a reply template: what the dataplane's worker does once a template was built. */
    @Benchmark
    public int classifyParseAndAnswerFromTemplate()
    {
        frame.putBytes(0, original);
        classifier.classify(frame, 0, original.length, view);
        dhcp.wrap(frame, view.payloadOffset(), view.payloadLength());
        return templated.build(frame, frame.capacity(), view, dhcp, DhcpMessageType.ACK, 0xC000_0293, 600, domain);
    }

    @Benchmark
    public int copyFrameReference()
    {
        frame.putBytes(0, original);
        return frame.getInt(original.length - 4);
    }
}
