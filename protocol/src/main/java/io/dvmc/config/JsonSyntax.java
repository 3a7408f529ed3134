package io.dvmc.config;

import com.fasterxml.jackson.core.JsonProcessingException;

/** How a configuration file that is not JSON is reported: the parser's own words and the line, nothing internal. */
public final class JsonSyntax
{
    private JsonSyntax()
    {
    }

    /** @return "not valid JSON: &lt;what&gt; at line N" for {@code ex}. */
    public static String describe(final JsonProcessingException ex)
    {
        return "not valid JSON: " + ex.getOriginalMessage() +
            (ex.getLocation() == null ? "" : " at line " + ex.getLocation().getLineNr());
    }
}
