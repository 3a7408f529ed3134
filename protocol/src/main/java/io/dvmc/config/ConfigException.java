package io.dvmc.config;

/** A configuration file that cannot be used, with a message that names the file and the field. */
public final class ConfigException extends Exception
{
    public ConfigException(final String message)
    {
        super(message);
    }
}
