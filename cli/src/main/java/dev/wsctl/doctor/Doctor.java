package dev.wsctl.doctor;

import dev.wsctl.aws.AwsClients;
import dev.wsctl.aws.AwsErrors;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.config.StackConfig;
import dev.wsctl.deploy.DeployService;
import dev.wsctl.deploy.Engine;
import dev.wsctl.deploy.FunctionCode;
import dev.wsctl.deploy.FunctionResource;
import dev.wsctl.deploy.Plan;
import dev.wsctl.deploy.StepFailedException;
import dev.wsctl.store.DynamoDbConnectionStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigateway.model.ThrottleSettings;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.iam.model.EvaluationResult;
import software.amazon.awssdk.services.iam.model.PolicyEvaluationDecisionType;
import software.amazon.awssdk.services.lambda.model.AccountLimit;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.SnapStartApplyOn;
import software.amazon.awssdk.services.lambda.model.SnapStartOptimizationStatus;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/**
 * {@code wsctl doctor}: what the account and region allow a stack, and how a deployed stack stands against it. Every
 * check is a read; each one that cannot be made says so as its finding rather than stopping the others. What each
 * finding checks and its fix: docs/observability.md.
 */
public final class Doctor {
    /**
     * Service Quotas' code of API Gateway's "New connections per second per account (across all WebSocket APIs) per
     * Region", and its default (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
     */
    static final String NEW_CONNECTIONS_QUOTA = "L-9ED1E49A";

    static final double NEW_CONNECTIONS_DEFAULT = 500;

    /**
     * Lambda keeps at least this much of the account's concurrency unreserved
     * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html); below it, an account is new or
     * has had its quota lowered.
     */
    static final int UNRESERVED_MINIMUM = 100;

    private final StackConfig config;
    private final AwsClients aws;
    private final FunctionCode code;
    private final FunctionResource.Retry roleRetry;

    /** What the account checks found, for the stack's checks. */
    private GetCallerIdentityResponse caller;

    private ThrottleSettings accountThrottle;
    private AccountLimit lambdaLimits;

    public Doctor(StackConfig config, AwsClients aws, FunctionCode code, FunctionResource.Retry roleRetry) {
        this.config = config;
        this.aws = aws;
        this.code = code;
        this.roleRetry = roleRetry;
    }

    /** Every finding, in the order of docs/observability.md's table. */
    public List<Finding> run() {
        List<Finding> findings = new ArrayList<>();
        findings.add(Finding.ok("region", aws.region()));
        findings.add(credentials());
        if (caller == null) {
            return findings; // nothing else can be asked without credentials
        }
        findings.add(guarded("permissions", this::permissions));
        findings.addAll(guardedAll("api-throttle", this::apiThrottle));
        findings.add(guarded("lambda-concurrency", this::lambdaConcurrency));
        findings.add(guarded("new-connections", this::newConnections));
        findings.addAll(stack());
        return findings;
    }

    /** A check whose AWS call failed in a way it does not handle itself: it could not be made, which is a WARN. */
    private static Finding guarded(String check, java.util.function.Supplier<Finding> finding) {
        return guardedAll(check, () -> List.of(finding.get())).get(0);
    }

    private static List<Finding> guardedAll(String check, java.util.function.Supplier<List<Finding>> findings) {
        try {
            return findings.get();
        } catch (SdkException | java.util.concurrent.CompletionException e) {
            SdkException sdk = e instanceof SdkException s
                    ? s
                    : e.getCause() instanceof SdkException s ? s : SdkClientException.create(e.getMessage(), e);
            return List.of(Finding.warn(
                    check,
                    "Could not check: " + AwsErrors.explain("check " + check, sdk),
                    "Grant the read actions doctor needs (docs/operator-policy.md), then run wsctl doctor again."));
        }
    }

    private Finding credentials() {
        try {
            caller = aws.sts().getCallerIdentity();
            return Finding.ok("credentials", caller.arn() + " (account " + caller.account() + ")");
        } catch (SdkException e) {
            return Finding.fail(
                    "credentials",
                    "Could not tell who the credentials are (STS GetCallerIdentity).",
                    AwsErrors.explain("read the caller's identity", e));
        }
    }

    // ---------------------------------------------------------------- permissions

