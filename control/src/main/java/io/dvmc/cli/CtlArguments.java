package io.dvmc.cli;

import io.dvmc.config.Addresses;

/** Addresses typed by the operator, refused with the argument's name and the text given. */
final class CtlArguments
{
    private CtlArguments()
    {
    }

    static long mac(final String argument, final String text) throws EtcdCommand.BadInputException
    {
        try
        {
            return Addresses.parseMac(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new EtcdCommand.BadInputException(argument + ": " + ex.getMessage());
        }
    }
}
