package dev.wsctl.deploy;

import dev.wsctl.config.StackConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetAliasResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.LogFormat;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.SnapStartApplyOn;

/**
 * One Lambda function running a handler from {@code handlers.jar}. Code is uploaded only when its
 * SHA-256 differs from the deployed one. With SnapStart on, every change publishes a version and
 * points the alias {@code live} at it; API Gateway invokes the alias.
 *
 * <p>A function may keep a {@link Secret} in its environment (the authorizer's HS256 secret): the one deployed is
 * kept as long as it is valid, whatever else changes; a new one is generated only when there is none. Plans show
 * what happens to it ({@code WSCTL_AUTH_SECRET: (kept)}, {@code (none) → (generated)}), never its value.
 */
public final class FunctionResource implements Resource<FunctionResource.State> {
    static final String ALIAS = StackConfig.ALIAS;

    record State(
            String handler,
            String runtime,
            String architecture,
            int memory,
            int timeout,
            String role,
            Map<String, String> environment,
            String logFormat,
            boolean snapStart,
            String codeSha256,
            String aliasVersion,
            Map<String, String> tags) {

        /**
         * What the alias description records of the version it points at: every setting that a
         * published version freezes. The alias is current when its description equals this.
         */
        String fingerprint() {
            String frozen = List.of(
                            handler, runtime, architecture, memory, timeout, role, environment, logFormat, codeSha256)
                    .toString();
            return "wsctl "
                    + FunctionCode.of(frozen.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                            .sha256();
        }

        State withAlias(String aliasVersion) {
            return new State(
                    handler,
                    runtime,
                    architecture,
                    memory,
                    timeout,
                    role,
                    environment,
                    logFormat,
                    snapStart,
                    codeSha256,
                    aliasVersion,
                    tags);
        }

        /** Without the environment's values, which may hold a secret. */
        @Override
        public String toString() {
            return "State[handler=" + handler + ", memory=" + memory + ", environment=" + environment.keySet()
                    + ", code=" + codeSha256 + ", alias=" + aliasVersion + "]";
        }
    }

    /**
     * How a function is configured, from the stack's config.
     *
     * @param environment the function's environment from the callback URL and, for a function with a {@code secret},
     *                    the secret's value (the deployed one, kept, or a new one)
     * @param secret      an environment variable whose value deploy generates once and then keeps
     */
    record Spec(
            String function,
            String name,
            String handler,
            String runtime,
            String architecture,
            int memory,
            int timeout,
            boolean snapStart,
            Environment environment,
            Optional<Secret> secret,
            Map<String, String> tags) {}

    /** A function's environment, from the stack's config and what deploy knows by the time it configures it. */
    @FunctionalInterface
    interface Environment {
        /**
         * @param callback the stage's {@code @connections} URL
         * @param secret   the secret's value (the deployed one, kept, or a new one), for a function with a secret
         * @param outputs  the outputs of the resources before it (the webhooks function's queue URL)
         */
        Map<String, String> of(String callback, Optional<String> secret, Outputs outputs);
    }

    /**
     * A secret in a function's environment that deploy generates and then keeps.
     *
     * @param variable its environment variable, e.g. {@code WSCTL_AUTH_SECRET}
     * @param generate a new secret
     * @param valid    whether a deployed value is one to keep (a malformed or too short one is replaced)
     */
    record Secret(String variable, Supplier<String> generate, Predicate<String> valid) {}

    /** What plans say of a secret in place of its value. */
    static final String SECRET_NONE = "(none)";

    static final String SECRET_INVALID = "(invalid)";
    static final String SECRET_KEPT = "(kept)";
    static final String SECRET_GENERATED = "(generated)";

    private final LambdaClient lambda;
    private final Spec spec;
    private final FunctionCode code;
    private final Retry roleRetry;
    /** The valid secret the last {@link #actual} found deployed, which {@link #desired} keeps; null if none. */
    private String deployedSecret;
    /** The secret generated for this run when none is deployed: at most one, so plan and apply agree. */
    private String generatedSecret;

    FunctionResource(LambdaClient lambda, Spec spec, FunctionCode code, Retry roleRetry) {
        this.lambda = lambda;
        this.spec = spec;
        this.code = code;
        this.roleRetry = roleRetry;
    }

    @Override
    public Id id() {
        return new Id("function", spec.name());
    }

    @Override
    public State desired(Outputs outputs) {
        // before the API exists (a dry run on an empty account) its id is a placeholder that fits in a URL
        String apiId = outputs.known("api.id") ? outputs.get("api.id") : "api-id-known-after-apply";
        String callback = Endpoints.callbackUrl(outputs, apiId);
        State desired = new State(
                spec.handler(),
                spec.runtime(),
                spec.architecture(),
                spec.memory(),
                spec.timeout(),
                outputs.get("role." + spec.function() + ".arn"),
                new TreeMap<>(spec.environment().of(callback, spec.secret().map(this::secretToWrite), outputs)),
                LogFormat.JSON.toString(),
                spec.snapStart(),
                code.sha256(),
                "none",
                spec.tags());
        return spec.snapStart() ? desired.withAlias(desired.fingerprint()) : desired;
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        GetFunctionResponse got;
        deployedSecret = null;
        try {
            got = lambda.getFunction(r -> r.functionName(spec.name()));
        } catch (ResourceNotFoundException absent) {
            return Optional.empty();
        }
        FunctionConfiguration c = got.configuration();
        Map<String, String> environment =
                c.environment() == null ? Map.of() : c.environment().variables();
        spec.secret().ifPresent(s -> {
            String deployed = environment.get(s.variable());
            deployedSecret = deployed != null && s.valid().test(deployed) ? deployed : null;
        });
        String aliasVersion = "none";
        outputs.put("function." + spec.function() + ".arn", c.functionArn());
        outputs.put("function." + spec.function() + ".target", c.functionArn());
        try {
            GetAliasResponse alias =
                    lambda.getAlias(r -> r.functionName(spec.name()).name(ALIAS));
            outputs.put("function." + spec.function() + ".target", alias.aliasArn());
            aliasVersion = alias.description();
        } catch (ResourceNotFoundException noAlias) {
            // no alias yet
        }
        return Optional.of(new State(
                c.handler(),
                c.runtimeAsString(),
                c.architectures().isEmpty()
                        ? "x86_64"
                        : c.architectures().get(0).toString(),
                c.memorySize(),
                c.timeout(),
                c.role(),
                new TreeMap<>(environment),
                c.loggingConfig() == null ? "Text" : c.loggingConfig().logFormatAsString(),
                c.snapStart() != null && c.snapStart().applyOn() == SnapStartApplyOn.PUBLISHED_VERSIONS,
                c.codeSha256(),
                aliasVersion,
                got.tags() == null ? Map.of() : got.tags()));
    }

    /** The deployed secret if it is valid, else the one generated for this run. */
    private String secretToWrite(Secret secret) {
        if (deployedSecret != null) {
            return deployedSecret;
        }
        if (generatedSecret == null) {
            generatedSecret = secret.generate().get();
        }
        return generatedSecret;
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        String secret = spec.secret().map(Secret::variable).orElse(null);
        List<Change> changes = new Diff()
                .field("handler", actual.handler(), desired.handler())
                .field("runtime", actual.runtime(), desired.runtime())
                .field("architecture", actual.architecture(), desired.architecture())
                .field("memory", actual.memory(), desired.memory())
                .field("timeout", actual.timeout(), desired.timeout())
                .field("role", actual.role(), desired.role())
                .map("environment", without(actual.environment(), secret), without(desired.environment(), secret))
                .field("log format", actual.logFormat(), desired.logFormat())
                .field("snapstart", actual.snapStart(), desired.snapStart())
                .field("code", actual.codeSha256(), desired.codeSha256())
                .field("alias live", actual.aliasVersion(), desired.aliasVersion())
                .tags(actual.tags(), desired.tags())
                .changes();
        if (secret == null) {
            return changes;
        }
        List<Change> all = new java.util.ArrayList<>(changes);
        String deployed = actual.environment().get(secret);
        String wanted = desired.environment().get(secret);
        if (!java.util.Objects.equals(deployed, wanted)) {
            all.add(new Change(
                    secret,
                    deployed == null ? SECRET_NONE : SECRET_INVALID,
                    wanted == null ? SECRET_NONE : SECRET_GENERATED));
        } else if (wanted != null && changes.stream().anyMatch(FunctionResource::sendsConfiguration)) {
            all.add(new Change(secret, SECRET_KEPT, SECRET_KEPT)); // the environment is sent again, the secret stays
        }
        return List.copyOf(all);
    }

    @Override
    public List<Change> creating(State desired) {
        return spec.secret()
                .filter(s -> desired.environment().containsKey(s.variable()))
                .map(s -> List.of(new Change(s.variable(), SECRET_NONE, SECRET_GENERATED)))
                .orElse(List.of());
    }

    private static Map<String, String> without(Map<String, String> environment, String variable) {
        if (variable == null) {
            return environment;
        }
        Map<String, String> rest = new TreeMap<>(environment);
        rest.remove(variable);
        return rest;
    }

    /** A change that UpdateFunctionConfiguration sends (with the whole environment); code, tags and alias are apart. */
    private static boolean sendsConfiguration(Change c) {
        return !List.of("code", "tags", "alias live").contains(c.field());
    }

    @Override
    public void create(State desired, Outputs outputs) {
        CreateFunctionResponse created = roleRetry.run(
                "create function " + spec.name(),
                e -> e instanceof InvalidParameterValueException
                        && e.getMessage() != null
                        && e.getMessage().contains("cannot be assumed"),
                () -> lambda.createFunction(r -> r.functionName(spec.name())
                        .handler(desired.handler())
                        .runtime(desired.runtime())
                        .architecturesWithStrings(desired.architecture())
                        .memorySize(desired.memory())
                        .timeout(desired.timeout())
                        .role(desired.role())
                        .environment(e -> e.variables(desired.environment()))
                        .loggingConfig(l -> l.logFormat(desired.logFormat()))
                        .snapStart(s -> s.applyOn(
                                desired.snapStart() ? SnapStartApplyOn.PUBLISHED_VERSIONS : SnapStartApplyOn.NONE))
                        .code(c -> c.zipFile(SdkBytes.fromByteArray(code.jar())))
                        .description(description())
                        .tags(desired.tags())));
        outputs.put("function." + spec.function() + ".arn", created.functionArn());
        outputs.put("function." + spec.function() + ".target", created.functionArn());
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(spec.name()));
        if (desired.snapStart()) {
            publish(desired, outputs);
        }
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        awaitUpdated(); // an update still in progress (say, from an interrupted deploy) refuses another
        boolean configuration = changes.stream().anyMatch(FunctionResource::sendsConfiguration);
        if (configuration) {
            lambda.updateFunctionConfiguration(r -> r.functionName(spec.name())
                    .handler(desired.handler())
                    .runtime(desired.runtime())
                    .memorySize(desired.memory())
                    .timeout(desired.timeout())
                    .role(desired.role())
                    .environment(e -> e.variables(desired.environment()))
                    .loggingConfig(l -> l.logFormat(desired.logFormat()))
                    .snapStart(s -> s.applyOn(
                            desired.snapStart() ? SnapStartApplyOn.PUBLISHED_VERSIONS : SnapStartApplyOn.NONE)));
            awaitUpdated();
        }
        if (Diff.names(changes, "code") || Diff.names(changes, "architecture")) {
            lambda.updateFunctionCode(r -> r.functionName(spec.name())
                    .zipFile(SdkBytes.fromByteArray(code.jar()))
                    .architecturesWithStrings(desired.architecture()));
            awaitUpdated();
        }
        if (Diff.names(changes, "tags")) {
            String arn = outputs.get("function." + spec.function() + ".arn");
            Diff.syncTags(
                    actual.tags(),
                    desired.tags(),
                    stale -> lambda.untagResource(r -> r.resource(arn).tagKeys(stale)),
                    () -> lambda.tagResource(r -> r.resource(arn).tags(desired.tags())));
        }
        boolean changedRuntime = configuration || Diff.names(changes, "code") || Diff.names(changes, "architecture");
        if (desired.snapStart() && (changedRuntime || Diff.names(changes, "alias live"))) {
            publish(desired, outputs);
        }
    }

