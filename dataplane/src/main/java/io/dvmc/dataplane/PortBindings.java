package io.dvmc.dataplane;

import io.dvmc.config.Addresses;
import io.dvmc.config.HostConfig;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Object2IntHashMap;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Port security and VM identity: (port, VLAN, source MAC) to (domain id, VM id) (DESIGN §2 step 2). A frame whose
 * MAC is not bound, or is bound on another port, has no binding: it is dropped and counted, so spoofed MACs cannot
 * starve a domain's pool.
 *
 * <p>The host config's bindings are in force from the start; the agent then adds, replaces and removes bindings at
 * run time, and sends its complete set between {@link #startSync()} and {@link #endSync()} when either process
 * starts. A binding names its port, which may be attached after it: until then it matches no frame.
 *
 * <p>One thread (the DHCP worker) owns it. Lookups allocate nothing: a primitive map from (VLAN, MAC) to a slot in
 * parallel arrays, which grow only when a binding is added.
 */
public final class PortBindings
{
    public static final int NONE = -1;
    private static final long FREE = -1;
    private static final int INITIAL_SLOTS = 64;

    private final Long2LongHashMap slots = new Long2LongHashMap(NONE);
    private final Object2IntHashMap<String> portIndex = new Object2IntHashMap<>(NONE);
    private final IntArrayList freeSlots = new IntArrayList();
    private long[] keys = new long[0];
    private int[] ports = new int[0];
    private String[] portNames = new String[0];
    private int[] domains = new int[0];
    private long[] vmMsb = new long[0];
    private long[] vmLsb = new long[0];
    private int[] epochs = new int[0];
    private int highWater;
    private int epoch;

    /** @param portIndex the attached ports: name to the dataplane's port index. */
    public PortBindings(final Map<String, Integer> portIndex)
    {
        portIndex.forEach(this.portIndex::put);
    }

    /** The host config's bindings, in force until the agent says otherwise. */
    public PortBindings(final List<HostConfig.Binding> bindings, final Map<String, Integer> portIndex)
    {
        this(portIndex);
        for (final HostConfig.Binding binding : bindings)
        {
            final UUID vm = UUID.fromString(binding.vm());
            put(binding.port(), binding.vlan(), Addresses.parseMac(binding.mac()), (int)binding.domain(),
                vm.getMostSignificantBits(), vm.getLeastSignificantBits());
        }
    }

    private static long key(final int vlan, final long mac)
    {
        return ((long)(vlan & 0xFFF) << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    /** @return the slot of the binding of {@code mac} on {@code port} and {@code vlan}, or {@link #NONE}. */
    public int find(final int port, final int vlan, final long mac)
    {
        final int slot = (int)slots.get(key(vlan, mac));
        return slot != NONE && ports[slot] == port ? slot : NONE;
    }

    /**
     * Adds the binding of {@code mac} on {@code vlan}, or replaces the one it has (one (VLAN, MAC) is bound on one
     * port: the same MAC on another port is a spoof).
     *
     * @return whether its port is attached; if not, it matches no frame until the port is.
     */
    public boolean put(
        final String port, final int vlan, final long mac, final int domainId, final long msb, final long lsb)
    {
        final long key = key(vlan, mac);
        int slot = (int)slots.get(key);
        if (slot == NONE)
        {
            slot = claimSlot();
            keys[slot] = key;
            slots.put(key, slot);
        }
        portNames[slot] = port;
        ports[slot] = portIndex.getValue(port);
        domains[slot] = domainId;
        vmMsb[slot] = msb;
        vmLsb[slot] = lsb;
        epochs[slot] = epoch;
        return ports[slot] != NONE;
    }

    /** @return whether {@code mac} on {@code vlan} had a binding. */
    public boolean remove(final int vlan, final long mac)
    {
        final int slot = (int)slots.remove(key(vlan, mac));
        if (slot == NONE)
        {
            return false;
        }
        release(slot);
        return true;
    }

    /** The complete set follows: every binding it does not name is removed at {@link #endSync()}. */
    public void startSync()
    {
        epoch++;
    }

    /** @return how many bindings the complete set since {@link #startSync()} did not name, now removed. */
    public int endSync()
    {
        int removed = 0;
        for (int slot = 0; slot < highWater; slot++)
        {
            if (keys[slot] != FREE && epochs[slot] != epoch)
            {
                slots.remove(keys[slot]);
                release(slot);
                removed++;
            }
        }
        return removed;
    }

    /** A port now has this index: its bindings match its frames. */
    public void portAttached(final String name, final int index)
    {
        portIndex.put(name, index);
        resolve(name, index);
    }

    /** A port is gone: its bindings stay, matching nothing, until it is attached again. */
    public void portDetached(final String name)
    {
        portIndex.removeKey(name);
        resolve(name, NONE);
    }

    private void resolve(final String name, final int index)
    {
        for (int slot = 0; slot < highWater; slot++)
        {
            if (keys[slot] != FREE && name.equals(portNames[slot]))
            {
                ports[slot] = index;
            }
        }
    }

    private int claimSlot()
    {
        if (!freeSlots.isEmpty())
        {
            return freeSlots.removeAt(freeSlots.size() - 1);
        }
        if (highWater == keys.length)
        {
            final int capacity = Math.max(INITIAL_SLOTS, keys.length * 2);
            keys = Arrays.copyOf(keys, capacity);
            ports = Arrays.copyOf(ports, capacity);
            portNames = Arrays.copyOf(portNames, capacity);
            domains = Arrays.copyOf(domains, capacity);
            vmMsb = Arrays.copyOf(vmMsb, capacity);
            vmLsb = Arrays.copyOf(vmLsb, capacity);
            epochs = Arrays.copyOf(epochs, capacity);
        }
        return highWater++;
    }

    private void release(final int slot)
    {
        keys[slot] = FREE;
        ports[slot] = NONE;
        portNames[slot] = null;
        freeSlots.addInt(slot);
    }

    public int domainId(final int slot)
    {
        return domains[slot];
    }

    public long vmMsb(final int slot)
    {
        return vmMsb[slot];
    }

    public long vmLsb(final int slot)
    {
        return vmLsb[slot];
    }

    /** @return how many slots the bindings have room for: every slot {@link #find} returns is below it. */
    public int slots()
    {
        return keys.length;
    }

    /** @return how many bindings there are, attached to a port or not. */
    public int size()
    {
        return slots.size();
    }
}
