package io.dvmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dvmc.config.JsonTrees;
import io.dvmc.policy.Domain;
import io.dvmc.policy.DomainJson;
import io.dvmc.policy.EtcdPolicyAdmin;
import io.dvmc.policy.PolicyFile;
import io.etcd.jetcd.Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

/** {@code dvmc ctl domain}: the domains of the distributed mode, in etcd. */
@Command(name = "domain", mixinStandardHelpOptions = true,
    description = "Domains in etcd (distributed mode): create, list, show, update, delete.",
    subcommands = {DomainCommand.Create.class, DomainCommand.ListDomains.class, DomainCommand.Show.class,
        DomainCommand.Update.class, DomainCommand.Delete.class})
final class DomainCommand extends CommandGroup
{
    @Command(name = "create", mixinStandardHelpOptions = true,
        description = "Creates a domain from options and/or a JSON file (one domain object of the policy file, " +
            "or a whole policy file: all its domains, all or none).")
    static final class Create extends EtcdCommand
    {
        @Option(names = "--id", description = "domain id, 1..4294967295; without it (and no \"id\" in --file) the " +
            "lowest id above every domain's in etcd")
        Long id;

        @Option(names = "--file", description = "a domain object or a policy file; options override its fields")
        Path file;

        @Mixin
        DomainFields fields;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final JsonNode read = file == null ? CliJson.object() : readJson(file);
            final List<Domain> domains;
            if (read.has("domains"))
            {
                if (id != null || !fields.apply(CliJson.object()).isEmpty())
                {
                    throw new BadInputException(file + " is a policy file: options apply to one domain only");
                }
                domains = PolicyFile.parse(JsonTrees.write(read), file.toString()).domains();
            }
            else if (read.isObject())
            {
                final ObjectNode domain = fields.apply((ObjectNode)read);
                if (id != null)
                {
                    domain.put("id", id);
                }
                if (!domain.has("id"))
                {
                    return createWithNewId(admin, domain);
                }
                domains = List.of(DomainJson.parse(domain, file == null ? "" : file.toString()));
            }
            else
            {
                throw new BadInputException(file + ": expected a JSON object");
            }
            return report(domains, admin.create(domains));
        }

        /** A new id, taken with the domain's creation: a concurrent creation of the same id makes it try the next. */
        private int createWithNewId(final EtcdPolicyAdmin admin, final ObjectNode domain) throws Exception
        {
            for (int attempt = 1;; attempt++)
            {
                domain.put("id", Integer.toUnsignedLong(admin.nextDomainId()));
                final List<Domain> domains = List.of(DomainJson.parse(domain, file == null ? "" : file.toString()));
                try
                {
                    return report(domains, admin.create(domains));
                }
                catch (final EtcdPolicyAdmin.ConflictException ex)
                {
                    if (attempt == 3)
                    {
                        throw ex;
                    }
                }
            }
        }

        private int report(final List<Domain> domains, final long revision) throws Exception
        {
            if (json)
            {
                final ObjectNode out = CliJson.object().put("revision", revision);
                final ArrayNode created = out.putArray("domains");
                domains.forEach(d -> created.add(DomainJson.toJson(d)));
                CliJson.print(out);
            }
            else
            {
                domains.forEach(d -> System.out.println(d.label() + " created at revision " + revision));
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the domains in etcd.")
    static final class ListDomains extends EtcdCommand
    {
        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final List<EtcdPolicyAdmin.Versioned> domains = admin.domains();
            if (json)
            {
                final ArrayNode out = CliJson.array();
                domains.forEach(v -> out.add(versioned(v)));
                CliJson.print(out);
            }
            else
            {
                System.out.print(DomainTable.table(domains.stream().map(EtcdPolicyAdmin.Versioned::domain).toList()));
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "Shows every field of a domain and the revision to pass to --if-revision.")
    static final class Show extends EtcdCommand
    {
        @Parameters(paramLabel = "DOMAIN", description = "id or name")
        String domain;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final EtcdPolicyAdmin.Versioned v = admin.find(domain);
            if (json)
            {
                CliJson.print(versioned(v));
            }
            else
            {
                System.out.printf("%-18s %d%n", "revision", v.modRevision());
                System.out.print(DomainTable.fields(DomainJson.toJson(v.domain())));
            }
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
        description = "Changes the fields named (a list option replaces the list), validated against every domain.")
    static final class Update extends EtcdCommand
    {
        @Parameters(paramLabel = "DOMAIN", description = "id or name")
        String domain;

        @Option(names = "--file", description = "a domain object whose fields replace the domain's")
        Path file;

        @Option(names = "--if-revision", description = "refuse unless the domain is still at this revision")
        Long ifRevision;

        @Mixin
        DomainFields fields;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final JsonNode read = file == null ? CliJson.object() : readJson(file);
            if (!read.isObject())
            {
                throw new BadInputException(file + ": expected a JSON object (one domain)");
            }
            return DomainEdit.edit(this, admin, domain, ifRevision, d -> fields.apply(d.setAll((ObjectNode)read)));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Deletes a domain; refused while bindings name it, unless --force.")
    static final class Delete extends EtcdCommand
    {
        @Parameters(paramLabel = "DOMAIN", description = "id or name")
        String domain;

        @Option(names = "--if-revision", description = "refuse unless the domain is still at this revision")
        Long ifRevision;

        @Option(names = "--force", description = "delete even if hosts still bind VMs to the domain")
        boolean force;

        int run(final Client client, final EtcdPolicyAdmin admin) throws Exception
        {
            final EtcdPolicyAdmin.Versioned v = admin.find(domain);
            final Domain d = v.domain();
            final long bound = admin.bindings(null).stream()
                .filter(b -> b.binding().domain() == Integer.toUnsignedLong(d.id())).count();
            if (bound > 0 && !force)
            {
                throw new BadInputException(d.label() + " is named by " + bound +
                    " binding(s): unbind them first, or --force");
            }
            final long revision = admin.delete(d.id(), ifRevision == null ? v.modRevision() : ifRevision);
            if (json)
            {
                CliJson.print(CliJson.object().put("revision", revision).set("deleted", DomainJson.toJson(d)));
            }
            else
            {
                System.out.println(d.label() + " deleted at revision " + revision);
            }
            return 0;
        }
    }

    /** {"revision": the key's mod revision, "domain": the domain object}. */
    static ObjectNode versioned(final EtcdPolicyAdmin.Versioned v)
    {
        final ObjectNode out = CliJson.object().put("revision", v.modRevision());
        out.set("domain", DomainJson.toJson(v.domain()));
        return out;
    }
}