    private Finding permissions() {
        String partition = partition();
        Optional<String> principal;
        try {
            principal = Principal.simulationArn(caller.arn(), aws.iam());
        } catch (SdkException e) {
            return couldNotCheck(
                    "could not find the role of " + caller.arn() + ": " + AwsErrors.explain("get the role", e));
        }
        if (principal.isEmpty()) {
            return couldNotCheck(caller.arn() + " is not a user or role that IAM can simulate");
        }
        List<String> denied = new ArrayList<>();
        int checked = 0;
        try {
            for (RequiredActions.Statement statement :
                    RequiredActions.of(config, partition, aws.region(), caller.account(), apiId())) {
                var result = aws.iam()
                        .simulatePrincipalPolicy(r -> r.policySourceArn(principal.get())
                                .actionNames(statement.actions())
                                .resourceArns(statement.resources())
                                .contextEntries(statement.context()));
                for (EvaluationResult e : result.evaluationResults()) {
                    checked++;
                    if (e.evalDecision() != PolicyEvaluationDecisionType.ALLOWED) {
                        denied.add(statement.policy() + ": " + e.evalActionName());
                    }
                }
            }
        } catch (SdkException e) {
            return couldNotCheck("IAM policy simulation for " + principal.get() + " failed: "
                    + AwsErrors.explain("simulate the policies", e));
        }
        if (!denied.isEmpty()) {
            return Finding.fail(
                    "permissions",
                    principal.get() + " may not: " + String.join(", ", denied) + ".",
                    "Attach templates/policies/deploy.json (deploy, status, destroy) and operator.json (operations)"
                            + " with their placeholders filled in (docs/operator-policy.md).");
        }
        return Finding.ok(
                "permissions",
                principal.get() + " may do all " + checked + " actions of deploy.json and operator.json (IAM policy"
                        + " simulation).");
    }

    private static Finding couldNotCheck(String why) {
        return Finding.warn(
                "permissions",
                "Could not check what the caller may do: " + why,
                "Allow iam:SimulatePrincipalPolicy (and iam:GetRole for a role's sessions) to have this checked, or"
                        + " compare the caller's policies with templates/policies/deploy.json and operator.json.");
    }

    // ---------------------------------------------------------------- account quotas

    private List<Finding> apiThrottle() {
        try {
            accountThrottle = aws.apiGatewayAccount().getAccount(r -> {}).throttleSettings();
        } catch (SdkException e) {
            return List.of(Finding.warn(
                    "api-throttle",
                    "Could not read API Gateway's account throttle: " + AwsErrors.explain("get the account", e),
                    "Allow apigateway:GET on arn:aws:apigateway:" + aws.region() + "::/account."));
        }
        if (accountThrottle == null) {
            accountThrottle = ThrottleSettings.builder().build();
        }
        List<Finding> findings = new ArrayList<>();
        findings.add(Finding.ok(
                "api-throttle",
                "Account throttle: " + number(accountThrottle.rateLimit()) + " requests/s, burst "
                        + accountThrottle.burstLimit() + " (API Gateway GetAccount)."));
        StackConfig.Throttling stage = config.throttling();
        if (accountThrottle.rateLimit() != null
                && accountThrottle.burstLimit() != null
                && (stage.rate() > accountThrottle.rateLimit() || stage.burst() > accountThrottle.burstLimit())) {
            findings.add(Finding.warn(
                    "route-throttle",
                    "The stage's route throttling (" + number(stage.rate()) + " requests/s, burst " + stage.burst()
                            + ") is above the account's; the account's applies.",
                    "Set throttling.rate to at most " + number(accountThrottle.rateLimit()) + " and throttling.burst"
                            + " to at most " + accountThrottle.burstLimit() + " in wsctl.yaml, or ask for a higher"
                            + " account throttle in Service Quotas."));
        } else {
            findings.add(Finding.ok(
                    "route-throttle",
                    "The stage's route throttling (" + number(stage.rate()) + " requests/s, burst " + stage.burst()
                            + ") is within the account's."));
        }
        return findings;
    }

    private Finding lambdaConcurrency() {
        try {
            lambdaLimits = aws.lambda().getAccountSettings(r -> {}).accountLimit();
        } catch (SdkException e) {
            return Finding.warn(
                    "lambda-concurrency",
                    "Could not read Lambda's account settings: " + AwsErrors.explain("get the account settings", e),
                    "Allow lambda:GetAccountSettings.");
        }
        String detail = lambdaLimits.unreservedConcurrentExecutions() + " unreserved of "
                + lambdaLimits.concurrentExecutions() + " concurrent executions (Lambda GetAccountSettings).";
        if (lambdaLimits.unreservedConcurrentExecutions() < UNRESERVED_MINIMUM) {
            return Finding.warn(
                    "lambda-concurrency",
                    detail + " Every function without reserved concurrency shares them.",
                    "Ask for more concurrent executions in Service Quotas (Lambda, L-B99A9384), or reserve less.");
        }
        return Finding.ok("lambda-concurrency", detail);
    }