    /**
     * The function, and with SnapStart a version and the alias {@code live} on it. CloudFormation publishes a version
     * when it replaces the Version resource, which it does when the version's description changes: the description
     * is the fingerprint of the frozen settings (the alias's description in deploy too) followed by the code's
     * identity, which in a template is the jar's S3 key (named by its SHA-256; a fingerprint cannot see through a
     * reference).
     */
    @Override
    public void template(State desired, Template template, Outputs outputs) {
        String id = Template.logicalId(spec.function(), "Function");
        var p = template.resource(id, "AWS::Lambda::Function");
        p.put("FunctionName", spec.name());
        p.put("Description", description());
        p.put("Handler", desired.handler());
        p.put("Runtime", desired.runtime());
        p.putArray("Architectures").add(desired.architecture());
        p.put("MemorySize", desired.memory());
        p.put("Timeout", desired.timeout());
        p.put("Role", desired.role());
        p.putObject("Environment").set("Variables", Template.object(desired.environment()));
        p.putObject("LoggingConfig").put("LogFormat", desired.logFormat());
        p.putObject("SnapStart")
                .put(
                        "ApplyOn",
                        (desired.snapStart() ? SnapStartApplyOn.PUBLISHED_VERSIONS : SnapStartApplyOn.NONE).toString());
        p.putObject("Code")
                .put("S3Bucket", Template.ref(Template.CODE_BUCKET))
                .put("S3Key", Template.ref(Template.CODE_KEY));
        p.set("Tags", Template.tagList(desired.tags()));
        outputs.put("function." + spec.function() + ".arn", Template.attribute(id, "Arn"));
        outputs.put("function." + spec.function() + ".target", Template.attribute(id, "Arn"));
        if (!desired.snapStart()) {
            return;
        }
        String version = Template.logicalId(spec.function(), "Version");
        template.resource(version, "AWS::Lambda::Version")
                .put("FunctionName", Template.ref(id))
                .put("Description", desired.aliasVersion() + " " + desired.codeSha256());
        String alias = Template.logicalId(spec.function(), "Alias");
        template.resource(alias, "AWS::Lambda::Alias")
                .put("FunctionName", Template.ref(id))
                .put("FunctionVersion", Template.attribute(version, "Version"))
                .put("Name", ALIAS)
                .put("Description", desired.aliasVersion());
        outputs.put("function." + spec.function() + ".target", Template.ref(alias)); // an alias's Ref is its ARN
    }

