package io.dvmc.dataplane;

import io.dvmc.config.HostConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PortBindingsTest
{
    private static final String VM = "6f1c1d2e-0000-4000-8000-000000000001";
    private final PortBindings bindings = new PortBindings(
        List.of(new HostConfig.Binding("vm1", 0, "02:00:00:64:00:01", 100, VM),
            new HostConfig.Binding("vm2", 7, "02:00:00:c8:00:02", 4_000_000_000L, VM)),
        Map.of("vm1", 0, "vm2", 1));

    @Test
    void aBoundMacOnItsPortResolvesToItsDomainAndVm()
    {
        final int slot = bindings.find(0, 0, 0x0200_0064_0001L);
        assertEquals(100, bindings.domainId(slot));
        assertEquals(0x6f1c1d2e00004000L, bindings.vmMsb(slot));
        assertEquals(0x8000000000000001L, bindings.vmLsb(slot));
    }

    @Test
    void aDomainIdAboveTwoToTheThirtyOneKeepsItsThirtyTwoBits()
    {
        assertEquals((int)4_000_000_000L, bindings.domainId(bindings.find(1, 7, 0x0200_00C8_0002L)));
    }

    @Test
    void theSameMacOnAnotherPortHasNoBinding()
    {
        assertEquals(PortBindings.NONE, bindings.find(1, 0, 0x0200_0064_0001L));
    }

    @Test
    void theSameMacOnAnotherVlanHasNoBinding()
    {
        assertEquals(PortBindings.NONE, bindings.find(1, 0, 0x0200_00C8_0002L));
    }

    @Test
    void anUnknownMacHasNoBinding()
    {
        assertEquals(PortBindings.NONE, bindings.find(0, 0, 0x0200_0064_00FFL));
    }
}
