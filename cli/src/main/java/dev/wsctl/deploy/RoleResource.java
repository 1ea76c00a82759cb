package dev.wsctl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * One function's execution role: Lambda may assume it, and its one inline policy allows only what that
 * function does, on this stack's table, index, API, log group and (for send) fan-out worker. No {@code *} resources.
 */
final class RoleResource implements Resource<RoleResource.State> {
    static final String POLICY_NAME = "wsctl";

    record State(JsonNode trust, JsonNode policy, Map<String, String> tags) {}

    private final IamClient iam;
    private final String function;
    private final String name;
    private final String stage;
    private final String worker;
    private final Map<String, String> tags;

    /**
     * @param function the function's short name (connect, send, …): picks its policy template
     * @param name     the role's name, which is also the function's full name
     * @param worker   the fan-out worker's function name, which the send policy may invoke (its ARN is known before
     *                 the function exists, so the send role need not wait for it)
     */
    RoleResource(IamClient iam, String function, String name, String stage, String worker, Map<String, String> tags) {
        this.iam = iam;
        this.function = function;
        this.name = name;
        this.stage = stage;
        this.worker = worker;
        this.tags = Map.copyOf(tags);
    }

    @Override
    public Id id() {
        return new Id("role", name);
    }

    @Override
    public State desired(Outputs outputs) {
        return new State(
                Policies.assumeRole(),
                Policies.forFunction(
                        function,
                        Map.ofEntries(
                                Map.entry("partition", outputs.get("partition")),
                                Map.entry("region", outputs.get("region")),
                                Map.entry("account", outputs.get("account")),
                                Map.entry("function", name),
                                Map.entry("stage", stage),
                                Map.entry("tableArn", outputs.get("table.arn")),
                                Map.entry("historyTableArn", outputs.get("historyTable.arn")),
                                Map.entry("apiId", outputs.get("api.id")),
                                Map.entry("worker", worker),
                                Map.entry("alias", FunctionResource.ALIAS),
                                Map.entry("queueArn", outputs.get("webhooks.queue.arn")))),
                tags);
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        Role role;
        try {
            role = iam.getRole(r -> r.roleName(name)).role();
        } catch (NoSuchEntityException absent) {
            return Optional.empty();
        }
        outputs.put("role." + function + ".arn", role.arn());
        JsonNode policy;
        try {
            policy = Policies.parseReturned(
                    iam.getRolePolicy(r -> r.roleName(name).policyName(POLICY_NAME))
                            .policyDocument());
        } catch (NoSuchEntityException noPolicy) {
            policy = Jackson.mapper().nullNode();
        }
        Map<String, String> actualTags =
                iam.listRoleTags(r -> r.roleName(name)).tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
        return Optional.of(new State(Policies.parseReturned(role.assumeRolePolicyDocument()), policy, actualTags));
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        return new Diff()
                .field("trust policy", actual.trust(), desired.trust())
                .field("policy", summary(actual.policy()), summary(desired.policy()))
                .tags(actual.tags(), desired.tags())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        Role role = iam.createRole(r -> r.roleName(name)
                        .assumeRolePolicyDocument(Json.write(desired.trust()))
                        .description(description())
                        .tags(tagList(desired.tags())))
                .role();
        outputs.put("role." + function + ".arn", role.arn());
        putPolicy(desired);
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        if (Diff.names(changes, "trust policy")) {
            iam.updateAssumeRolePolicy(r -> r.roleName(name).policyDocument(Json.write(desired.trust())));
        }
        if (Diff.names(changes, "policy")) {
            putPolicy(desired);
        }
        if (Diff.names(changes, "tags")) {
            Diff.syncTags(
                    actual.tags(),
                    desired.tags(),
                    stale -> iam.untagRole(r -> r.roleName(name).tagKeys(stale)),
                    () -> iam.tagRole(r -> r.roleName(name).tags(tagList(desired.tags()))));
        }
    }

    @Override
    public void template(State desired, Template template, Outputs outputs) {
        String id = Template.logicalId(function, "Role");
        var p = template.resource(id, "AWS::IAM::Role");
        p.put("RoleName", name);
        p.put("Description", description());
        p.set("AssumeRolePolicyDocument", desired.trust());
        p.putArray("Policies").addObject().put("PolicyName", POLICY_NAME).set("PolicyDocument", desired.policy());
        p.set("Tags", Template.tagList(desired.tags()));
        outputs.put("role." + function + ".arn", Template.attribute(id, "Arn"));
    }

    private String description() {
        return "wsctl: execution role of function " + name;
    }

    @Override
    public void delete(Outputs outputs) {
        try {
            iam.deleteRolePolicy(r -> r.roleName(name).policyName(POLICY_NAME));
        } catch (NoSuchEntityException gone) {
            // no policy left
        }
        try {
            iam.deleteRole(r -> r.roleName(name));
        } catch (NoSuchEntityException gone) {
            // already deleted
        }
    }

    private void putPolicy(State desired) {
        iam.putRolePolicy(r -> r.roleName(name).policyName(POLICY_NAME).policyDocument(Json.write(desired.policy())));
    }

    /** A policy as the plan shows it: the actions and resources it allows, compactly. */
    private static String summary(JsonNode policy) {
        return policy.isNull() ? "none" : Json.write(policy.path("Statement"));
    }

    private static List<Tag> tagList(Map<String, String> tags) {
        return tags.entrySet().stream()
                .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                .toList();
    }
}
