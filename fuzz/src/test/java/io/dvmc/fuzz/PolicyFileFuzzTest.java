package io.dvmc.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dvmc.policy.Policy;
import io.dvmc.policy.PolicyException;
import io.dvmc.policy.PolicyFile;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The policy parser and the domain validator read whatever an operator (or etcd) holds: a policy, or a
 * PolicyException saying what is wrong, never another exception. The input is read both as a whole policy file
 * and as one domain value as etcd stores it.
 */
class PolicyFileFuzzTest
{
    @FuzzTest
    void anyPolicyParsesOrFailsWithAPolicyException(final byte[] bytes)
    {
        final String text = new String(bytes, StandardCharsets.UTF_8);
        try
        {
            final Policy policy = PolicyFile.parse(text, "policy.json");
            assertNotNull(policy);
        }
        catch (final PolicyException expected)
        {
            assertNotNull(expected.getMessage());
        }
        try
        {
            assertNotNull(PolicyFile.parseDomain(text, "/dvmc/domains/1"));
        }
        catch (final PolicyException expected)
        {
            assertNotNull(expected.getMessage());
        }
    }
}