    private String description() {
        return "wsctl " + spec.function() + " handler";
    }

    /** Publishes the current code and configuration as a version and points {@code live} at it. */
    private void publish(State desired, Outputs outputs) {
        awaitUpdated();
        String version = lambda.publishVersion(r -> r.functionName(spec.name())).version();
        String aliasArn;
        try {
            lambda.getAlias(r -> r.functionName(spec.name()).name(ALIAS));
            aliasArn = lambda.updateAlias(r -> r.functionName(spec.name())
                            .name(ALIAS)
                            .functionVersion(version)
                            .description(desired.aliasVersion()))
                    .aliasArn();
        } catch (ResourceNotFoundException noAlias) {
            aliasArn = lambda.createAlias(r -> r.functionName(spec.name())
                            .name(ALIAS)
                            .functionVersion(version)
                            .description(desired.aliasVersion()))
                    .aliasArn();
        }
        outputs.put("function." + spec.function() + ".target", aliasArn);
    }

    private void awaitUpdated() {
        lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(spec.name()));
    }

    @Override
    public void delete(Outputs outputs) {
        try {
            lambda.deleteFunction(r -> r.functionName(spec.name()));
        } catch (ResourceNotFoundException gone) {
            // already deleted
        }
    }

    /**
     * Waiting out IAM's propagation delay: a new role is not assumable by Lambda for some seconds
     * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
     *
     * @param attempts calls at most
     * @param backoff  the wait before each further call: {@link BackoffStrategy#computeDelay}{@code (n)} before call n
     * @param sleeper  how to wait (tests do not)
     */
    public record Retry(int attempts, BackoffStrategy backoff, Sleeper sleeper) {
        public interface Sleeper {
            void sleep(Duration d) throws InterruptedException;
        }

        /**
         * 12 attempts, waiting 1, 2, 4, 8 s, then 15 s each: about two minutes in all. No jitter: one deploy waits
         * for its own role, there is no crowd of callers to spread out, and the waits stay as documented.
         */
        public static Retry iamPropagation() {
            return new Retry(
                    12,
                    BackoffStrategy.exponentialDelayWithoutJitter(Duration.ofSeconds(1), Duration.ofSeconds(15)),
                    d -> Thread.sleep(d.toMillis()));
        }

        <T> T run(
                String what,
                java.util.function.Predicate<RuntimeException> retryable,
                java.util.function.Supplier<T> call) {
            for (int attempt = 1; ; attempt++) {
                try {
                    return call.get();
                } catch (RuntimeException e) {
                    if (!retryable.test(e) || attempt >= attempts) {
                        throw e;
                    }
                }
                try {
                    sleeper.sleep(backoff.computeDelay(attempt + 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeployException("Interrupted while waiting to " + what);
                }
            }
        }
    }
}
