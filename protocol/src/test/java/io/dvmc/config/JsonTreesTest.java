package io.dvmc.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTreesTest
{
    @Test
    void aTreeIsReadWithCommentsAndWrittenBackOnOneLineWithItsNumbersAsWritten() throws Exception
    {
        final JsonNode tree = JsonTrees.read("""
            { "id": 100, // the tenant
              "big": 4294967296, "huge": 18446744073709551616, "ratio": 0.5,
              "names": [ "blue", null, true ], "empty": {} }
            """);
        assertTrue(tree.get("id").isInt());
        assertTrue(tree.get("big").isLong());
        assertEquals(new BigInteger("18446744073709551616"), tree.get("huge").bigIntegerValue());
        assertEquals(0.5, tree.get("ratio").doubleValue());
        assertEquals("{\"id\":100,\"big\":4294967296,\"huge\":18446744073709551616,\"ratio\":0.5," +
            "\"names\":[\"blue\",null,true],\"empty\":{}}", JsonTrees.write(tree));
        assertEquals(tree, JsonTrees.read(JsonTrees.write(tree)));
    }

    @Test
    void aKeyGivenTwiceOrASecondValueIsRefusedAndNothingIsMissing() throws Exception
    {
        assertTrue(assertThrows(JsonProcessingException.class, () -> JsonTrees.read("{ \"a\": 1, \"a\": 2 }"))
            .getMessage().contains("Duplicate field 'a'"));
        assertTrue(assertThrows(JsonProcessingException.class, () -> JsonTrees.read("{} {}"))
            .getMessage().contains("more after the end of the value"));
        assertThrows(JsonProcessingException.class, () -> JsonTrees.read("{ \"a\": "));
        assertTrue(JsonTrees.read("  ").isMissingNode());
    }
}
