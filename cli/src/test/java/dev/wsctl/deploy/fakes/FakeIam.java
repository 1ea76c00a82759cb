package dev.wsctl.deploy.fakes;

import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.*;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * IAM roles with inline policies, attached managed policies and tags. Like IAM: role names are unique
 * regardless of case, policy documents come back URL-encoded (RFC 3986) in CreateRole, GetRole and
 * GetRolePolicy, a role with policies cannot be deleted, and error codes are IAM's ({@code NoSuchEntity},
 * {@code EntityAlreadyExists}, {@code DeleteConflict}, {@code MalformedPolicyDocument}, …).
 */
public final class FakeIam implements IamClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    private static final Pattern POLICY_ARN = Pattern.compile("arn:aws:iam::(aws|\\d{12}):policy/.+");

    private static final class RoleState {
        Role role; // assumeRolePolicyDocument kept decoded; encoded on the way out
        final Map<String, String> inline = new TreeMap<>();
        final Map<String, String> attached = new LinkedHashMap<>(); // arn -> name
        final Map<String, String> tags = new LinkedHashMap<>();
    }

    private final FakeAccount account;
    private final Map<String, RoleState> roles = new TreeMap<>(); // by lower-case name
    private long ids;

    public FakeIam(FakeAccount account) {
        this.account = account;
    }

    public FakeAccount account() {
        return account;
    }

    // ---- helpers for tests

    /** The names of the roles that exist. */
    public synchronized List<String> roleNames() {
        return roles.values().stream().map(r -> r.role.roleName()).toList();
    }

    /** The inline policy's document, decoded (as it was put); null when the role or policy does not exist. */
    public synchronized String policyDocument(String roleName, String policyName) {
        RoleState r = roles.get(roleName.toLowerCase(Locale.ROOT));
        return r == null ? null : r.inline.get(policyName);
    }

    /** The role's trust policy, decoded; null when the role does not exist. */
    public synchronized String assumeRolePolicy(String roleName) {
        RoleState r = roles.get(roleName.toLowerCase(Locale.ROOT));
        return r == null ? null : r.role.assumeRolePolicyDocument();
    }

    /** Whether the role (given by ARN) exists and trusts {@code service} ("lambda.amazonaws.com"). */
    public synchronized boolean trusts(String roleArn, String service) {
        return roles.values().stream().anyMatch(r -> r.role.arn().equals(roleArn)
                && r.role.assumeRolePolicyDocument().contains("\"" + service + "\""));
    }

    /** One line per resource, for "nothing left" assertions. */
    public synchronized List<String> inventory() {
        return roles.values().stream().map(r -> "iam role " + r.role.roleName()).toList();
    }

    /** IAM's URL encoding of policy documents (RFC 3986: spaces as %20). */
    public static String urlEncode(String document) {
        return SdkHttpUtils.urlEncode(document);
    }

    /** Decodes a policy document as IAM returns it. */
    public static String urlDecode(String encoded) {
        return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    }

    // ---- roles

    @Override
    public synchronized CreateRoleResponse createRole(CreateRoleRequest request) {
        account.log().mutate("iam:CreateRole");
        String name = request.roleName();
        validateName("roleName", name);
        String path = request.path() == null ? "/" : request.path();
        if (!path.startsWith("/") || !path.endsWith("/")) {
            throw validation("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.");
        }
        validatePolicy(request.assumeRolePolicyDocument());
        if (roles.containsKey(name.toLowerCase(Locale.ROOT))) {
            throw err(EntityAlreadyExistsException.builder(), 409, "EntityAlreadyExists", "Role with name " + name + " already exists.");
        }
        RoleState r = new RoleState();
        request.tags().forEach(t -> r.tags.put(t.key(), t.value()));
        r.role = Role.builder().path(path).roleName(name).arn("arn:aws:iam::" + account.accountId() + ":role" + path + name)
                .roleId("AROA" + FakeAccount.id(++ids, 17).toUpperCase(Locale.ROOT))
                .createDate(account.now()).assumeRolePolicyDocument(request.assumeRolePolicyDocument())
                .description(request.description())
                .maxSessionDuration(request.maxSessionDuration() == null ? 3600 : request.maxSessionDuration())
                .build();
        roles.put(name.toLowerCase(Locale.ROOT), r);
        return CreateRoleResponse.builder().role(out(r)).build();
    }

    @Override
    public synchronized GetRoleResponse getRole(GetRoleRequest request) {
        account.log().read("iam:GetRole");
        return GetRoleResponse.builder().role(out(role(request.roleName()))).build();
    }

    @Override
    public synchronized DeleteRoleResponse deleteRole(DeleteRoleRequest request) {
        account.log().mutate("iam:DeleteRole");
        RoleState r = role(request.roleName());
        if (!r.inline.isEmpty()) {
            throw err(DeleteConflictException.builder(), 409, "DeleteConflict", "Cannot delete entity, must delete policies first.");
        }
        if (!r.attached.isEmpty()) {
            throw err(DeleteConflictException.builder(), 409, "DeleteConflict", "Cannot delete entity, must detach all policies first.");
        }
        roles.remove(r.role.roleName().toLowerCase(Locale.ROOT));
        return DeleteRoleResponse.builder().build();
    }

    @Override
    public synchronized UpdateAssumeRolePolicyResponse updateAssumeRolePolicy(UpdateAssumeRolePolicyRequest request) {
        account.log().mutate("iam:UpdateAssumeRolePolicy");
        RoleState r = role(request.roleName());
        validatePolicy(request.policyDocument());
        r.role = r.role.toBuilder().assumeRolePolicyDocument(request.policyDocument()).build();
        return UpdateAssumeRolePolicyResponse.builder().build();
    }

    // ---- inline policies

    @Override
    public synchronized PutRolePolicyResponse putRolePolicy(PutRolePolicyRequest request) {
        account.log().mutate("iam:PutRolePolicy");
        RoleState r = role(request.roleName());
        validateName("policyName", request.policyName());
        validatePolicy(request.policyDocument());
        r.inline.put(request.policyName(), request.policyDocument());
        return PutRolePolicyResponse.builder().build();
    }

    @Override
    public synchronized GetRolePolicyResponse getRolePolicy(GetRolePolicyRequest request) {
        account.log().read("iam:GetRolePolicy");
        RoleState r = role(request.roleName());
        String doc = r.inline.get(request.policyName());
        if (doc == null) {
            throw noSuchEntity("The role policy with name " + request.policyName() + " cannot be found.");
        }
        return GetRolePolicyResponse.builder().roleName(r.role.roleName()).policyName(request.policyName())
                .policyDocument(urlEncode(doc)).build();
    }

    @Override
    public synchronized DeleteRolePolicyResponse deleteRolePolicy(DeleteRolePolicyRequest request) {
        account.log().mutate("iam:DeleteRolePolicy");
        RoleState r = role(request.roleName());
        if (r.inline.remove(request.policyName()) == null) {
            throw noSuchEntity("The role policy with name " + request.policyName() + " cannot be found.");
        }
        return DeleteRolePolicyResponse.builder().build();
    }

    @Override
    public synchronized ListRolePoliciesResponse listRolePolicies(ListRolePoliciesRequest request) {
        account.log().read("iam:ListRolePolicies");
        RoleState r = role(request.roleName());
        return ListRolePoliciesResponse.builder().policyNames(new ArrayList<>(r.inline.keySet())).isTruncated(false).build();
    }

    // ---- managed policies

    @Override
    public synchronized AttachRolePolicyResponse attachRolePolicy(AttachRolePolicyRequest request) {
        account.log().mutate("iam:AttachRolePolicy");
        RoleState r = role(request.roleName());
        String arn = request.policyArn();
        if (arn == null || !POLICY_ARN.matcher(arn).matches()) {
            throw err(InvalidInputException.builder(), 400, "InvalidInput", "ARN " + arn + " is not valid.");
        }
        if (!r.attached.containsKey(arn) && r.attached.size() >= 10) {
            throw err(LimitExceededException.builder(), 409, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10");
        }
        r.attached.put(arn, arn.substring(arn.lastIndexOf('/') + 1));
        return AttachRolePolicyResponse.builder().build();
    }

    @Override
    public synchronized DetachRolePolicyResponse detachRolePolicy(DetachRolePolicyRequest request) {
        account.log().mutate("iam:DetachRolePolicy");
        RoleState r = role(request.roleName());
        if (r.attached.remove(request.policyArn()) == null) {
            throw noSuchEntity("Policy " + request.policyArn() + " was not found.");
        }
        return DetachRolePolicyResponse.builder().build();
    }

    @Override
    public synchronized ListAttachedRolePoliciesResponse listAttachedRolePolicies(ListAttachedRolePoliciesRequest request) {
        account.log().read("iam:ListAttachedRolePolicies");
        RoleState r = role(request.roleName());
        return ListAttachedRolePoliciesResponse.builder().isTruncated(false)
                .attachedPolicies(r.attached.entrySet().stream()
                        .map(e -> AttachedPolicy.builder().policyArn(e.getKey()).policyName(e.getValue()).build()).toList())
                .build();
    }

    // ---- tags

    @Override
    public synchronized TagRoleResponse tagRole(TagRoleRequest request) {
        account.log().mutate("iam:TagRole");
        RoleState r = role(request.roleName());
        Map<String, String> next = new LinkedHashMap<>(r.tags);
        request.tags().forEach(t -> next.put(t.key(), t.value()));
        if (next.size() > 50) {
            throw err(LimitExceededException.builder(), 409, "LimitExceeded", "The number of tags has reached the maximum limit.");
        }
        r.tags.putAll(next);
        return TagRoleResponse.builder().build();
    }

    @Override
    public synchronized UntagRoleResponse untagRole(UntagRoleRequest request) {
        account.log().mutate("iam:UntagRole");
        role(request.roleName()).tags.keySet().removeAll(request.tagKeys());
        return UntagRoleResponse.builder().build();
    }

    @Override
    public synchronized ListRoleTagsResponse listRoleTags(ListRoleTagsRequest request) {
        account.log().read("iam:ListRoleTags");
        return ListRoleTagsResponse.builder().tags(tags(role(request.roleName()))).isTruncated(false).build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }

    // ---- internals

    private RoleState role(String name) {
        RoleState r = name == null ? null : roles.get(name.toLowerCase(Locale.ROOT));
        if (r == null) {
            throw noSuchEntity("The role with name " + name + " cannot be found.");
        }
        return r;
    }

    private Role out(RoleState r) {
        return r.role.toBuilder().assumeRolePolicyDocument(urlEncode(r.role.assumeRolePolicyDocument()))
                .tags(r.tags.isEmpty() ? null : tags(r)).build();
    }

    private static List<Tag> tags(RoleState r) {
        return r.tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }

    private void validateName(String member, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw validation("1 validation error detected: Value '" + value + "' at '" + member
                    + "' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
        }
    }

    private void validatePolicy(String document) {
        try {
            if (document == null || !JSON.readTree(document).isObject()) {
                throw new IOException("not an object");
            }
        } catch (IOException e) {
            throw err(MalformedPolicyDocumentException.builder(), 400, "MalformedPolicyDocument", "This policy contains invalid Json");
        }
    }

    private IamException validation(String message) {
        return err(IamException.builder(), 400, "ValidationError", message);
    }

    private NoSuchEntityException noSuchEntity(String message) {
        return err(NoSuchEntityException.builder(), 404, "NoSuchEntity", message);
    }

    private <E extends AwsServiceException> E err(AwsServiceException.Builder b, int status, String code, String message) {
        return account.error(b, "Iam", status, code, message);
    }
}
