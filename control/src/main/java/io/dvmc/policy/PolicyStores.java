package io.dvmc.policy;

import io.dvmc.config.HostConfig;

import java.nio.file.Path;
import java.util.List;

/** Opens the policy store a process was configured with: the policy file (embedded default) or etcd. */
public final class PolicyStores
{
    private PolicyStores()
    {
    }

    /** The store named by a host config, which names exactly one. */
    public static PolicyStore open(final HostConfig host) throws PolicyException
    {
        return host.policy() != null
            ? open(null, host.policy().etcd(), host.policy().prefix())
            : open(Path.of(host.policyFile()), List.of(), null);
    }

    /**
     * @param file   the policy file, or null for etcd.
     * @param etcd   etcd client URLs, used when there is no file.
     * @param prefix the etcd key prefix, or null for {@link HostConfig.PolicyService#DEFAULT_PREFIX}.
     */
    public static PolicyStore open(final Path file, final List<String> etcd, final String prefix)
        throws PolicyException
    {
        if ((file == null) == etcd.isEmpty())
        {
            throw new PolicyException("give the policy either as a file or as etcd endpoints, exactly one of the two");
        }
        return file != null
            ? new FilePolicyStore(file)
            : EtcdPolicyStore.connect(etcd, prefix == null ? HostConfig.PolicyService.DEFAULT_PREFIX : prefix);
    }

    /** Closes a store that holds resources (etcd's connections and thread); the file store holds none. */
    public static AutoCloseable closer(final PolicyStore store)
    {
        return store instanceof AutoCloseable closeable ? closeable : null;
    }
}
