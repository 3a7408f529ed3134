package io.dvmc.config;

import ch.qos.logback.core.status.OnErrorConsoleStatusListener;
import ch.qos.logback.core.status.Status;

/**
 * Logback's own status ({@link LogConfigurator}): its errors only, on stderr. Logback's OnErrorConsoleStatusListener prints
 * every status to the error console (the name means the console, not the level), so each process and each
 * {@code dvmc ctl} command printed the whole of Logback's start-up on stderr.
 */
public final class ErrorStatusListener extends OnErrorConsoleStatusListener
{
    public ErrorStatusListener()
    {
        // Nor the statuses before this listener was added: a configuration error after it is printed below.
        setRetrospective(0);
    }

    @Override
    public void addStatusEvent(final Status status)
    {
        if (status.getEffectiveLevel() >= Status.ERROR)
        {
            super.addStatusEvent(status);
        }
    }
}
