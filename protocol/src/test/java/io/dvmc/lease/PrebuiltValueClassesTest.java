package io.dvmc.lease;

import net.openhft.chronicle.hash.VanillaGlobalMutableState;
import net.openhft.chronicle.values.Values;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class PrebuiltValueClassesTest
{
    @Test
    void chronicleTakesTheMapHeaderClassPrebuiltInThisModuleInsteadOfCompilingIt() throws Exception
    {
        final Class<?> prebuilt = Class.forName(VanillaGlobalMutableState.class.getName() +
            PrebuiltValueClasses.NATIVE_SUFFIX, false, VanillaGlobalMutableState.class.getClassLoader());

        assertEquals(LeaseStore.class.getProtectionDomain().getCodeSource().getLocation(),
            prebuilt.getProtectionDomain().getCodeSource().getLocation(), "shipped with the lease store");
        assertSame(prebuilt, Values.nativeClassFor(VanillaGlobalMutableState.class), "the class Chronicle uses");
    }
}
