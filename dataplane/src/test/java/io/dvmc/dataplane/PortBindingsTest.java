package io.dvmc.dataplane;

import io.dvmc.config.HostConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void aBindingAddedAtRunTimeResolvesAndOneRemovedNoLonger()
    {
        assertTrue(bindings.put("vm2", 0, 0x0200_0064_0003L, 300, 1, 2));
        final int slot = bindings.find(1, 0, 0x0200_0064_0003L);
        assertEquals(300, bindings.domainId(slot));
        assertTrue(bindings.remove(0, 0x0200_0064_0003L));
        assertEquals(PortBindings.NONE, bindings.find(1, 0, 0x0200_0064_0003L));
        assertFalse(bindings.remove(0, 0x0200_0064_0003L));
    }

    @Test
    void aMacBoundAgainOnAnotherPortIsNoLongerBoundOnTheFirst()
    {
        bindings.put("vm2", 0, 0x0200_0064_0001L, 100, 1, 2);
        assertEquals(PortBindings.NONE, bindings.find(0, 0, 0x0200_0064_0001L));
        assertEquals(100, bindings.domainId(bindings.find(1, 0, 0x0200_0064_0001L)));
        assertEquals(2, bindings.size());
    }

    @Test
    void theCompleteSetKeepsWhatItNamesAndRemovesTheRest()
    {
        bindings.startSync();
        bindings.put("vm2", 7, 0x0200_00C8_0002L, 200, 1, 2);
        assertEquals(1, bindings.endSync());
        assertEquals(PortBindings.NONE, bindings.find(0, 0, 0x0200_0064_0001L));
        assertEquals(200, bindings.domainId(bindings.find(1, 7, 0x0200_00C8_0002L)));
    }

    @Test
    void aBindingWaitsForItsPortAndFollowsItWhenItIsAttachedAndDetached()
    {
        assertFalse(bindings.put("vm3", 0, 0x0200_0064_0004L, 100, 1, 2));
        assertEquals(PortBindings.NONE, bindings.find(2, 0, 0x0200_0064_0004L));
        bindings.portAttached("vm3", 2);
        assertEquals(100, bindings.domainId(bindings.find(2, 0, 0x0200_0064_0004L)));
        bindings.portDetached("vm3");
        assertEquals(PortBindings.NONE, bindings.find(2, 0, 0x0200_0064_0004L));
    }

    @Test
    void thousandsOfBindingsFitAndFreedSlotsAreReused()
    {
        for (int i = 0; i < 5_000; i++)
        {
            bindings.put("vm1", 1, 0x0200_0000_0000L + i, 100 + i, i, i);
        }
        for (int i = 0; i < 5_000; i += 2)
        {
            bindings.remove(1, 0x0200_0000_0000L + i);
        }
        for (int i = 1; i < 5_000; i += 2)
        {
            assertEquals(100 + i, bindings.domainId(bindings.find(0, 1, 0x0200_0000_0000L + i)));
        }
        assertEquals(2 + 2_500, bindings.size());
    }
}
