package io.dvmc.service;

import io.dvmc.config.ClusterKeyFile;
import io.dvmc.config.ConfigException;
import io.dvmc.config.IdleStrategies;
import io.dvmc.exchange.KeyRing;
import io.dvmc.policy.FilePolicyStore;
import io.dvmc.policy.PolicyException;
import io.dvmc.policy.PolicyStore;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Starts a {@link DvmcService} for the launcher ({@code dvmc service --policy P|--etcd URLS [--replica-id ID]
 * --listen A [--advertise A] --state-dir D --key-file K [--idle wait|backoff|busy|yield|sleep]}). The returned service
 * runs on its own thread until {@link DvmcService#close()}.
 */
public final class ServiceMain
{
    private ServiceMain()
    {
    }

    /**
     * @param policyFile the policy (reloaded when it changes).
     * @param listen     where to receive DVMC requests, e.g. 0.0.0.0:6767.
     * @param stateDir   holds the lease journal; one service per directory.
     * @param keyFile    the cluster key file.
     * @param idle       an idle strategy name ({@link IdleStrategies#of}); null means wait.
     */
    public static DvmcService start(
        final Path policyFile, final InetSocketAddress listen, final Path stateDir, final Path keyFile,
        final String idle) throws PolicyException, ConfigException, IOException
    {
        return start(new FilePolicyStore(policyFile), listen, null, stateDir, keyFile, idle);
    }

    /**
     * @param policy    the policy store the launcher opened (the file, or etcd); the caller closes it.
     * @param advertise the endpoint agents send to when {@code listen} is a wildcard; null means {@code listen}.
     * @param keyFile   a single cluster key or a key ring with the keys of every host served.
     */
    public static DvmcService start(
        final PolicyStore policy, final InetSocketAddress listen, final InetSocketAddress advertise,
        final Path stateDir, final Path keyFile, final String idle) throws ConfigException, IOException
    {
        return new DvmcService(policy, listen, advertise, ClusterKeyFile.loadRing(keyFile), stateDir,
            Clock.systemUTC(), IdleStrategies.of(idle), null).start();
    }

    /**
     * A replica whose leases are in etcd, shared with the other replicas of the service.
     *
     * @param policy    the policy store the launcher opened (the file, or etcd); the caller closes it.
     * @param etcd      etcd client URLs.
     * @param prefix    the root of the dvmc keys in etcd, the policy store's too.
     * @param replicaId this replica's name, unique among the replicas.
     */
    public static DvmcService startReplica(
        final PolicyStore policy, final InetSocketAddress listen, final InetSocketAddress advertise,
        final Path stateDir, final Path keyFile, final String idle, final List<String> etcd, final String prefix,
        final String replicaId) throws ConfigException, IOException
    {
        final KeyRing keys = ClusterKeyFile.loadRing(keyFile);
        final InetSocketAddress endpoint = advertise != null ? advertise : listen;
        final EtcdLeaseLog leases = EtcdLeaseLog.open(etcd, prefix, replicaId,
            endpoint.getHostString() + ":" + endpoint.getPort());
        try
        {
            return new DvmcService(policy, listen, advertise, keys, stateDir, Clock.systemUTC(),
                IdleStrategies.of(idle), leases).start();
        }
        catch (final IOException | RuntimeException ex)
        {
            leases.close();
            throw ex;
        }
    }

    public static DvmcService start(
        final PolicyStore policy, final InetSocketAddress listen, final byte[] key, final Path stateDir,
        final IdleStrategy idle) throws IOException
    {
        return new DvmcService(policy, listen, key, stateDir, Clock.systemUTC(), idle).start();
    }
}
