package io.dvmc.e2e;

import io.dvmc.config.Addresses;
import io.dvmc.dhcp.DhcpMessageType;
import io.dvmc.lab.Dnsmasq;
import io.dvmc.lab.Exec;
import io.dvmc.lab.Kea;
import io.dvmc.lab.NetnsLab;
import io.dvmc.lab.Prerequisites;
import io.dvmc.lab.RawLink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same crafted DHCP frames, sent from a VM's link, to dvmc (through its DPDK dataplane, net_af_packet on the
 * VM's veth) and, on the same topology, to Kea and dnsmasq, each serving a veth of a namespace of its own: where
 * the RFCs say what a server does, dvmc does it (each {@link Probe#asserted} rule); what every server did is written
 * to {@code target/rfc-comparison.md} (docs/conformance.md), Kea's and dnsmasq's not asserted, as their behaviour
 * is not ours to pin.
 */
class RfcComparisonTest
{
    private static final String SERVER = "10.0.0.1";
    private static final int SERVER_IP = Addresses.parseIpv4(SERVER);
    private static final int OTHER_SERVER = Addresses.parseIpv4("10.0.0.99");
    private static final Duration SILENCE = Duration.ofSeconds(3);
    private static final Duration ANSWER = Duration.ofSeconds(12);
    private static final Duration RESTART = Duration.ofSeconds(90);
    private static final Duration START = Duration.ofSeconds(30);
    private static final int[] SPLIT_FIRST = {1, 3, 6, 15};
    private static final int[] SPLIT_SECOND = {26, 42, 119};
    /** Every option the domain configures: with all of them the reply would not fit in 576 octets. */
    private static final int[] LONG_LIST = {1, 3, 6, 15, 26, 42, 119, 121};
    private static final List<String> SEARCH = List.of("alpha-engineering-one.example", "bravo-operations-two.test",
        "charlie-research-three.invalid", "delta-platform-four.internal", "echo-storage-five.lan",
        "foxtrot-network-six.home");
    private static final List<String> NTP = List.of("10.0.0.121", "10.0.0.122", "10.0.0.123", "10.0.0.124");
    private static final List<String> DNS = List.of("10.0.0.53", "10.0.0.54");
    private static final int ROUTES = 8;
    /** Option 61 of type 0 (RFC 2132 §9.14: not a hardware address): "vm-a". */
    private static final int[] CLIENT_ID_VALUE = {0, 'v', 'm', '-', 'a'};

    /** What the RFC says and whether a server did it; {@code conforms} null where the RFC leaves the choice open. */
    record Verdict(String observed, Boolean conforms)
    {
        String cell()
        {
            return (conforms == null ? "" : conforms ? "✅ " : "❌ ") + observed;
        }
    }

    enum Probe
    {
        SELECTING_OTHER_SERVER("REQUEST (SELECTING) naming another server, after our OFFER",
            "RFC 2131 §3.1 step 3: servers not selected \"use the message as notification that the client has " +
                "declined that server's offer\" (silent)",
            true), INIT_REBOOT_UNKNOWN("INIT-REBOOT (50 = 10.0.0.150, no 54, ciaddr 0) from a client never seen",
                "RFC 2131 §4.3.2: \"If the DHCP server has no record of this client, then it MUST remain silent\"",
                true), INIT_REBOOT_WRONG_NETWORK(
                    "INIT-REBOOT for 192.168.77.5 (not this subnet) from a client never seen",
                    "RFC 2131 §4.3.2: \"Server SHOULD send a DHCPNAK message to the client if the 'requested IP address' " +
                        "is incorrect, or is on the wrong network\"",
                    false), SPLIT_PRL("DISCOVER, 55 = [1 3 6 15] then a second 55 = [26 42 119]",
                        "RFC 3396 §7: every instance of an option is concatenated; options asked in the 2nd 55 are sent",
                        true), ONE_PRL("(control) DISCOVER, one 55 = [1 3 6 15 26 42 119]", "RFC 2132 §9.8",
                            false), BAD_UDP_CHECKSUM("DISCOVER with a bad UDP checksum (then the same with a good one)",
                                "RFC 1122 §4.1.3.4: a UDP datagram with a bad checksum is discarded",
                                true), BOOTP("BOOTREQUEST without option 53, magic cookie only",
                                    "RFC 1534 §2: a DHCP server MAY answer BOOTP clients (dynamically: §2.1); never with option 53",
                                    false), DURABLE_DECLINE(
                                        "DECLINE of an ACKed address, server restarted, another client DISCOVERs asking (50) for it",
                                        "RFC 2131 §4.3.3: the server \"MUST mark the network address as not available\"",
                                        true), MAX_SIZE(
                                            "DISCOVER with 57 = 576 and 55 asking every configured option (~600 octets of reply)",
                                            "RFC 2132 §9.10: the client's maximum DHCP message size; RFC 2131 §2: 576-octet IP datagram",
                                            true), NO_MAX_SIZE("the same DISCOVER without 57",
                                                "RFC 2131 §2: a client \"must be prepared to receive a message of up to 576 octets\" (no more)",
                                                true), LARGE_MAX_SIZE("(control) the same DISCOVER with 57 = 1500",
                                                    "RFC 2132 §9.10", false), FOREIGN_RELEASE(
                                                        "RELEASE of client A's address sent by client B (its own MAC and chaddr, A's ciaddr)",
                                                        "RFC 2131 §4.2: a lease is identified by client id or chaddr with the address; B holds none",
                                                        true), TAKEN_ADDRESS(
                                                            "REQUEST (SELECTING, 54 = the server) from client B for the address client A holds",
                                                            "RFC 2131 §3.1 (4): a server \"unable to satisfy the DHCPREQUEST message (e.g., the requested network " +
                                                                "address has been allocated)\" SHOULD respond with a DHCPNAK; never an ACK",
                                                            true), UNOFFERED_ADDRESS(
                                                                "REQUEST (SELECTING, 54 = the server) for a free address never offered to the client " +
                                                                    "(as after its offer expired)",
                                                                "RFC 2131 §3.1 (4): the selected server answers: DHCPACK, or DHCPNAK if it cannot satisfy it",
                                                                true), CLIENT_ID(
                                                                    "a client bound with client id 61 comes back with the same 61 from another MAC (one VM)",
                                                                    "RFC 2131 §4.2 and RFC 2132 §9.14: the lease is keyed on the client identifier when present",
                                                                    true);

        final String frames;
        final String rule;
        /**
         * Whether dvmc is held to the rule by this test: not for controls and rules that leave the choice open.
         */
        final boolean asserted;

        Probe(final String frames, final String rule, final boolean asserted)
        {
            this.frames = frames;
            this.rule = rule;
            this.asserted = asserted;
        }
    }

    /** A server under comparison, reached from a VM's link. */
    private interface Target extends AutoCloseable
    {
        RawLink link();

        void restart() throws Exception;

        @Override
        void close();
    }

    @TempDir
    Path dir;

    @Test
    void dvmcFollowsTheRfcsWhereTheyBindAServerAndKeaAndDnsmasqAreMeasuredOnTheSameFrames() throws Exception
    {
        Prerequisites.requireRoot();
        Prerequisites.requireCommands("ip", "ss", "unshare", "kea-dhcp4", "dnsmasq");
        final Map<String, Map<Probe, Verdict>> columns = new LinkedHashMap<>();
        columns.put("dvmc", measure(this::dvmc));
        columns.put("Kea 2.2 (default)", measure(() -> kea(false)));
        columns.put("Kea 2.2 (authoritative)", measure(() -> kea(true)));
        final String dnsmasq = dnsmasqVersion();
        columns.put(dnsmasq + " (default)", measure(() -> dnsmasq(false)));
        columns.put(dnsmasq + " (--dhcp-authoritative)", measure(() -> dnsmasq(true)));
        final Path report = Path.of("target", "rfc-comparison.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, table(columns));

        final Map<Probe, Verdict> dvmc = columns.get("dvmc");
        final List<Executable> checks = new ArrayList<>();
        for (final Probe probe : Probe.values())
        {
            if (probe.asserted)
            {
                checks.add(() -> assertEquals(Boolean.TRUE, dvmc.get(probe).conforms(),
                    probe + ": " + probe.rule + "; dvmc: " + dvmc.get(probe).observed()));
            }
        }
        assertAll(checks);
    }

    private interface Launch
    {
        Target start() throws Exception;
    }

    private static Map<Probe, Verdict> measure(final Launch launch) throws Exception
    {
        try (Target target = launch.start())
        {
            return new Prober(target).all();
        }
    }

    // ---- the servers ----

    private Target dvmc() throws Exception
    {
        final NetnsLab lab = NetnsLab.create(1);
        final NetnsLab.Vm vm = lab.vm(0);
        final List<DvmcHost.Binding> bindings = new ArrayList<>();
        for (int i = 1; i <= Prober.CLIENTS; i++)
        {
            final String mac = Prober.mac(i);
            // Clients 18 and 19 are one VM whose MAC changed.
            final String vmId = i == 19 ? Prober.mac(18) : mac;
            bindings.add(new DvmcHost.Binding("vm0", mac, 100, UUID.nameUUIDFromBytes(vmId.getBytes()).toString()));
        }
        final DvmcHost host = new DvmcHost(dir.resolve("dvmc"), List.of(new DvmcHost.Port("vm0", lab.afPacketVdev(vm))),
            bindings, lab.hostNs());
        host.domains(List.of(dvmcDomain()));
        host.start();
        final RawLink link = RawLink.open(vm.ns(), vm.ifname());
        return new Target()
        {
            public RawLink link()
            {
                return link;
            }

            public void restart() throws Exception
            {
                host.service().close();
                host.startService();
            }

            public void close()
            {
                link.close();
                host.close();
                lab.close();
            }
        };
    }

    private static String dvmcDomain()
    {
        final String routes = IntStream.rangeClosed(1, ROUTES)
            .mapToObj(n -> "{ \"destination\": \"10.1." + n + ".0/24\", \"gateway\": \"10.0.0.2\" }")
            .collect(Collectors.joining(", "));
        return "{ \"id\": 100, \"name\": \"blue\", \"subnet\": \"10.0.0.0/24\", \"router\": \"" + SERVER + "\"," +
            " \"pools\": [ { \"start\": \"10.0.0.100\", \"end\": \"10.0.0.199\" } ], \"dns\": " + json(DNS) + "," +
            " \"domainName\": \"blue.example\", \"searchList\": " + json(SEARCH) + ", \"mtu\": 1450," +
            " \"staticRoutes\": [ " + routes + " ], \"ntp\": " + json(NTP) + ", \"leaseSeconds\": 600 }";
    }

    private static String json(final List<String> values)
    {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ", "[ ", " ]"));
    }

    /** A lab whose VM's veth peer has the server's address, for a server that uses the kernel's stack. */
    private static NetnsLab serverLab()
    {
        final NetnsLab lab = NetnsLab.create(1);
        lab.exec(lab.hostNs(), "ip", "addr", "add", SERVER + "/24", "dev", lab.vm(0).hostIf());
        return lab;
    }

    private static Target kea(final boolean authoritative)
    {
        final NetnsLab lab = serverLab();
        final StringBuilder hex = new StringBuilder("00" + hexIp(SERVER));
        for (int n = 1; n <= ROUTES; n++)
        {
            hex.append(String.format("180a01%02x", n)).append(hexIp("10.0.0.2"));
        }
        final String subnet = "{ \"id\": 1, \"subnet\": \"10.0.0.0/24\"," +
            " \"pools\": [ { \"pool\": \"10.0.0.100 - 10.0.0.199\" } ], \"option-data\": [" +
            " { \"name\": \"routers\", \"data\": \"" + SERVER + "\" }," +
            " { \"name\": \"domain-name-servers\", \"data\": \"" + String.join(", ", DNS) + "\" }," +
            " { \"name\": \"domain-name\", \"data\": \"blue.example\" }," +
            " { \"name\": \"domain-search\", \"data\": \"" + String.join(", ", SEARCH) + "\" }," +
            " { \"name\": \"interface-mtu\", \"data\": \"1450\" }," +
            " { \"name\": \"ntp-servers\", \"data\": \"" + String.join(", ", NTP) + "\" }," +
            " { \"code\": 121, \"csv-format\": false, \"data\": \"" + hex + "\" } ] }";
        final Kea kea;
        try
        {
            kea = Kea.start(lab.hostNs(), lab.vm(0).hostIf(), subnet,
                "\"valid-lifetime\": 600, \"authoritative\": " + authoritative + ",", START);
        }
        catch (final RuntimeException ex)
        {
            lab.close();
            throw ex;
        }
        return serverTarget(lab, kea::restart, kea::close);
    }

    private static Target dnsmasq(final boolean authoritative)
    {
        final NetnsLab lab = serverLab();
        final StringBuilder routes = new StringBuilder("0.0.0.0/0," + SERVER);
        for (int n = 1; n <= ROUTES; n++)
        {
            routes.append(",10.1.").append(n).append(".0/24,10.0.0.2");
        }
        final Dnsmasq dnsmasq;
        try
        {
            dnsmasq = Dnsmasq.start(lab.hostNs(), new Dnsmasq.Config(lab.vm(0).hostIf(), "10.0.0.100", "10.0.0.199",
                "255.255.255.0", Duration.ofSeconds(600), SERVER, DNS, 1450, List.of(
                    "--dhcp-option=option:domain-name,blue.example",
                    "--dhcp-option=option:domain-search," + String.join(",", SEARCH),
                    "--dhcp-option=option:ntp-server," + String.join(",", NTP),
                    "--dhcp-option=option:classless-static-route," + routes)),
                START, authoritative);
        }
        catch (final RuntimeException ex)
        {
            lab.close();
            throw ex;
        }
        return serverTarget(lab, dnsmasq::restart, dnsmasq::close);
    }

    private static Target serverTarget(final NetnsLab lab, final java.util.function.Consumer<Duration> restart,
        final Runnable stop)
    {
        final RawLink link = RawLink.open(lab.vm(0).ns(), lab.vm(0).ifname());
        return new Target()
        {
            public RawLink link()
            {
                return link;
            }

            public void restart()
            {
                restart.accept(START);
            }

            public void close()
            {
                link.close();
                stop.run();
                lab.close();
            }
        };
    }

    private static String hexIp(final String ip)
    {
        return String.format("%08x", Addresses.parseIpv4(ip));
    }

    private static String dnsmasqVersion()
    {
        final String out = Exec.run(Duration.ofSeconds(10), "dnsmasq", "--version").output();
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("Dnsmasq version (\\S+)").matcher(out);
        return m.find() ? "dnsmasq " + m.group(1) : "dnsmasq";
    }

    private static String table(final Map<String, Map<Probe, Verdict>> columns)
    {
        final StringBuilder sb = new StringBuilder("| probe | RFC rule (section) | ")
            .append(String.join(" | ", columns.keySet())).append(" |\n|---|---|")
            .append("---|".repeat(columns.size())).append('\n');
        for (final Probe probe : Probe.values())
        {
            sb.append("| ").append(probe.frames).append(" | ").append(probe.rule).append(" |");
            for (final Map<Probe, Verdict> column : columns.values())
            {
                sb.append(' ').append(column.get(probe).cell().replace("|", "/")).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    // ---- the probes ----

    /** Runs every probe against one server, each with clients of its own, and judges what came back. */
    private static final class Prober
    {
        static final int CLIENTS = 22;

        private final Target target;
        private final RawLink link;
        private int xid = 0x5EED0000;

        Prober(final Target target)
        {
            this.target = target;
            this.link = target.link();
        }

        static String mac(final int client)
        {
            return String.format("02:cc:00:00:00:%02x", client);
        }

        Map<Probe, Verdict> all()
        {
            final Map<Probe, Verdict> verdicts = new EnumMap<>(Probe.class);
            for (final Probe probe : Probe.values())
            {
                Verdict verdict;
                try
                {
                    verdict = run(probe);
                }
                catch (final Exception | AssertionError ex)
                {
                    verdict = new Verdict("harness error: " + ex.getMessage(), false);
                }
                verdicts.put(probe, verdict);
            }
            return verdicts;
        }

        private Verdict run(final Probe probe) throws Exception
        {
            return switch (probe)
            {
                case SELECTING_OTHER_SERVER -> selectingOtherServer(mac(1));
                case INIT_REBOOT_UNKNOWN -> initReboot(mac(2), Addresses.parseIpv4("10.0.0.150"), true);
                case INIT_REBOOT_WRONG_NETWORK -> initReboot(mac(3), Addresses.parseIpv4("192.168.77.5"), false);
                case SPLIT_PRL -> requested(ClientFrame.of(mac(4), ++xid, DhcpMessageType.DISCOVER)
                    .option(55, SPLIT_FIRST).option(55, SPLIT_SECOND));
                case ONE_PRL -> requested(ClientFrame.of(mac(5), ++xid, DhcpMessageType.DISCOVER)
                    .option(55, IntStream.concat(IntStream.of(SPLIT_FIRST), IntStream.of(SPLIT_SECOND)).toArray()));
                case BAD_UDP_CHECKSUM -> badChecksum(mac(6));
                case BOOTP -> bootp(mac(7));
                case DURABLE_DECLINE -> durableDecline(mac(8), mac(9), mac(10));
                case MAX_SIZE -> size(ClientFrame.of(mac(11), ++xid, DhcpMessageType.DISCOVER)
                    .option(57, 576 >> 8, 576 & 0xFF).option(55, LONG_LIST), true);
                case NO_MAX_SIZE -> size(ClientFrame.of(mac(12), ++xid, DhcpMessageType.DISCOVER)
                    .option(55, LONG_LIST), true);
                case LARGE_MAX_SIZE -> size(ClientFrame.of(mac(17), ++xid, DhcpMessageType.DISCOVER)
                    .option(57, 1500 >> 8, 1500 & 0xFF).option(55, LONG_LIST), false);
                case FOREIGN_RELEASE -> foreignRelease(mac(13), mac(14), mac(15), mac(16));
                case TAKEN_ADDRESS -> takenAddress(mac(20), mac(21));
                case UNOFFERED_ADDRESS -> unofferedAddress(mac(22));
                case CLIENT_ID -> clientId(mac(18), mac(19));
            };
        }

        private Verdict selectingOtherServer(final String mac)
        {
            final int id = ++xid;
            final ServerReply offer = ask(ClientFrame.of(mac, id, DhcpMessageType.DISCOVER), ANSWER);
            if (offer == null)
            {
                return new Verdict("no OFFER to start from", false);
            }
            final List<ServerReply> replies = listen(ClientFrame.of(mac, id, DhcpMessageType.REQUEST)
                .address(50, offer.yiaddr()).address(54, OTHER_SERVER).build(), id, SILENCE);
            return new Verdict(describe(replies), replies.isEmpty());
        }

        private Verdict initReboot(final String mac, final int requested, final boolean silent)
        {
            final int id = ++xid;
            final List<ServerReply> replies = listen(ClientFrame.of(mac, id, DhcpMessageType.REQUEST)
                .address(50, requested).build(), id, SILENCE);
            return new Verdict(describe(replies),
                silent ? replies.isEmpty() : replies.size() == 1 && replies.get(0).is(DhcpMessageType.NAK));
        }

        private Verdict requested(final ClientFrame discover)
        {
            final ServerReply offer = ask(discover, ANSWER);
            if (offer == null)
            {
                return new Verdict("silent", false);
            }
            final List<Integer> missing = IntStream.of(SPLIT_SECOND).boxed().filter(c -> !offer.options().contains(c))
                .toList();
            return new Verdict(offer + ", options " + offer.options() +
                (missing.isEmpty() ? "" : ": lacks " + missing), missing.isEmpty());
        }

        private Verdict badChecksum(final String mac)
        {
            final int id = ++xid;
            final byte[] discover = ClientFrame.of(mac, id, DhcpMessageType.DISCOVER).build();
            final List<ServerReply> replies = listen(ClientFrame.badUdpChecksum(discover), id, SILENCE);
            final ServerReply good = ask(ClientFrame.of(mac, id, DhcpMessageType.DISCOVER), ANSWER);
            return new Verdict(describe(replies) + "; with a good checksum: " + (good == null ? "silent" : good),
                replies.isEmpty() && good != null);
        }

        private Verdict bootp(final String mac)
        {
            final int id = ++xid;
            final List<ServerReply> replies = listen(ClientFrame.of(mac, id, 0).build(), id, SILENCE);
            return new Verdict(replies.isEmpty() ? "silent" : replies.get(0) + " options " + replies.get(0).options(),
                replies.stream().anyMatch(r -> r.options().contains(53)) ? Boolean.FALSE : null);
        }

        private Verdict durableDecline(final String mac, final String before, final String after) throws Exception
        {
            final ServerReply ack = bind(mac);
            if (ack == null)
            {
                return new Verdict("no ACK to start from", false);
            }
            final int declined = ack.yiaddr();
            final int id = ++xid;
            listen(ClientFrame.of(mac, id, DhcpMessageType.DECLINE).address(50, declined).address(54, SERVER_IP)
                .build(), id, Duration.ofSeconds(1));
            final ServerReply first = offerAsking(before, declined, ANSWER);
            target.restart();
            final ServerReply second = offerAsking(after, declined, RESTART);
            return new Verdict("declined " + ack.address() + "; asked for it, offered before the restart: " +
                first + ", after: " + second,
                first != null && second != null && first.yiaddr() != declined && second.yiaddr() != declined);
        }

        private Verdict size(final ClientFrame discover, final boolean limited)
        {
            final ServerReply offer = ask(discover, ANSWER);
            if (offer == null)
            {
                return new Verdict("silent", false);
            }
            final List<Integer> missing = IntStream.of(LONG_LIST).boxed().filter(c -> !offer.options().contains(c))
                .toList();
            return new Verdict(offer + ": IP datagram " + offer.ipLength() + " octets, DHCP message " +
                offer.dhcpLength() + (offer.options().contains(52) ? ", overloads sname/file (52)" : "") +
                (missing.isEmpty() ? ", every option asked" : ", leaves out " + missing),
                limited ? offer.ipLength() <= 576 : null);
        }

        private Verdict foreignRelease(final String owner, final String other, final String before,
            final String after)
        {
            final ServerReply ack = bind(owner);
            if (ack == null)
            {
                return new Verdict("no ACK to start from", false);
            }
            final ServerReply first = offerAsking(before, ack.yiaddr(), ANSWER);
            final int id = ++xid;
            listen(ClientFrame.of(other, id, DhcpMessageType.RELEASE).ciaddr(ack.yiaddr()).address(54, SERVER_IP)
                .unicast(ack.srcMac(), ack.yiaddr(), SERVER_IP).build(), id, Duration.ofSeconds(1));
            final ServerReply second = offerAsking(after, ack.yiaddr(), ANSWER);
            return new Verdict("A holds " + ack.address() + "; another client asking for it is offered, before B's " +
                "RELEASE: " + first + ", after: " + second,
                first != null && second != null && second.yiaddr() != ack.yiaddr());
        }

        private Verdict takenAddress(final String owner, final String other)
        {
            final ServerReply ack = bind(owner);
            if (ack == null)
            {
                return new Verdict("no ACK to start from", false);
            }
            final int id = ++xid;
            final List<ServerReply> replies = listen(ClientFrame.of(other, id, DhcpMessageType.REQUEST)
                .address(50, ack.yiaddr()).address(54, SERVER_IP).build(), id, SILENCE);
            return new Verdict("A holds " + ack.address() + "; B is answered: " + describe(replies),
                replies.size() == 1 && replies.get(0).is(DhcpMessageType.NAK));
        }

        private Verdict unofferedAddress(final String mac)
        {
            final int id = ++xid;
            final List<ServerReply> replies = listen(ClientFrame.of(mac, id, DhcpMessageType.REQUEST)
                .address(50, Addresses.parseIpv4("10.0.0.190")).address(54, SERVER_IP).build(), id, SILENCE);
            return new Verdict(describe(replies), replies.size() == 1 &&
                (replies.get(0).is(DhcpMessageType.ACK) || replies.get(0).is(DhcpMessageType.NAK)));
        }

        private Verdict clientId(final String first, final String second)
        {
            final ServerReply ack = bind(first, CLIENT_ID_VALUE);
            if (ack == null)
            {
                return new Verdict("no ACK to start from", false);
            }
            final ServerReply offer = ask(ClientFrame.of(second, ++xid, DhcpMessageType.DISCOVER)
                .option(61, CLIENT_ID_VALUE), ANSWER);
            return new Verdict("bound " + ack.address() + "; from the other MAC: " + (offer == null ? "silent" : offer),
                offer != null && offer.yiaddr() == ack.yiaddr());
        }

        /** DISCOVER, OFFER, REQUEST (SELECTING), ACK; the ACK or null. */
        /** DISCOVER, OFFER, REQUEST (SELECTING), ACK, with these option 61 octets if any; the ACK or null. */
        private ServerReply bind(final String mac, final int... clientId)
        {
            final int id = ++xid;
            final ClientFrame discover = ClientFrame.of(mac, id, DhcpMessageType.DISCOVER);
            final ClientFrame request = ClientFrame.of(mac, id, DhcpMessageType.REQUEST);
            if (clientId.length > 0)
            {
                discover.option(61, clientId);
                request.option(61, clientId);
            }
            final ServerReply offer = ask(discover, ANSWER);
            if (offer == null)
            {
                return null;
            }
            final ServerReply ack = ask(request.address(50, offer.yiaddr()).address(54, SERVER_IP), ANSWER);
            return ack != null && ack.is(DhcpMessageType.ACK) ? ack : null;
        }

        private ServerReply offerAsking(final String mac, final int address, final Duration timeout)
        {
            return ask(ClientFrame.of(mac, ++xid, DhcpMessageType.DISCOVER).address(50, address), timeout);
        }

        /** Sends the frame, again every 2 s as a client retransmits, until a reply; null if none came. */
        private ServerReply ask(final ClientFrame frame, final Duration timeout)
        {
            final int id = frame.xid();
            final byte[] bytes = frame.build();
            final long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end)
            {
                final List<ServerReply> replies = listen(bytes, id, Duration.ofSeconds(2), 1);
                if (!replies.isEmpty())
                {
                    return replies.get(0);
                }
            }
            return null;
        }

        /** Sends the frame once and returns every reply with its xid seen within {@code window}. */
        private List<ServerReply> listen(final byte[] frame, final int id, final Duration window)
        {
            return listen(frame, id, window, Integer.MAX_VALUE);
        }

        /** Sends the frame once and returns the replies with its xid seen within {@code window}, at most enough. */
        private List<ServerReply> listen(final byte[] frame, final int id, final Duration window, final int enough)
        {
            link.drain();
            link.send(frame);
            return link.receive(window, f -> isReply(f, id), enough).stream().map(ServerReply::parse).toList();
        }

        private static boolean isReply(final byte[] frame, final int id)
        {
            final ServerReply reply = ServerReply.parse(frame);
            return reply != null && reply.xid() == id;
        }

        private static String describe(final List<ServerReply> replies)
        {
            return replies.isEmpty()
                ? "silent"
                : replies.stream().map(ServerReply::toString)
                    .collect(Collectors.joining(", "));
        }
    }
}
