package io.dvmc.port;

import io.dvmc.bindings.shim.dvmc_shim_h;

/** Return-code checks shared by the port classes: the shim returns a negative errno on failure. */
final class Native
{

    private Native()
    {
    }

    static String strerror(int errno)
    {
        return dvmc_shim_h.dvmc_strerror(Math.abs(errno)).getString(0);
    }

    static EalException error(String what, int ret)
    {
        int errno = Math.abs(ret);
        return new EalException(what + ": " + strerror(errno) + " (errno " + errno + ")", errno);
    }

    static int check(int ret, String what)
    {
        if (ret < 0)
        {
            throw error(what, ret);
        }
        return ret;
    }
}
