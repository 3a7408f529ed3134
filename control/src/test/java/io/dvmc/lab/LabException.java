package io.dvmc.lab;

/** A lab step (command, client, cleanup) failed; the message carries the command output needed to diagnose it. */
public final class LabException extends RuntimeException
{
    public LabException(String message)
    {
        super(message);
    }

    public LabException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