    private Finding newConnections() {
        try {
            double value = aws.serviceQuotas().value("apigateway", NEW_CONNECTIONS_QUOTA);
            return Finding.ok(
                    "new-connections",
                    number(value) + " new WebSocket connections/s in this region (Service Quotas "
                            + NEW_CONNECTIONS_QUOTA + ").");
        } catch (SdkException e) {
            return Finding.ok(
                    "new-connections",
                    number(NEW_CONNECTIONS_DEFAULT) + " new WebSocket connections/s, AWS's default: Service Quotas did"
                            + " not answer (" + reason(e) + ").");
        }
    }

    // ---------------------------------------------------------------- the deployed stack

    private List<Finding> stack() {
        Engine.Result planned;
        try {
            planned = new DeployService(config, aws, code, roleRetry).plan();
        } catch (SdkException | StepFailedException e) {
            String why = e instanceof StepFailedException step
                    ? AwsErrors.explain(step.doing(), step.sdkCause())
                    : AwsErrors.explain("read the stack", (SdkException) e);
            return List.of(Finding.warn(
                    "drift",
                    "Could not read the stack " + config.prefix() + ": " + why,
                    "Grant the read actions of templates/policies/deploy.json."));
        }
        Plan plan = planned.plan();
        if (plan.steps().stream().allMatch(s -> s.action() == Plan.Action.CREATE)) {
            String notDeployed = "Stack " + config.prefix() + " is not deployed.";
            return List.of(
                    Finding.ok("largest-channel", notDeployed),
                    Finding.ok("broadcast-time", notDeployed),
                    Finding.ok("fanout-concurrency", notDeployed),
                    Finding.ok("ttl", notDeployed),
                    Finding.ok("snapstart", notDeployed),
                    Finding.ok("drift", notDeployed));
        }
        List<Finding> findings = new ArrayList<>(guardedAll("largest-channel", this::broadcast));
        findings.add(guarded("ttl", this::ttl));
        findings.add(guarded("snapstart", this::snapStart));
        findings.add(drift(plan));
        return findings;
    }

    /** The largest channel, the time a broadcast to it takes, and the fan-out workers it needs. */
    private List<Finding> broadcast() {
        Map<String, Long> channels;
        try {
            channels = new DynamoDbConnectionStore(aws.dynamoDb(), config.tableName()).channelCounts();
        } catch (SdkException e) {
            Finding unread = Finding.warn(
                    "largest-channel",
                    "Could not count the channels' subscribers: " + AwsErrors.explain("scan the channel index", e),
                    "Allow dynamodb:Scan on the table's by-channel index (templates/policies/operator.json).");
            return List.of(unread);
        }
        var largest = channels.entrySet().stream().max(Map.Entry.comparingByValue());
        if (largest.isEmpty()) {
            return List.of(
                    Finding.ok("largest-channel", "No channel has subscribers."),
                    Finding.ok("broadcast-time", "No channel has subscribers."),
                    Finding.ok("fanout-concurrency", "No channel has subscribers."));
        }
        String channel = largest.get().getKey();
        long subscribers = largest.get().getValue();
        List<Finding> findings = new ArrayList<>();
        findings.add(Finding.ok(
                "largest-channel",
                channel + ": " + subscribers + " subscribers (of " + channels.size() + " channels)."));
        BroadcastEstimate estimate = BroadcastEstimate.of(config.fanout(), accountRate(), subscribers);
        findings.add(estimate.finding(channel));
        findings.add(estimate.concurrency(
                lambdaLimits == null ? Optional.empty() : Optional.of(lambdaLimits.unreservedConcurrentExecutions())));
        return findings;
    }

    private Optional<Double> accountRate() {
        return accountThrottle == null ? Optional.empty() : Optional.ofNullable(accountThrottle.rateLimit());
    }

