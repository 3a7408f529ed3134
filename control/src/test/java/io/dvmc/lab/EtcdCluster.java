package io.dvmc.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real etcd cluster (Debian {@code etcd-server}) on loopback, started by a test: one or more members on free
 * ports, each with its own data directory, gone again on {@link #close()}. Members can be killed with -9 and
 * restarted on the same data, and the leader can be found, so tests can take the cluster through the faults an
 * operator meets. Nothing listens beyond 127.0.0.1.
 */
public final class EtcdCluster implements AutoCloseable
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One member: its name, its ports, its data directory and, while it runs, its process. */
    public static final class Member
    {
        final String name;
        final int clientPort;
        final int peerPort;
        final Path dataDir;
        final Path log;
        Process process;

        Member(String name, int clientPort, int peerPort, Path dataDir, Path log)
        {
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.dataDir = dataDir;
            this.log = log;
        }

        public String name()
        {
            return name;
        }

        public String clientUrl()
        {
            return "http://127.0.0.1:" + clientPort;
        }

        public boolean isRunning()
        {
            return process != null && process.isAlive();
        }
    }

    private final Path dir;
    private final List<String> flags;
    private final List<Member> members = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Thread shutdownHook = new Thread(this::stopAll, "etcd-cluster-cleanup");

    private EtcdCluster(Path dir, List<String> flags)
    {
        this.dir = dir;
        this.flags = flags;
    }

    /**
     * Starts {@code size} members and waits until every one answers as healthy. Requires the {@code etcd} command
     * (in CI its absence fails the test, see {@link Prerequisites}).
     */
    public static EtcdCluster start(int size) throws IOException
    {
        return start(size, List.of());
    }

    /** {@link #start(int)} with more etcd flags for every member, e.g. a limit to provoke a refusal. */
    public static EtcdCluster start(int size, List<String> flags) throws IOException
    {
        Prerequisites.requireCommands("etcd");
        EtcdCluster cluster = new EtcdCluster(Files.createTempDirectory("dvmc-etcd"), List.copyOf(flags));
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try
        {
            for (int i = 0; i < size; i++)
            {
                String name = "m" + i;
                cluster.members.add(new Member(name, FreePorts.tcp(), FreePorts.tcp(), cluster.dir.resolve(name),
                    cluster.dir.resolve(name + ".log")));
            }
            for (Member m : cluster.members)
            {
                cluster.launch(m, "new");
            }
            for (Member m : cluster.members)
            {
                cluster.awaitHealthy(m);
            }
            return cluster;
        }
        catch (IOException | RuntimeException e)
        {
            cluster.close();
            throw e;
        }
    }

    /** The client URLs of every member, in the form jetcd and the dvmc configs take. */
    public List<String> endpoints()
    {
        return members.stream().map(Member::clientUrl).collect(Collectors.toList());
    }

    /** The endpoints as one comma-separated string, for command lines. */
    public String endpointList()
    {
        return String.join(",", endpoints());
    }

    public List<Member> members()
    {
        return List.copyOf(members);
    }

    /** The member that leads now, asked of the running members; waits for an election in progress. */
    public Member leader()
    {
        Member[] found = new Member[1];
        if (!Await.within(START_TIMEOUT, () -> (found[0] = currentLeader()) != null))
        {
            throw new LabException("no etcd member reports a leader:\n" + logs());
        }
        return found[0];
    }

    /** The running member that the running members name as leader, or null during an election. */
    private Member currentLeader()
    {
        for (Member m : members)
        {
            if (!m.isRunning())
            {
                continue;
            }
            try
            {
                String leader = post(m, "/v3/maintenance/status", "{}").path("leader").asText("");
                if (leader.isEmpty() || "0".equals(leader))
                {
                    continue;
                }
                for (Member other : members)
                {
                    if (other.isRunning() && leader.equals(post(other, "/v3/maintenance/status", "{}")
                        .path("header").path("member_id").asText("")))
                    {
                        return other;
                    }
                }
            }
            catch (IOException e)
            {
                // Not answering yet: ask the next one.
            }
        }
        return null;
    }

    /** kill -9 of one member: no chance to flush or step down. */
    public void kill(Member m)
    {
        if (m.process != null)
        {
            m.process.destroyForcibly();
            try
            {
                m.process.waitFor();
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts a killed member again on its data directory and waits until it is healthy. */
    public void restart(Member m) throws IOException
    {
        if (m.isRunning())
        {
            return;
        }
        launch(m, "existing");
        awaitHealthy(m);
    }

    /**
     * Starts a killed member again without waiting for it to be healthy, which it cannot be while too few others
     * run for it to find a leader.
     */
    public void relaunch(Member m) throws IOException
    {
        if (!m.isRunning())
        {
            launch(m, "existing");
        }
    }

    /** The members' logs, for a failure message. */
    public String logs()
    {
        StringBuilder sb = new StringBuilder();
        for (Member m : members)
        {
            sb.append("--- etcd ").append(m.name).append('\n');
            try
            {
                List<String> lines = Files.exists(m.log) ? Files.readAllLines(m.log) : List.of();
                lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> sb.append(l).append('\n'));
            }
            catch (IOException e)
            {
                sb.append(e).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close()
    {
        stopAll();
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (IllegalStateException e)
        {
            // Already shutting down: the hook is running.
        }
        Exec.run(Duration.ofSeconds(10), List.of("rm", "-rf", dir.toString()));
    }

    private void stopAll()
    {
        for (Member m : members)
        {
            kill(m);
        }
    }

    private void launch(Member m, String state) throws IOException
    {
        String initialCluster = members.stream()
            .map(x -> x.name + "=http://127.0.0.1:" + x.peerPort)
            .collect(Collectors.joining(","));
        List<String> command = new ArrayList<>(List.of(
            Exec.which("etcd").map(Path::toString).orElse("etcd"),
            "--name", m.name,
            "--data-dir", m.dataDir.toString(),
            "--listen-client-urls", m.clientUrl(),
            "--advertise-client-urls", m.clientUrl(),
            "--listen-peer-urls", "http://127.0.0.1:" + m.peerPort,
            "--initial-advertise-peer-urls", "http://127.0.0.1:" + m.peerPort,
            "--initial-cluster", initialCluster,
            "--initial-cluster-state", state,
            "--initial-cluster-token", dir.getFileName().toString(),
            "--logger=zap",
            "--log-outputs=stderr"));
        command.addAll(flags);
        m.process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile()))
            .start();
    }

    private void awaitHealthy(Member m)
    {
        if (!Await.within(START_TIMEOUT, () -> healthy(m)))
        {
            throw new LabException("etcd " + m.name + " not healthy within " + START_TIMEOUT + ":\n" + logs());
        }
    }

    private boolean healthy(Member m)
    {
        if (!m.isRunning())
        {
            throw new LabException("etcd " + m.name + " exited:\n" + logs());
        }
        try
        {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.clientUrl() + "/health"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && JSON.readTree(r.body()).path("health").asText().equals("true");
        }
        catch (IOException e)
        {
            return false;
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted waiting for etcd " + m.name, e);
        }
    }

    private JsonNode post(Member m, String path, String body) throws IOException
    {
        try
        {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.clientUrl() + path))
                .timeout(Duration.ofSeconds(2))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
