package io.dvmc.port;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps the rx-rate tool working; its figures are not asserted (DESIGN section 7). */
class PortRxRateSmokeTest
{

    @Test
    void measuresInBothModes() throws Exception
    {
        for (String mode : new String[]{"free", "inspect"})
        {
            ForkedJvm.Result r = ForkedJvm.run(PortRxRateMain.class, Duration.ofSeconds(90), "0.2", mode);
            assertEquals(0, r.exitCode(), r.output());
            String line = r.value("rate");
            assertTrue(line != null && line.matches(".*packets=[1-9].*"), r.output());
        }
    }
}
