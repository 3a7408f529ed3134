package io.dvmc.config;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How a configuration file that is not JSON is reported: the parser's own words and the line, nothing internal. */
public final class JsonSyntax
{
    /** Jackson's location of a token within a message: the source's description is of no use to an operator. */
    private static final Pattern LOCATION = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)]");
    private static final Pattern UNCLOSED = Pattern.compile(
        "Unexpected end-of-input: expected close marker for (Object|Array) \\(start marker at line (\\d+), column (\\d+)\\)");

    private JsonSyntax()
    {
    }

    /** @return "not valid JSON: &lt;what&gt; at line N" for {@code ex}. */
    public static String describe(final JsonProcessingException ex)
    {
        final String what = LOCATION.matcher(String.valueOf(ex.getOriginalMessage())).replaceAll("line $1, column $2");
        final Matcher unclosed = UNCLOSED.matcher(what);
        if (unclosed.lookingAt())
        {
            return "not valid JSON: the text ends before the " + unclosed.group(1).toLowerCase() + " opened at line " +
                unclosed.group(2) + ", column " + unclosed.group(3) + " is closed";
        }
        return "not valid JSON: " + what + (ex.getLocation() == null ? "" : " at line " + ex.getLocation().getLineNr());
    }
}