    private Finding ttl() {
        List<String> off = new ArrayList<>();
        List<String> on = new ArrayList<>();
        for (String table : List.of(config.tableName(), config.historyTableName())) {
            try {
                var ttl = aws.dynamoDb()
                        .describeTimeToLive(r -> r.tableName(table))
                        .join()
                        .timeToLiveDescription();
                TimeToLiveStatus status = ttl.timeToLiveStatus();
                if (status == TimeToLiveStatus.ENABLED || status == TimeToLiveStatus.ENABLING) {
                    on.add(table + " on " + ttl.attributeName());
                } else {
                    off.add(table);
                }
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException) {
                    continue; // missing: drift says so
                }
                throw e; // a finding that could not be made (guarded)
            }
        }
        if (!off.isEmpty()) {
            return Finding.fail(
                    "ttl",
                    "TTL is off on " + String.join(", ", off) + ": rows of connections that never disconnected stay"
                            + " (and are fanned out to) for ever.",
                    "Run wsctl deploy, which turns TTL on expiresAt, or: aws dynamodb update-time-to-live --table-name "
                            + off.get(0) + " --time-to-live-specification Enabled=true,AttributeName=expiresAt");
        }
        return Finding.ok("ttl", "TTL is on: " + String.join(", ", on) + ".");
    }

    private Finding snapStart() {
        List<String> off = new ArrayList<>();
        List<String> on = new ArrayList<>();
        for (String fn : config.functions()) {
            GetFunctionConfigurationResponse c;
            try {
                c = aws.lambda().getFunctionConfiguration(r -> r.functionName(config.functionTarget(fn)));
            } catch (software.amazon.awssdk.services.lambda.model.ResourceNotFoundException missing) {
                continue; // drift says so
            }
            boolean applied = c.snapStart() != null && c.snapStart().applyOn() == SnapStartApplyOn.PUBLISHED_VERSIONS;
            boolean optimized =
                    c.snapStart() != null && c.snapStart().optimizationStatus() == SnapStartOptimizationStatus.ON;
            if (config.snapStart() && !(applied && optimized)) {
                off.add(fn + " (applyOn "
                        + (c.snapStart() == null ? "None" : c.snapStart().applyOnAsString())
                        + ", optimization "
                        + (c.snapStart() == null ? "Off" : c.snapStart().optimizationStatusAsString())
                        + ")");
            } else if (applied && optimized) {
                on.add(fn);
            }
        }
        if (!config.snapStart()) {
            return Finding.ok("snapstart", "Off: snapStart is false in the configuration.");
        }
        if (!off.isEmpty()) {
            return Finding.warn(
                    "snapstart",
                    "SnapStart is not in effect on " + String.join(", ", off) + "; those functions start cold.",
                    "Run wsctl deploy, which publishes a version with SnapStart and points the live alias at it.");
        }
        return Finding.ok(
                "snapstart",
                "On (applied to published versions, optimization On) for the live alias of " + String.join(", ", on)
                        + ".");
    }

    /** What {@code wsctl status} reports, as one finding. */
    private static Finding drift(Plan plan) {
        List<String> missing = new ArrayList<>();
        List<String> differing = new ArrayList<>();
        for (Plan.Step s : plan.steps()) {
            String what = s.kind() + " " + s.name();
            switch (s.action()) {
                case CREATE -> missing.add(what);
                case UPDATE ->
                    differing.add(what + " ("
                            + String.join(
                                    ", ",
                                    s.changes().stream().map(c -> c.field()).toList()) + ")");
                case DELETE -> differing.add(what + " (unwanted)");
                default -> {}
            }
        }
        if (!missing.isEmpty()) {
            return Finding.fail(
                    "drift",
                    "Missing: " + String.join(", ", missing)
                            + (differing.isEmpty() ? "." : "; drifted: " + String.join(", ", differing) + "."),
                    "Run wsctl deploy to create what is missing (wsctl status shows each difference).");
        }
        if (!differing.isEmpty()) {
            return Finding.warn(
                    "drift",
                    "Drifted from the configuration: " + String.join(", ", differing) + ".",
                    "Run wsctl status to see each difference, and wsctl deploy to put the stack back.");
        }
        return Finding.ok(
                "drift",
                "Every resource matches the configuration (" + plan.steps().size() + ").");
    }

    /** The deployed API's id, for the operator policy's {@code @connections} ARNs; empty before a deploy. */
    private Optional<String> apiId() {
        try {
            return aws.apiGateway().getApis(r -> {}).items().stream()
                    .filter(a -> a.name().equals(config.prefix()))
                    .map(a -> a.apiId())
                    .findFirst();
        } catch (SdkException e) {
            return Optional.empty();
        }
    }

    private String partition() {
        return AwsEndpoints.partition(Region.of(aws.region())).id();
    }

    private static String reason(SdkException e) {
        if (e instanceof AwsServiceException s
                && s.awsErrorDetails() != null
                && s.awsErrorDetails().errorCode() != null) {
            return s.awsErrorDetails().errorCode();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static String number(Double value) {
        if (value == null) {
            return "?";
        }
        return value == Math.rint(value)
                ? String.valueOf(value.longValue())
                : String.format(Locale.ROOT, "%.1f", value);
    }
}
