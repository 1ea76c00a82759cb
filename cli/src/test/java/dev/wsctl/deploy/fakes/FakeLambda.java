package dev.wsctl.deploy.fakes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.*;
import software.amazon.awssdk.services.lambda.waiters.LambdaWaiter;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Lambda functions ($LATEST and published versions), aliases, resource policies, asynchronous invocation settings
 * (event invoke configs, per qualifier; gone with their function, version or alias) and tags, with Lambda's
 * state machine: right after CreateFunction a function is {@code State=Pending}, right after an update of
 * code or configuration it is {@code LastUpdateStatus=InProgress}; the {@link #readsToSettle}-th read
 * (GetFunction or GetFunctionConfiguration) after that settles it ({@code Active}/{@code Successful}, and
 * the read already shows the settled state). Updating or publishing before it settled throws
 * ResourceConflictException, as Lambda does; the SDK waiters ({@link #waiter()}) poll those reads.
 */
public final class FakeLambda implements LambdaClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9-_]{1,64}");
    private static final Pattern ROLE = Pattern.compile("arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    private static final Pattern SID = Pattern.compile("[a-zA-Z0-9-_.]{1,100}");
    private static final DateTimeFormatter LAST_MODIFIED =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);
    private static final String LATEST = "$LATEST";
    private static final String CANNOT_ASSUME = "The role defined for the function cannot be assumed by Lambda.";

    private static final class Fn {
        FunctionConfiguration latest;
        final Map<String, Integer> unsettledReads = new LinkedHashMap<>(); // qualifier -> reads left
        final TreeMap<Integer, FunctionConfiguration> versions = new TreeMap<>();
        final Map<String, AliasConfiguration> aliases = new TreeMap<>();
        final Map<String, Map<String, ObjectNode>> policies = new TreeMap<>(); // qualifier ("" = none) -> sid -> statement
        final Map<String, String> tags = new TreeMap<>();
        final Map<String, FunctionEventInvokeConfig> invokeConfigs = new TreeMap<>(); // qualifier ($LATEST = none) -> config
    }

    private final FakeAccount account;
    private final FakeIam iam; // may be null: then any well-formed role ARN is accepted
    private final Map<String, Fn> functions = new TreeMap<>();
    private int readsToSettle = 1;
    private int rejectNewRoles;
    private long ids;

    public FakeLambda(FakeAccount account) {
        this(account, null);
    }

    /** With {@code iam}, CreateFunction and a role change require the role to exist and trust lambda.amazonaws.com. */
    public FakeLambda(FakeAccount account, FakeIam iam) {
        this.account = account;
        this.iam = iam;
    }

    // ---- knobs and helpers for tests

    /** How many reads it takes a function to leave Pending / InProgress (default 1: the first read sees it settled). */
    public synchronized FakeLambda readsToSettle(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n >= 1");
        }
        readsToSettle = n;
        return this;
    }

    /**
     * The next {@code n} CreateFunction calls fail with InvalidParameterValueException "The role defined for
     * the function cannot be assumed by Lambda." (400), as Lambda answers for a few seconds after the role
     * was created, before IAM has propagated it.
     */
    public synchronized FakeLambda rejectNewRolesFor(int n) {
        rejectNewRoles = n;
        return this;
    }

    public synchronized List<String> functionNames() {
        return List.copyOf(functions.keySet());
    }

    /** The $LATEST configuration as stored, without advancing the state machine; null when absent. */
    public synchronized FunctionConfiguration peek(String functionName) {
        Fn fn = functions.get(functionName);
        return fn == null ? null : fn.latest;
    }

    /** The function's resource policy (unqualified) as Lambda's GetPolicy returns it; null when it has none. */
    public synchronized String policy(String functionName) {
        Fn fn = functions.get(functionName);
        return fn == null || !fn.policies.containsKey("") ? null : policyJson(fn, "");
    }

    /** CodeSha256 as Lambda computes it: base64 of the SHA-256 of the deployment package. */
    public static String codeSha256(byte[] zip) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(zip));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized List<String> inventory() {
        List<String> out = new ArrayList<>();
        functions.forEach((name, fn) -> {
            out.add("lambda function " + name);
            fn.versions.keySet().forEach(v -> out.add("lambda version " + name + ":" + v));
            fn.aliases.keySet().forEach(a -> out.add("lambda alias " + name + ":" + a));
            fn.policies.forEach((q, sids) -> sids.keySet().forEach(
                    sid -> out.add("lambda permission " + name + (q.isEmpty() ? "" : ":" + q) + " " + sid)));
            fn.invokeConfigs.keySet().forEach(q -> out.add("lambda async config " + name + ":" + q));
        });
        return out;
    }

    // ---- functions

    @Override
    public synchronized CreateFunctionResponse createFunction(CreateFunctionRequest r) {
        account.log().mutate("lambda:CreateFunction");
        if (rejectNewRoles > 0) {
            rejectNewRoles--;
            throw err(InvalidParameterValueException.builder().type("User"), 400, "InvalidParameterValueException", CANNOT_ASSUME);
        }
        String name = r.functionName();
        if (name == null || !NAME.matcher(name).matches()) {
            throw validation("functionName", name, "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+");
        }
        checkRole(r.role());
        if (r.code() == null || r.code().zipFile() == null) {
            throw r.code() != null && (r.code().s3Bucket() != null || r.code().imageUri() != null)
                    ? new UnsupportedOperationException("FakeLambda supports Code.ZipFile only")
                    : invalidParameter("Please provide a source for function code.");
        }
        if (r.packageType() == null || r.packageType() == PackageType.ZIP) {
            if (r.runtimeAsString() == null || r.handler() == null) {
                throw invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
            }
        }
        checkLimits(r.memorySize(), r.timeout());
        byte[] zip = zip(r.code().zipFile());
        if (functions.containsKey(name)) {
            throw err(ResourceConflictException.builder().type("User"), 409, "ResourceConflictException",
                    "Function already exist: " + name);
        }
        Fn fn = new Fn();
        fn.latest = FunctionConfiguration.builder()
                .functionName(name).functionArn(arn(name)).runtime(r.runtimeAsString()).role(r.role()).handler(r.handler())
                .codeSize((long) zip.length).codeSha256(codeSha256(zip)).description(r.description() == null ? "" : r.description())
                .timeout(r.timeout() == null ? 3 : r.timeout()).memorySize(r.memorySize() == null ? 128 : r.memorySize())
                .version(LATEST).environment(environment(r.environment()))
                .tracingConfig(t -> t.mode(r.tracingConfig() == null || r.tracingConfig().mode() == null
                        ? TracingMode.PASS_THROUGH : r.tracingConfig().mode()))
                .packageType(PackageType.ZIP)
                .architecturesWithStrings(r.hasArchitectures() ? r.architecturesAsStrings() : List.of(Architecture.X86_64.toString()))
                .ephemeralStorage(r.ephemeralStorage() == null ? EphemeralStorage.builder().size(512).build() : r.ephemeralStorage())
                .snapStart(s -> s.applyOn(r.snapStart() == null ? SnapStartApplyOn.NONE : r.snapStart().applyOn())
                        .optimizationStatus(SnapStartOptimizationStatus.OFF))
                .loggingConfig(logging(name, null, r.loggingConfig()))
                .runtimeVersionConfig(v -> v.runtimeVersionArn("arn:aws:lambda:" + account.region() + "::runtime:"
                        + FakeAccount.id(r.runtimeAsString().hashCode(), 64)))
                .state(State.PENDING).stateReason("The function is being created.").stateReasonCode(StateReasonCode.CREATING)
                .lastUpdateStatus(LastUpdateStatus.IN_PROGRESS).lastUpdateStatusReason("The function is being created.")
                .build();
        stamp(fn);
        fn.tags.putAll(r.tags());
        functions.put(name, fn);
        fn.unsettledReads.put(LATEST, readsToSettle);
        FunctionConfiguration out = Boolean.TRUE.equals(r.publish()) ? publish(fn, null) : fn.latest;
        return Pojos.copy(out, CreateFunctionResponse.builder()).build();
    }

    @Override
    public synchronized GetFunctionResponse getFunction(GetFunctionRequest r) {
        account.log().read("lambda:GetFunction");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref);
        FunctionConfiguration c = read(fn, ref);
        return GetFunctionResponse.builder().configuration(c)
                .code(FunctionCodeLocation.builder().repositoryType("S3").location("https://awslambda-" + account.region()
                        + "-tasks.s3." + account.region() + ".amazonaws.com/snapshots/" + account.accountId() + "/"
                        + fn.latest.functionName() + "-" + FakeAccount.uuid(c.codeSha256().hashCode())).build())
                .tags(fn.tags.isEmpty() ? null : fn.tags).build();
    }

    @Override
    public synchronized GetFunctionConfigurationResponse getFunctionConfiguration(GetFunctionConfigurationRequest r) {
        account.log().read("lambda:GetFunctionConfiguration");
        Ref ref = ref(r.functionName(), r.qualifier());
        return Pojos.copy(read(fn(ref), ref), GetFunctionConfigurationResponse.builder()).build();
    }

    @Override
    public synchronized UpdateFunctionCodeResponse updateFunctionCode(UpdateFunctionCodeRequest r) {
        account.log().mutate("lambda:UpdateFunctionCode");
        Fn fn = fn(unqualified(r.functionName()));
        if (r.zipFile() == null) {
            if (r.s3Bucket() != null || r.imageUri() != null) {
                throw new UnsupportedOperationException("FakeLambda supports ZipFile only");
            }
            throw invalidParameter("Please provide a source for function code.");
        }
        byte[] zip = zip(r.zipFile());
        checkRevision(fn.latest.revisionId(), r.revisionId());
        FunctionConfiguration.Builder next = fn.latest.toBuilder().codeSha256(codeSha256(zip)).codeSize((long) zip.length);
        if (r.hasArchitectures()) {
            next.architecturesWithStrings(r.architecturesAsStrings());
        }
        if (Boolean.TRUE.equals(r.dryRun())) {
            return Pojos.copy(next.build(), UpdateFunctionCodeResponse.builder()).build();
        }
        checkUpdatable(fn);
        FunctionConfiguration out = update(fn, next, Boolean.TRUE.equals(r.publish()));
        return Pojos.copy(out, UpdateFunctionCodeResponse.builder()).build();
    }

    @Override
    public synchronized UpdateFunctionConfigurationResponse updateFunctionConfiguration(UpdateFunctionConfigurationRequest r) {
        account.log().mutate("lambda:UpdateFunctionConfiguration");
        Fn fn = fn(unqualified(r.functionName()));
        checkLimits(r.memorySize(), r.timeout());
        if (r.role() != null) {
            checkRole(r.role());
        }
        checkRevision(fn.latest.revisionId(), r.revisionId());
        checkUpdatable(fn);
        FunctionConfiguration c = fn.latest;
        FunctionConfiguration.Builder next = c.toBuilder();
        if (r.role() != null) next.role(r.role());
        if (r.handler() != null) next.handler(r.handler());
        if (r.description() != null) next.description(r.description());
        if (r.timeout() != null) next.timeout(r.timeout());
        if (r.memorySize() != null) next.memorySize(r.memorySize());
        if (r.runtimeAsString() != null) next.runtime(r.runtimeAsString());
        if (r.environment() != null) next.environment(environment(r.environment()));
        if (r.ephemeralStorage() != null) next.ephemeralStorage(r.ephemeralStorage());
        if (r.tracingConfig() != null) next.tracingConfig(t -> t.mode(r.tracingConfig().mode()));
        if (r.snapStart() != null) {
            next.snapStart(s -> s.applyOn(r.snapStart().applyOn()).optimizationStatus(SnapStartOptimizationStatus.OFF));
        }
        if (r.loggingConfig() != null) next.loggingConfig(logging(c.functionName(), c.loggingConfig(), r.loggingConfig()));
        return Pojos.copy(update(fn, next, false), UpdateFunctionConfigurationResponse.builder()).build();
    }

    @Override
    public synchronized DeleteFunctionResponse deleteFunction(DeleteFunctionRequest r) {
        account.log().mutate("lambda:DeleteFunction");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref.unqualified());
        if (ref.qualifier() == null) {
            functions.remove(ref.name());
            return DeleteFunctionResponse.builder().statusCode(204).build();
        }
        if (LATEST.equals(ref.qualifier())) {
            throw invalidParameter("$LATEST version cannot be deleted without deleting the function.");
        }
        Integer v = versionNumber(ref.qualifier());
        if (v == null || !fn.versions.containsKey(v)) {
            throw notFound("Function not found: " + arn(ref.name()) + ":" + ref.qualifier());
        }
        List<String> using = fn.aliases.values().stream().filter(a -> a.functionVersion().equals(ref.qualifier()))
                .map(AliasConfiguration::name).toList();
        if (!using.isEmpty()) {
            throw err(ResourceConflictException.builder().type("User"), 409, "ResourceConflictException",
                    "Unable to delete version because the following aliases reference it: " + using);
        }
        fn.versions.remove(v);
        fn.policies.remove(ref.qualifier());
        fn.invokeConfigs.remove(ref.qualifier());
        return DeleteFunctionResponse.builder().statusCode(204).build();
    }

    // ---- versions

    @Override
    public synchronized PublishVersionResponse publishVersion(PublishVersionRequest r) {
        account.log().mutate("lambda:PublishVersion");
        Fn fn = fn(unqualified(r.functionName()));
        if (r.codeSha256() != null && !r.codeSha256().equals(fn.latest.codeSha256())) {
            throw invalidParameter("CodeSHA256 (" + r.codeSha256() + ") is different from current CodeSHA256 in $LATEST ("
                    + fn.latest.codeSha256() + "). Please try again.");
        }
        checkRevision(fn.latest.revisionId(), r.revisionId());
        checkUpdatable(fn);
        return Pojos.copy(publish(fn, r.description()), PublishVersionResponse.builder()).build();
    }

    @Override
    public synchronized ListVersionsByFunctionResponse listVersionsByFunction(ListVersionsByFunctionRequest r) {
        account.log().read("lambda:ListVersionsByFunction");
        Fn fn = fn(unqualified(r.functionName()));
        List<FunctionConfiguration> all = new ArrayList<>();
        all.add(fn.latest);
        all.addAll(fn.versions.values());
        int from = r.marker() == null ? 0 : Integer.parseInt(r.marker());
        int to = Math.min(all.size(), from + (r.maxItems() == null ? 50 : r.maxItems()));
        return ListVersionsByFunctionResponse.builder().versions(all.subList(from, to))
                .nextMarker(to < all.size() ? String.valueOf(to) : null).build();
    }

    // ---- aliases

    @Override
    public synchronized CreateAliasResponse createAlias(CreateAliasRequest r) {
        account.log().mutate("lambda:CreateAlias");
        Fn fn = fn(unqualified(r.functionName()));
        String name = r.name();
        if (name == null || !name.matches("(?!^[0-9]+$)([a-zA-Z0-9-_]{1,128})")) {
            throw validation("name", name, "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
        }
        checkVersion(fn, r.functionVersion());
        if (fn.aliases.containsKey(name)) {
            throw err(ResourceConflictException.builder().type("User"), 409, "ResourceConflictException",
                    "Alias already exists: " + arn(fn.latest.functionName()) + ":" + name);
        }
        AliasConfiguration a = AliasConfiguration.builder().aliasArn(arn(fn.latest.functionName()) + ":" + name).name(name)
                .functionVersion(r.functionVersion()).description(r.description() == null ? "" : r.description())
                .routingConfig(r.routingConfig()).revisionId(FakeAccount.uuid(++ids)).build();
        fn.aliases.put(name, a);
        return Pojos.copy(a, CreateAliasResponse.builder()).build();
    }

    @Override
    public synchronized GetAliasResponse getAlias(GetAliasRequest r) {
        account.log().read("lambda:GetAlias");
        Fn fn = fn(unqualified(r.functionName()));
        return Pojos.copy(alias(fn, r.name()), GetAliasResponse.builder()).build();
    }

    @Override
    public synchronized ListAliasesResponse listAliases(ListAliasesRequest r) {
        account.log().read("lambda:ListAliases");
        Fn fn = fn(unqualified(r.functionName()));
        return ListAliasesResponse.builder().aliases(fn.aliases.values().stream()
                .filter(a -> r.functionVersion() == null || r.functionVersion().equals(a.functionVersion())).toList()).build();
    }

    @Override
    public synchronized UpdateAliasResponse updateAlias(UpdateAliasRequest r) {
        account.log().mutate("lambda:UpdateAlias");
        Fn fn = fn(unqualified(r.functionName()));
        AliasConfiguration a = alias(fn, r.name());
        checkRevision(a.revisionId(), r.revisionId());
        if (r.functionVersion() != null) {
            checkVersion(fn, r.functionVersion());
        }
        AliasConfiguration.Builder next = a.toBuilder().revisionId(FakeAccount.uuid(++ids));
        if (r.functionVersion() != null) next.functionVersion(r.functionVersion());
        if (r.description() != null) next.description(r.description());
        if (r.routingConfig() != null) next.routingConfig(r.routingConfig());
        fn.aliases.put(a.name(), next.build());
        return Pojos.copy(fn.aliases.get(a.name()), UpdateAliasResponse.builder()).build();
    }

    @Override
    public synchronized DeleteAliasResponse deleteAlias(DeleteAliasRequest r) {
        account.log().mutate("lambda:DeleteAlias");
        Fn fn = fn(unqualified(r.functionName()));
        fn.aliases.remove(r.name()); // Lambda answers 204 for an alias that does not exist
        fn.policies.remove(r.name());
        fn.invokeConfigs.remove(r.name());
        return DeleteAliasResponse.builder().build();
    }

    // ---- resource policy

    @Override
    public synchronized AddPermissionResponse addPermission(AddPermissionRequest r) {
        account.log().mutate("lambda:AddPermission");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref.unqualified());
        String q = qualifierKey(fn, ref);
        if (r.statementId() == null || !SID.matcher(r.statementId()).matches()) {
            throw validation("statementId", r.statementId(), "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)");
        }
        if (r.action() == null || !r.action().matches("(lambda:[*]|lambda:[a-zA-Z]+|[*])")) {
            throw validation("action", r.action(), "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
        }
        if (r.principal() == null) {
            throw validation("principal", null, "Member must not be null");
        }
        checkRevision(fn.latest.revisionId(), r.revisionId());
        Map<String, ObjectNode> statements = fn.policies.getOrDefault(q, new LinkedHashMap<>());
        if (statements.containsKey(r.statementId())) {
            throw err(ResourceConflictException.builder().type("User"), 409, "ResourceConflictException", "The statement id ("
                    + r.statementId() + ") provided already exists. Please provide a new statement id, or remove the existing statement.");
        }
        ObjectNode s = JSON.createObjectNode().put("Sid", r.statementId()).put("Effect", "Allow");
        if ("*".equals(r.principal())) {
            s.put("Principal", "*");
        } else if (r.principal().matches("\\d{12}")) {
            s.putObject("Principal").put("AWS", "arn:aws:iam::" + r.principal() + ":root");
        } else if (r.principal().startsWith("arn:")) {
            s.putObject("Principal").put("AWS", r.principal());
        } else {
            s.putObject("Principal").put("Service", r.principal());
        }
        s.put("Action", r.action()).put("Resource", arn(fn.latest.functionName()) + (q.isEmpty() ? "" : ":" + q));
        if (r.sourceArn() != null || r.sourceAccount() != null || r.principalOrgID() != null) {
            ObjectNode cond = s.putObject("Condition");
            if (r.sourceAccount() != null) cond.withObjectProperty("StringEquals").put("AWS:SourceAccount", r.sourceAccount());
            if (r.principalOrgID() != null) cond.withObjectProperty("StringEquals").put("aws:PrincipalOrgID", r.principalOrgID());
            if (r.sourceArn() != null) cond.putObject("ArnLike").put("AWS:SourceArn", r.sourceArn());
        }
        statements.put(r.statementId(), s);
        fn.policies.put(q, statements);
        stamp(fn);
        return AddPermissionResponse.builder().statement(s.toString()).build();
    }

    @Override
    public synchronized RemovePermissionResponse removePermission(RemovePermissionRequest r) {
        account.log().mutate("lambda:RemovePermission");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref.unqualified());
        String q = qualifierKey(fn, ref);
        checkRevision(fn.latest.revisionId(), r.revisionId());
        Map<String, ObjectNode> statements = fn.policies.get(q);
        if (statements == null) {
            throw notFound("No policy is associated with the given resource.");
        }
        if (statements.remove(r.statementId()) == null) {
            throw notFound("Statement " + r.statementId() + " is not found in resource policy.");
        }
        if (statements.isEmpty()) {
            fn.policies.remove(q);
        }
        stamp(fn);
        return RemovePermissionResponse.builder().build();
    }

    @Override
    public synchronized GetPolicyResponse getPolicy(GetPolicyRequest r) {
        account.log().read("lambda:GetPolicy");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref.unqualified());
        String q = qualifierKey(fn, ref);
        if (!fn.policies.containsKey(q)) {
            throw notFound("The resource you requested does not exist.");
        }
        return GetPolicyResponse.builder().policy(policyJson(fn, q)).revisionId(fn.latest.revisionId()).build();
    }

    // ---- asynchronous invocation

    @Override
    public synchronized PutFunctionEventInvokeConfigResponse putFunctionEventInvokeConfig(PutFunctionEventInvokeConfigRequest r) {
        account.log().mutate("lambda:PutFunctionEventInvokeConfig");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref.unqualified());
        String q = invokeQualifier(fn, ref);
        checkAsyncLimits(r.maximumRetryAttempts(), r.maximumEventAgeInSeconds());
        // Put replaces the whole config: what it leaves out is back to Lambda's default (2 retries, 6 hours)
        FunctionEventInvokeConfig c = Pojos.copy(r, FunctionEventInvokeConfig.builder())
                .functionArn(arn(fn.latest.functionName()) + ":" + q).lastModified(account.now()).build();
        fn.invokeConfigs.put(q, c);
        return Pojos.copy(c, PutFunctionEventInvokeConfigResponse.builder()).build();
    }

    @Override
    public synchronized UpdateFunctionEventInvokeConfigResponse updateFunctionEventInvokeConfig(UpdateFunctionEventInvokeConfigRequest r) {
        account.log().mutate("lambda:UpdateFunctionEventInvokeConfig");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref.unqualified());
        String q = invokeQualifier(fn, ref);
        FunctionEventInvokeConfig current = invokeConfig(fn, q);
        checkAsyncLimits(r.maximumRetryAttempts(), r.maximumEventAgeInSeconds());
        FunctionEventInvokeConfig c = Pojos.patch(r, current.toBuilder()).lastModified(account.now()).build();
        fn.invokeConfigs.put(q, c);
        return Pojos.copy(c, UpdateFunctionEventInvokeConfigResponse.builder()).build();
    }

    @Override
    public synchronized GetFunctionEventInvokeConfigResponse getFunctionEventInvokeConfig(GetFunctionEventInvokeConfigRequest r) {
        account.log().read("lambda:GetFunctionEventInvokeConfig");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref.unqualified());
        return Pojos.copy(invokeConfig(fn, invokeQualifier(fn, ref)), GetFunctionEventInvokeConfigResponse.builder()).build();
    }

    @Override
    public synchronized DeleteFunctionEventInvokeConfigResponse deleteFunctionEventInvokeConfig(DeleteFunctionEventInvokeConfigRequest r) {
        account.log().mutate("lambda:DeleteFunctionEventInvokeConfig");
        Ref ref = ref(r.functionName(), r.qualifier());
        Fn fn = fn(ref.unqualified());
        String q = invokeQualifier(fn, ref);
        invokeConfig(fn, q);
        fn.invokeConfigs.remove(q);
        return DeleteFunctionEventInvokeConfigResponse.builder().build();
    }

    // ---- tags (by function ARN)

    @Override
    public synchronized TagResourceResponse tagResource(TagResourceRequest r) {
        account.log().mutate("lambda:TagResource");
        tagged(r.resource()).tags.putAll(r.tags());
        return TagResourceResponse.builder().build();
    }

    @Override
    public synchronized UntagResourceResponse untagResource(UntagResourceRequest r) {
        account.log().mutate("lambda:UntagResource");
        tagged(r.resource()).tags.keySet().removeAll(r.tagKeys());
        return UntagResourceResponse.builder().build();
    }

    @Override
    public synchronized ListTagsResponse listTags(ListTagsRequest r) {
        account.log().read("lambda:ListTags");
        return ListTagsResponse.builder().tags(tagged(r.resource()).tags).build();
    }

    /** The SDK's waiter over this fake (LambdaClient's default {@code waiter()} throws). Polls GetFunction (…V2) or GetFunctionConfiguration. */
    @Override
    public LambdaWaiter waiter() {
        return LambdaWaiter.builder().client(this).build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }

    // ---- internals

    private record Ref(String name, String qualifier) {
        Ref unqualified() {
            return new Ref(name, null);
        }
    }

    /** Accepts a name, "name:qualifier", or a full function ARN (with or without qualifier), like Lambda. */
    private Ref ref(String functionName, String qualifier) {
        if (functionName == null) {
            throw validation("functionName", null, "Member must not be null");
        }
        String name = functionName;
        String q = null;
        if (functionName.startsWith("arn:")) {
            String[] p = functionName.split(":");
            if (p.length < 7 || p.length > 8 || !"lambda".equals(p[2]) || !"function".equals(p[5])) {
                throw validation("functionName", functionName, "Member must satisfy regular expression pattern: "
                        + "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
            }
            if (!p[3].equals(account.region()) || !p[4].equals(account.accountId())) {
                throw notFound("Function not found: " + functionName);
            }
            name = p[6];
            q = p.length == 8 ? p[7] : null;
        } else if (functionName.contains(":")) {
            name = functionName.substring(0, functionName.indexOf(':'));
            q = functionName.substring(functionName.indexOf(':') + 1);
        }
        if (qualifier != null) {
            if (q != null && !q.equals(qualifier)) {
                throw invalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
            }
            q = qualifier;
        }
        return new Ref(name, q);
    }

    private Ref unqualified(String functionName) {
        Ref ref = ref(functionName, null);
        if (ref.qualifier() != null) {
            throw invalidParameter("Unsupported function qualifier: " + ref.qualifier());
        }
        return ref;
    }

    private Fn fn(Ref ref) {
        Fn fn = functions.get(ref.name());
        if (fn == null) {
            throw notFound("Function not found: " + arn(ref.name()) + (ref.qualifier() == null ? "" : ":" + ref.qualifier()));
        }
        return fn;
    }

    /** The configuration a read of {@code ref} returns, advancing the state machine of what it reads. */
    private FunctionConfiguration read(Fn fn, Ref ref) {
        String q = ref.qualifier() == null ? LATEST : ref.qualifier();
        if (fn.aliases.containsKey(q)) {
            q = fn.aliases.get(q).functionVersion();
        }
        Integer v = versionNumber(q);
        if (!LATEST.equals(q) && (v == null || !fn.versions.containsKey(v))) {
            throw notFound("Function not found: " + arn(ref.name()) + ":" + ref.qualifier());
        }
        Integer left = fn.unsettledReads.get(q);
        if (left != null && left <= 1) {
            fn.unsettledReads.remove(q);
            if (v == null) {
                fn.latest = settle(fn.latest);
            } else {
                fn.versions.put(v, settle(fn.versions.get(v)));
            }
        } else if (left != null) {
            fn.unsettledReads.put(q, left - 1);
        }
        return v == null ? fn.latest : fn.versions.get(v);
    }

    private static FunctionConfiguration settle(FunctionConfiguration c) {
        return c.toBuilder().state(State.ACTIVE).stateReason(null).stateReasonCode((String) null)
                .lastUpdateStatus(LastUpdateStatus.SUCCESSFUL).lastUpdateStatusReason(null)
                .lastUpdateStatusReasonCode((String) null).build();
    }

    private void checkUpdatable(Fn fn) {
        FunctionConfiguration c = fn.latest;
        if (c.state() == State.PENDING) {
            throw conflict("The operation cannot be performed at this time. The function is currently in the following state: Pending");
        }
        if (c.lastUpdateStatus() == LastUpdateStatus.IN_PROGRESS) {
            throw conflict("The operation cannot be performed at this time. An update is in progress for resource: "
                    + arn(c.functionName()));
        }
    }

    private FunctionConfiguration update(Fn fn, FunctionConfiguration.Builder next, boolean publish) {
        fn.latest = next.lastUpdateStatus(LastUpdateStatus.IN_PROGRESS)
                .lastUpdateStatusReason("The function is being created.").build();
        stamp(fn);
        fn.unsettledReads.put(LATEST, readsToSettle);
        return publish ? publish(fn, null) : fn.latest;
    }

    /** Publishes $LATEST unless the last version already has its code and configuration (Lambda returns that one then). */
    private FunctionConfiguration publish(Fn fn, String description) {
        if (!fn.versions.isEmpty() && fingerprint(fn.versions.lastEntry().getValue()).equals(fingerprint(fn.latest))) {
            return fn.versions.lastEntry().getValue();
        }
        int v = fn.versions.isEmpty() ? 1 : fn.versions.lastKey() + 1;
        boolean snap = fn.latest.snapStart() != null && fn.latest.snapStart().applyOn() == SnapStartApplyOn.PUBLISHED_VERSIONS;
        FunctionConfiguration.Builder b = settle(fn.latest).toBuilder().version(String.valueOf(v))
                .functionArn(arn(fn.latest.functionName()) + ":" + v).revisionId(FakeAccount.uuid(++ids))
                .description(description == null ? fn.latest.description() : description)
                .snapStart(s -> s.applyOn(fn.latest.snapStart().applyOn())
                        .optimizationStatus(snap ? SnapStartOptimizationStatus.ON : SnapStartOptimizationStatus.OFF));
        if (snap) {
            b.state(State.PENDING).stateReason("Optimizing the function.").stateReasonCode(StateReasonCode.CREATING);
            fn.unsettledReads.put(String.valueOf(v), readsToSettle);
        }
        fn.versions.put(v, b.build());
        return fn.versions.get(v);
    }

    private static FunctionConfiguration fingerprint(FunctionConfiguration c) {
        return settle(c).toBuilder().functionArn(null).version(null).revisionId(null).lastModified(null).description(null)
                .snapStart(s -> s.applyOn(c.snapStart() == null ? null : c.snapStart().applyOnAsString())).build();
    }

    private void stamp(Fn fn) {
        fn.latest = fn.latest.toBuilder().revisionId(FakeAccount.uuid(++ids))
                .lastModified(LAST_MODIFIED.format(account.now())).build();
    }

    private String qualifierKey(Fn fn, Ref ref) {
        String q = ref.qualifier() == null ? "" : ref.qualifier();
        if (LATEST.equals(q)) {
            throw invalidParameter("We currently do not support adding policies for $LATEST.");
        }
        Integer version = versionNumber(q);
        if (!q.isEmpty() && !fn.aliases.containsKey(q) && (version == null || !fn.versions.containsKey(version))) {
            throw notFound("Function not found: " + arn(ref.name()) + ":" + q);
        }
        return q;
    }

    /** The qualifier an event invoke config is kept under: $LATEST for none, else an existing alias or version. */
    private String invokeQualifier(Fn fn, Ref ref) {
        String q = ref.qualifier() == null ? LATEST : ref.qualifier();
        Integer version = versionNumber(q);
        if (!LATEST.equals(q) && !fn.aliases.containsKey(q) && (version == null || !fn.versions.containsKey(version))) {
            throw notFound("Function not found: " + arn(ref.name()) + ":" + q);
        }
        return q;
    }

    private FunctionEventInvokeConfig invokeConfig(Fn fn, String q) {
        FunctionEventInvokeConfig c = fn.invokeConfigs.get(q);
        if (c == null) {
            throw notFound("The function " + arn(fn.latest.functionName()) + ":" + q + " doesn't have an EventInvokeConfig");
        }
        return c;
    }

    private void checkAsyncLimits(Integer retries, Integer maxAgeSeconds) {
        if (retries != null && (retries < 0 || retries > 2)) {
            throw validation("maximumRetryAttempts", retries, "Member must have value " + (retries < 0
                    ? "greater than or equal to 0" : "less than or equal to 2"));
        }
        if (maxAgeSeconds != null && (maxAgeSeconds < 60 || maxAgeSeconds > 21600)) {
            throw validation("maximumEventAgeInSeconds", maxAgeSeconds, "Member must have value " + (maxAgeSeconds < 60
                    ? "greater than or equal to 60" : "less than or equal to 21600"));
        }
    }

    private String policyJson(Fn fn, String q) {
        ObjectNode policy = JSON.createObjectNode().put("Version", "2012-10-17").put("Id", "default");
        ArrayNode statements = policy.putArray("Statement");
        fn.policies.get(q).values().forEach(statements::add);
        return policy.toString();
    }

    private AliasConfiguration alias(Fn fn, String name) {
        AliasConfiguration a = fn.aliases.get(name);
        if (a == null) {
            throw notFound("Alias not found: " + arn(fn.latest.functionName()) + ":" + name);
        }
        return a;
    }

    private void checkVersion(Fn fn, String version) {
        if (version == null) {
            throw validation("functionVersion", null, "Member must not be null");
        }
        if (!LATEST.equals(version) && !fn.versions.containsKey(versionNumber(version))) {
            throw notFound("Function not found: " + arn(fn.latest.functionName()) + ":" + version);
        }
    }

    private Fn tagged(String resource) {
        if (resource == null || !resource.startsWith("arn:")) {
            throw validation("resource", resource, "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:.*");
        }
        Ref ref = ref(resource, null);
        if (ref.qualifier() != null) {
            throw invalidParameter("Tags are not supported on function versions or aliases: " + resource);
        }
        return fn(ref);
    }

    private void checkRole(String role) {
        if (role == null || !ROLE.matcher(role).matches()) {
            throw validation("role", role, "Member must satisfy regular expression pattern: " + ROLE.pattern());
        }
        if (iam != null && !iam.trusts(role, "lambda.amazonaws.com")) {
            throw invalidParameter(CANNOT_ASSUME);
        }
    }

    private void checkLimits(Integer memorySize, Integer timeout) {
        if (memorySize != null && (memorySize < 128 || memorySize > 10240)) {
            throw validation("memorySize", memorySize, "Member must have value " + (memorySize < 128
                    ? "greater than or equal to 128" : "less than or equal to 10240"));
        }
        if (timeout != null && (timeout < 1 || timeout > 900)) {
            throw validation("timeout", timeout, "Member must have value " + (timeout < 1
                    ? "greater than or equal to 1" : "less than or equal to 900"));
        }
    }

    private void checkRevision(String current, String given) {
        if (given != null && !given.equals(current)) {
            throw err(PreconditionFailedException.builder().type("User"), 412, "PreconditionFailedException",
                    "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
        }
    }

    private byte[] zip(SdkBytes bytes) {
        byte[] zip = bytes.asByteArray();
        if (zip.length < 4 || zip[0] != 'P' || zip[1] != 'K' || !(zip[2] == 3 && zip[3] == 4 || zip[2] == 5 && zip[3] == 6)) {
            throw invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
        }
        return zip;
    }

    private static EnvironmentResponse environment(Environment e) {
        return e == null || e.variables().isEmpty() ? null : EnvironmentResponse.builder().variables(e.variables()).build();
    }

    /** Lambda's defaults: Text format to /aws/lambda/NAME; JSON format adds INFO levels. */
    private static LoggingConfig logging(String name, LoggingConfig current, LoggingConfig given) {
        LoggingConfig.Builder b = current == null ? LoggingConfig.builder().logFormat(LogFormat.TEXT).logGroup("/aws/lambda/" + name)
                : current.toBuilder();
        if (given != null) {
            Pojos.patch(given, b);
        }
        LoggingConfig c = b.build();
        if (c.logFormat() == LogFormat.JSON) {
            return c.toBuilder().applicationLogLevel(c.applicationLogLevel() == null ? ApplicationLogLevel.INFO : c.applicationLogLevel())
                    .systemLogLevel(c.systemLogLevel() == null ? SystemLogLevel.INFO : c.systemLogLevel()).build();
        }
        return c.toBuilder().applicationLogLevel((String) null).systemLogLevel((String) null).build();
    }

    private static Integer versionNumber(String q) {
        return q != null && q.matches("[1-9][0-9]{0,9}") ? Integer.valueOf(q) : null;
    }

    private String arn(String name) {
        return "arn:aws:lambda:" + account.region() + ":" + account.accountId() + ":function:" + name;
    }

    private ResourceNotFoundException notFound(String message) {
        return err(ResourceNotFoundException.builder().type("User"), 404, "ResourceNotFoundException", message);
    }

    private ResourceConflictException conflict(String message) {
        return err(ResourceConflictException.builder().type("User"), 409, "ResourceConflictException", message);
    }

    private InvalidParameterValueException invalidParameter(String message) {
        return err(InvalidParameterValueException.builder().type("User"), 400, "InvalidParameterValueException", message);
    }

    private LambdaException validation(String member, Object value, String constraint) {
        return err(LambdaException.builder(), 400, "ValidationException",
                "1 validation error detected: Value '" + value + "' at '" + member + "' failed to satisfy constraint: " + constraint);
    }

    private <E extends AwsServiceException> E err(AwsServiceException.Builder b, int status, String code, String message) {
        return account.error(b, "Lambda", status, code, message);
    }
}
