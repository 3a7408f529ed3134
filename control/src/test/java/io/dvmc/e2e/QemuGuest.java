package io.dvmc.e2e;

import io.dvmc.lab.Await;
import io.dvmc.lab.Prerequisites;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A QEMU guest (TCG) whose one NIC, a virtio-net device, is a vhost-user client of a dvmc dataplane's
 * {@code net_vhost} port. It boots the kernel and busybox of deploy/guest-image.sh with an initramfs built here
 * (resources io/dvmc/e2e/guest) and {@code ip=dhcp}; its serial console is QEMU's stdio: what the guest reports
 * ("dvmc-guest ..." lines) lands in serial.log, and {@link #command} types a line into the guest.
 */
final class QemuGuest implements AutoCloseable
{
    static final String QEMU = "qemu-system-x86_64";
    static final Path IMAGE_DIR = Path.of(Optional.ofNullable(System.getenv("DVMC_GUEST_DIR"))
        .orElse("/var/cache/dvmc/guest"));
    private static final String REPORT = "dvmc-guest ";

    /** What the guest's udhcpc hook printed after applying a lease: its own view of eth0 and its default route. */
    record Report(String event, String address, String router, String server)
    {
        static Optional<Report> parse(final String line)
        {
            final int at = line.indexOf(REPORT);
            if (at < 0)
            {
                return Optional.empty();
            }
            final String[] words = line.substring(at + REPORT.length()).trim().split("\\s+");
            return Optional.of(new Report(words[0], value(words, "address"), value(words, "router"),
                value(words, "server")));
        }

        private static String value(final String[] words, final String key)
        {
            for (final String word : words)
            {
                if (word.startsWith(key + "="))
                {
                    return word.substring(key.length() + 1);
                }
            }
            return "";
        }
    }

    private final Process process;
    private final Path serial;
    private final OutputStream console;

    private QemuGuest(final Process process, final Path serial)
    {
        this.process = process;
        this.serial = serial;
        this.console = process.getOutputStream();
    }

    /** Fails in CI, skips elsewhere, unless QEMU and the guest's kernel and busybox are installed. */
    static void requirePrerequisites()
    {
        Prerequisites.require("command '" + QEMU + "' (apt-get install qemu-system-x86)",
            Prerequisites.hasCommand(QEMU));
        Prerequisites.require("the guest kernel and busybox in " + IMAGE_DIR + " (bash deploy/guest-image.sh)",
            Files.isRegularFile(IMAGE_DIR.resolve("modules.order")));
    }

    /**
     * Boots a guest in {@code dir} whose NIC has {@code mac} and connects, as vhost-user client, to the dataplane's
     * socket {@code vhostSocket}; QEMU reconnects to it every second when the dataplane goes away. With
     * {@code eventIndex} the NIC offers virtio's event index (as by default), by which the dataplane tells the guest
     * from which frame on to kick a queue; without it, the dataplane turns the guest's kicks on and off with a flag.
     */
    static QemuGuest boot(final Path dir, final Path vhostSocket, final String mac, final boolean eventIndex)
        throws IOException
    {
        final Path initramfs = dir.resolve("initramfs.cpio");
        writeInitramfs(initramfs);
        final Path serial = dir.resolve("serial.log");
        final List<String> command = new ArrayList<>(List.of(QEMU,
            "-accel", "tcg", "-m", "256M", "-smp", "1", "-nodefaults", "-display", "none", "-no-reboot",
            // vhost-user: the backend maps all guest memory, so it must be a shared, fd-backed region.
            "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem",
            "-kernel", IMAGE_DIR.resolve("vmlinuz").toString(), "-initrd", initramfs.toString(),
            "-append", "console=ttyS0 ip=dhcp panic=-1 quiet",
            "-chardev", "stdio,id=console,signal=off", "-serial", "chardev:console",
            "-chardev", "socket,id=vhost,path=" + vhostSocket + ",reconnect=1",
            "-netdev", "vhost-user,id=net0,chardev=vhost",
            // vectors=0: without MSI-X (INTx only); with it, QEMU 7.2 crashes under TCG.
            "-device", "virtio-net-pci,netdev=net0,mac=" + mac + ",vectors=0,event_idx=" +
                (eventIndex ? "on" : "off")));
        final Process process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(serial.toFile()))
            .start();
        return new QemuGuest(process, serial);
    }

    private static void writeInitramfs(final Path file) throws IOException
    {
        try (CpioArchive cpio = new CpioArchive(file))
        {
            for (final String d : List.of("bin", "dev", "modules", "proc", "run", "sys"))
            {
                cpio.directory(d);
            }
            cpio.file("bin/busybox", 0755, Files.readAllBytes(IMAGE_DIR.resolve("busybox")));
            cpio.file("init", 0755, resource("init"));
            cpio.file("udhcpc.script", 0755, resource("udhcpc.script"));
            final byte[] order = Files.readAllBytes(IMAGE_DIR.resolve("modules.order"));
            cpio.file("modules.order", 0644, order);
            for (final String module : new String(order, StandardCharsets.US_ASCII).trim().split("\\s+"))
            {
                cpio.file("modules/" + module + ".ko", 0644,
                    Files.readAllBytes(IMAGE_DIR.resolve("modules").resolve(module + ".ko")));
            }
        }
    }

    private static byte[] resource(final String name) throws IOException
    {
        try (InputStream in = QemuGuest.class.getResourceAsStream("guest/" + name))
        {
            if (in == null)
            {
                throw new IOException("no test resource io/dvmc/e2e/guest/" + name);
            }
            return in.readAllBytes();
        }
    }

    /** Every report the guest made so far, oldest first. */
    List<Report> reports()
    {
        return console().lines().map(Report::parse).flatMap(Optional::stream).toList();
    }

    /**
     * Waits for the guest's {@code n}-th report (counted from 1) of {@code event}; fails with the guest's status, its
     * console and {@code context} (what the host saw).
     */
    Report awaitReport(final String event, final int n, final Duration timeout, final Supplier<String> context)
        throws IOException
    {
        if (!Await.within(timeout, () -> !process.isAlive() || count(event) >= n) || count(event) < n)
        {
            if (process.isAlive())
            {
                command("status");
                Await.within(Duration.ofSeconds(5), () -> console().contains("dvmc-guest status end"));
            }
            throw new AssertionError("no report " + n + " of '" + event + "' from the guest within " + timeout +
                " (QEMU " + (process.isAlive() ? "running" : "exited") + "); " + context.get() + "\nconsole:\n" +
                console());
        }
        return reports().stream().filter(r -> r.event().equals(event)).skip(n - 1).findFirst().orElseThrow();
    }

    private long count(final String event)
    {
        return reports().stream().filter(r -> r.event().equals(event)).count();
    }

    /** Types one line on the guest's serial console. */
    void command(final String line) throws IOException
    {
        console.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        console.flush();
    }

    /** What the guest printed on its serial console, and QEMU's own messages. */
    String console()
    {
        try
        {
            return Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        }
        catch (final IOException ex)
        {
            return "(cannot read " + serial + ": " + ex.getMessage() + ")";
        }
    }

    @Override
    public void close()
    {
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
