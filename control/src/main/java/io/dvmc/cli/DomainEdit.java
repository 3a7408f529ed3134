package io.dvmc.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.policy.Domain;
import io.dvmc.policy.DomainJson;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.dvmc.policy.PolicyException;

/**
 * A read-modify-write of one domain: read it with its revision, change its policy-file object, parse and validate
 * the result, and write it only if the key is still at the revision read (or at {@code --if-revision}, the one the
 * operator saw), so a concurrent change is refused, never overwritten.
 */
final class DomainEdit
{
    /** A change to a domain's policy-file object. */
    interface Change
    {
        void apply(ObjectNode domain) throws EtcdCommand.BadInputException, PolicyException;
    }

    private DomainEdit()
    {
    }

    static int edit(
        final EtcdCommand command, final EtcdPolicyAdmin admin, final String idOrName, final Long ifRevision,
        final Change change) throws Exception
    {
        final EtcdPolicyAdmin.Versioned read = admin.find(idOrName);
        final ObjectNode object = DomainJson.toJson(read.domain());
        change.apply(object);
        final Domain changed = DomainJson.parse(object, "");
        if (changed.id() != read.domain().id())
        {
            throw new EtcdCommand.BadInputException(read.domain().label() + ": the id of a domain cannot change");
        }
        final long revision = admin.update(changed, ifRevision == null ? read.modRevision() : ifRevision);
        if (command.json)
        {
            CliJson.print(DomainCommand.versioned(new EtcdPolicyAdmin.Versioned(changed, revision)));
        }
        else
        {
            System.out.println(changed.label() + " updated at revision " + revision);
        }
        return 0;
    }
}
