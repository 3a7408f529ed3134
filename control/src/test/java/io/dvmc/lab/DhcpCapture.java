package io.dvmc.lab;

import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.port.PcapFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * tcpdump on a VM's interface, inside the VM's namespace: the DHCP frames exactly as they left and reached the VM,
 * for what only the wire shows (a RENEWING REQUEST is unicast to the server's MAC and address, a REBINDING one is
 * broadcast, INIT-REBOOT names no server). Frames a netfilter egress hook drops never reach the capture point.
 * The capture stops with the lab.
 */
public final class DhcpCapture
{
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int UDP = 17;

    /** One DHCP frame; addresses dotted, absent options null, {@code type} the DHCP message type (option 53). */
    public record Frame(int index, String ethDst, String ipDst, int op, int type, String ciaddr, String yiaddr,
        String requested, String serverId)
    {
        public boolean ethBroadcast()
        {
            return "ff:ff:ff:ff:ff:ff".equals(ethDst);
        }

        @Override
        public String toString()
        {
            return "#" + index + " " + DhcpMessageType.name(type) + " to " + ipDst + " (" + ethDst + ") ciaddr " +
                ciaddr + " yiaddr " + yiaddr + " requested " + requested + " server " + serverId;
        }
    }

    private final Path file;
    private final Process tcpdump;
    private final Path log;
    private List<Frame> last = List.of();

    private DhcpCapture(Path file, Process tcpdump, Path log)
    {
        this.file = file;
        this.tcpdump = tcpdump;
        this.log = log;
    }

    /** Starts capturing DHCP on {@code vm}'s interface and returns once tcpdump listens. */
    public static DhcpCapture start(NetnsLab lab, NetnsLab.Vm vm)
    {
        Path file = lab.workDir().resolve("dhcp-" + vm.index() + ".pcap");
        Path log = lab.workDir().resolve("tcpdump-" + vm.index() + ".log");
        Process p = lab.spawn(vm.ns(), log, "tcpdump", "-i", vm.ifname(), "-U", "-n", "-s", "0", "-w",
            file.toString(), "udp port 67 or udp port 68");
        Waits.until(lab.workDir(), () -> Exec.logOf(log).contains("listening on"), Duration.ofSeconds(20), p::isAlive);
        if (!Exec.logOf(log).contains("listening on"))
        {
            throw new LabException("tcpdump in " + vm.ns() + " did not start: " + Exec.logOf(log));
        }
        return new DhcpCapture(file, p, log);
    }

    /** Every DHCP frame captured so far, in order; while tcpdump is mid-record, what the last complete look saw. */
    public synchronized List<Frame> frames()
    {
        List<byte[]> raw;
        try
        {
            raw = PcapFile.read(file);
        }
        catch (IOException e)
        {
            return last;
        }
        List<Frame> frames = new ArrayList<>();
        for (byte[] f : raw)
        {
            Frame parsed = parse(frames.size(), f);
            if (parsed != null)
            {
                frames.add(parsed);
            }
        }
        last = List.copyOf(frames);
        return last;
    }

    /**
     * Waits for the first frame after index {@code after} that {@code match} accepts; fails naming {@code what} and
     * listing what was captured.
     */
    public Frame await(String what, int after, Predicate<Frame> match, Duration timeout)
    {
        Frame[] found = new Frame[1];
        Waits.until(file.getParent(), () -> {
            for (Frame f : frames())
            {
                if (f.index() > after && match.test(f))
                {
                    found[0] = f;
                    return true;
                }
            }
            return false;
        }, timeout, tcpdump::isAlive);
        if (found[0] == null)
        {
            throw new AssertionError("no " + what + " on the wire within " + timeout.toSeconds() + " s; captured:\n  " +
                String.join("\n  ", frames().stream().map(Frame::toString).toList()) + "\n" + Exec.logOf(log));
        }
        return found[0];
    }

    /** Ethernet, IPv4, UDP, BOOTP with the DHCP magic cookie; anything else is null. */
    static Frame parse(int index, byte[] f)
    {
        ByteBuffer b = ByteBuffer.wrap(f);
        if (f.length < 14 + 20 + 8 + 240 || (b.getShort(12) & 0xffff) != ETHERTYPE_IPV4)
        {
            return null;
        }
        int ip = 14;
        int ihl = (b.get(ip) & 0x0f) * 4;
        if ((b.get(ip + 9) & 0xff) != UDP)
        {
            return null;
        }
        int dhcp = ip + ihl + 8;
        if (dhcp + 240 > f.length || b.getInt(dhcp + 236) != 0x63825363)
        {
            return null;
        }
        int type = 0;
        String requested = null;
        String serverId = null;
        for (int o = dhcp + 240; o < f.length && (f[o] & 0xff) != 255;)
        {
            int code = f[o] & 0xff;
            if (code == 0)
            {
                o++;
                continue;
            }
            if (o + 1 >= f.length || o + 2 + (f[o + 1] & 0xff) > f.length)
            {
                break;
            }
            int len = f[o + 1] & 0xff;
            switch (code)
            {
                case 53 -> type = f[o + 2] & 0xff;
                case 50 -> requested = len == 4 ? dotted(b, o + 2) : null;
                case 54 -> serverId = len == 4 ? dotted(b, o + 2) : null;
                default -> {
                }
            }
            o += 2 + len;
        }
        return new Frame(index, mac(f), dotted(b, ip + 16), f[dhcp] & 0xff, type, dotted(b, dhcp + 12),
            dotted(b, dhcp + 16), requested, serverId);
    }

    private static String dotted(ByteBuffer b, int at)
    {
        return (b.get(at) & 0xff) + "." + (b.get(at + 1) & 0xff) + "." + (b.get(at + 2) & 0xff) + "." +
            (b.get(at + 3) & 0xff);
    }

    private static String mac(byte[] f)
    {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", f[0], f[1], f[2], f[3], f[4], f[5]);
    }

}
