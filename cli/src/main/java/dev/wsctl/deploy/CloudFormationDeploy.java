package dev.wsctl.deploy;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.aws.AwsClients;
import dev.wsctl.config.StackConfig;
import dev.wsctl.webhooks.WebhookSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetStatus;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksRequest;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.cloudformation.model.Tag;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Deploys the stack through CloudFormation instead of the engine's own calls, for teams whose accounts only change
 * through it: the template is {@link Stack#template}, the same model deploy applies. The steps (jar to S3, change set,
 * execute, stack events as progress), the authorizer's secret and destroy are described in docs/deploy.md, "Through
 * CloudFormation".
 */
public final class CloudFormationDeploy {
    /** CloudFormation's limit for a template passed in the request. */
    static final int MAX_TEMPLATE_BODY = 51_200;

    private static final List<String> NO_CHANGES = List.of("didn't contain changes", "No updates are to be performed");

    /** How often the waiters and the event reader look, and for how long at most. */
    public record Polling(Duration interval, Duration timeout) {
        public static Polling standard() {
            return new Polling(Duration.ofSeconds(5), Duration.ofHours(1));
        }

        WaiterOverrideConfiguration waiter() {
            long attempts = Math.max(1, timeout.toMillis() / Math.max(1, interval.toMillis()));
            return WaiterOverrideConfiguration.builder()
                    .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(interval))
                    .maxAttempts((int) Math.min(Integer.MAX_VALUE, attempts))
                    .waitTimeout(timeout)
                    .build();
        }
    }

    /** One resource's change, as the change set describes it. */
    public record ResourceChange(
            String action, String logicalId, String type, boolean replaced, List<String> properties) {
        /** {@code ~ modify AWS::Lambda::Function SendFunction (MemorySize)}, {@code + add …}, {@code - remove …}. */
        public String line() {
            String verb = switch (action) {
                case "Add" -> "+ add";
                case "Modify" -> "~ modify";
                case "Remove" -> "- remove";
                default -> "~ " + action.toLowerCase(java.util.Locale.ROOT);
            };
            String details = properties.isEmpty() ? "" : " (" + String.join(", ", properties) + ")";
            return verb + " " + type + " " + logicalId + details + (replaced ? ", replaced" : "");
        }
    }

    /**
     * What a change set would do.
     *
     * @param type   CREATE or UPDATE
     * @param secret what happens to the authorizer's secret ({@code (generated)}, {@code (kept)}); empty without one
     */
    public record ChangeSet(String stack, String type, List<ResourceChange> changes, Optional<String> secret) {}

    public enum Outcome {
        DRY_RUN,
        NO_CHANGES,
        DEPLOYED
    }

    /** @param endpoints as deploy prints them, from the stack's outputs; empty after a dry run */
    public record Result(Outcome outcome, Optional<ChangeSet> changeSet, Map<String, String> endpoints) {}

    private final StackConfig config;
    private final AwsClients aws;
    private final CloudFormationClient cloudFormation;
    private final FunctionCode code;
    private final String bucket;
    private final Polling polling;
    private final String stackName;
    private final Supplier<String> changeSetName;

    /**
     * @param bucket        where the handlers' jar goes; it must exist
     * @param changeSetName a new change set name each call
     */
    public CloudFormationDeploy(
            StackConfig config,
            AwsClients aws,
            FunctionCode code,
            String bucket,
            Polling polling,
            Supplier<String> changeSetName) {
        this.config = config;
        this.aws = aws;
        this.cloudFormation = aws.cloudFormation();
        this.code = code;
        this.bucket = bucket;
        this.polling = polling;
        this.stackName = config.prefix();
        this.changeSetName = changeSetName;
    }

    /** For {@link #destroy} and {@link #destroyPlan}, which need neither the code nor a bucket. */
    public CloudFormationDeploy(StackConfig config, AwsClients aws, Polling polling) {
        this(config, aws, null, null, polling, null);
    }

    /** Change set names that say when they were made: {@code wsctl-1767225600000}. */
    public static Supplier<String> timestampedNames() {
        return () -> "wsctl-" + System.currentTimeMillis();
    }

    /** The object the handlers' jar is uploaded to: named by its SHA-256, so a new build is a new key. */
    public String codeKey() {
        String hex = HexFormat.of().formatHex(Base64.getDecoder().decode(code.sha256()));
        return "wsctl/" + stackName + "/handlers-" + hex + ".jar";
    }

    /**
     * Plans the change, shows it to {@code planned}, and unless {@code dryRun} carries it out, telling
     * {@code progress} what happens (uploads, stack events).
     *
     * @throws DeployException when the stack cannot be changed, or the change failed (with the failed resource's
     *                         reason)
     */
    public Result deploy(boolean dryRun, Consumer<ChangeSet> planned, Consumer<String> progress) {
        java.util.Objects.requireNonNull(code, "deploy needs the handlers' code");
        Template template = Stack.template(config);
        String body = template.yaml();
        int size = body.getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_TEMPLATE_BODY) {
            throw new DeployException("The template of stack " + stackName + " is " + size + " bytes, over"
                    + " CloudFormation's " + MAX_TEMPLATE_BODY + " for a template sent with the request; fewer tags"
                    + " would make it smaller.");
        }
        Optional<software.amazon.awssdk.services.cloudformation.model.Stack> existing = describe();
        existing.ifPresent(this::checkChangeable);
        boolean create = existing.isEmpty() || existing.get().stackStatus() == StackStatus.REVIEW_IN_PROGRESS;
        // the secrets the stack has are kept (UsePreviousValue); one it does not have yet is generated
        java.util.Set<String> kept = create
                ? java.util.Set.of()
                : existing.get().parameters().stream()
                        .map(software.amazon.awssdk.services.cloudformation.model.Parameter::parameterKey)
                        .collect(java.util.stream.Collectors.toSet());
        boolean keepSecret = kept.contains(Template.AUTH_SECRET);
        String name = changeSetName.get();
        String key = codeKey();
        if (!dryRun) {
            upload(key, progress); // first: a change set whose code is missing would fail only when executed
        }
        Engine.at(
                "create change set " + name + " for stack " + stackName,
                () -> cloudFormation.createChangeSet(r -> r.stackName(stackName)
                        .changeSetName(name)
                        .changeSetType(create ? ChangeSetType.CREATE : ChangeSetType.UPDATE)
                        .templateBody(body)
                        .parameters(parameters(template, key, kept))
                        .capabilities(Capability.CAPABILITY_NAMED_IAM)
                        .tags(config.allTags().entrySet().stream()
                                .map(e -> Tag.builder()
                                        .key(e.getKey())
                                        .value(e.getValue())
                                        .build())
                                .toList())
                        .description("wsctl deploy --engine cloudformation")));
        Optional<String> secret = template.hasParameter(Template.AUTH_SECRET)
                ? Optional.of(keepSecret ? FunctionResource.SECRET_KEPT : FunctionResource.SECRET_GENERATED)
                : Optional.empty();
        Optional<ChangeSet> changeSet = awaitChangeSet(name, create ? "CREATE" : "UPDATE", secret);
        if (changeSet.isEmpty()) {
            deleteChangeSet(name);
            return new Result(
                    Outcome.NO_CHANGES,
                    Optional.empty(),
                    endpoints(template, describe().orElseThrow()));
        }
        planned.accept(changeSet.get());
        if (dryRun) {
            deleteChangeSet(name);
            if (existing.isEmpty()) { // the CREATE change set made the stack, in review; nothing is in it
                Engine.at(
                        "delete stack " + stackName + " (in review)",
                        () -> cloudFormation.deleteStack(r -> r.stackName(stackName)));
            }
            return new Result(Outcome.DRY_RUN, changeSet, Map.of());
        }
        Events events = new Events(stackName, latestEventId(stackName));
        Engine.at(
                "execute change set " + name + " of stack " + stackName,
                () -> cloudFormation.executeChangeSet(
                        r -> r.stackName(stackName).changeSetName(name)));
        software.amazon.awssdk.services.cloudformation.model.Stack done = awaitStack(create, events, progress);
        return new Result(Outcome.DEPLOYED, changeSet, endpoints(template, done));
    }

    private Optional<software.amazon.awssdk.services.cloudformation.model.Stack> describe() {
        try {
            return Optional.of(cloudFormation
                    .describeStacks(r -> r.stackName(stackName))
                    .stacks()
                    .get(0));
        } catch (AwsServiceException e) {
            if (e.awsErrorDetails() != null
                    && "ValidationError".equals(e.awsErrorDetails().errorCode())
                    && String.valueOf(e.awsErrorDetails().errorMessage()).contains("does not exist")) {
                return Optional.empty();
            }
            throw new StepFailedException("read stack " + stackName, e);
        }
    }

    /** A stack that is busy, or whose first deploy failed, cannot take a change set. */
    private void checkChangeable(software.amazon.awssdk.services.cloudformation.model.Stack stack) {
        String status = stack.stackStatusAsString();
        if (stack.stackStatus() == StackStatus.ROLLBACK_COMPLETE
                || stack.stackStatus() == StackStatus.ROLLBACK_FAILED) {
            throw new DeployException("Stack " + stackName + " is " + status + " after a first deploy that failed, and"
                    + " CloudFormation cannot update it: delete it (aws cloudformation delete-stack --stack-name "
                    + stackName + ") and deploy again.");
        }
        checkIdle(stack, "deploy");
        if (status.endsWith("_FAILED")) {
            throw new DeployException("Stack " + stackName + " is " + status
                    + (stack.stackStatusReason() == null ? "" : " (" + stack.stackStatusReason() + ")")
                    + "; fix it in CloudFormation, then deploy again.");
        }
    }

    /** A stack CloudFormation is busy with (but for one in review, which holds nothing yet) takes no change. */
    private void checkIdle(software.amazon.awssdk.services.cloudformation.model.Stack stack, String command) {
        if (stack.stackStatusAsString().endsWith("_IN_PROGRESS")
                && stack.stackStatus() != StackStatus.REVIEW_IN_PROGRESS) {
            throw new DeployException("Stack " + stackName + " is " + stack.stackStatusAsString() + ": wait until"
                    + " CloudFormation is done with it, then " + command + " again.");
        }
    }

    private List<Parameter> parameters(Template template, String key, java.util.Set<String> kept) {
        List<Parameter> parameters = new ArrayList<>(List.of(
                Parameter.builder()
                        .parameterKey(Template.CODE_BUCKET)
                        .parameterValue(bucket)
                        .build(),
                Parameter.builder()
                        .parameterKey(Template.CODE_KEY)
                        .parameterValue(key)
                        .build()));
        if (template.hasParameter(Template.AUTH_SECRET)) {
            Parameter.Builder secret = Parameter.builder().parameterKey(Template.AUTH_SECRET);
            parameters.add((kept.contains(Template.AUTH_SECRET)
                            ? secret.usePreviousValue(true)
                            : secret.parameterValue(AuthSettings.encodeSecret(AuthSettings.newSecret())))
                    .build());
        }
        if (template.hasParameter(Template.WEBHOOK_SECRET)) {
            Parameter.Builder secret = Parameter.builder().parameterKey(Template.WEBHOOK_SECRET);
            parameters.add((kept.contains(Template.WEBHOOK_SECRET)
                            ? secret.usePreviousValue(true)
                            : secret.parameterValue(WebhookSettings.newSecret()))
                    .build());
        }
        return parameters;
    }

    /** The change set once CloudFormation has planned it; empty when it found nothing to change. */
    private Optional<ChangeSet> awaitChangeSet(String name, String type, Optional<String> secret) {
        try {
            cloudFormation
                    .waiter()
                    .waitUntilChangeSetCreateComplete(
                            DescribeChangeSetRequest.builder()
                                    .stackName(stackName)
                                    .changeSetName(name)
                                    .build(),
                            polling.waiter());
        } catch (SdkClientException notCreated) {
            // the waiter's failure state (FAILED) or its time running out: the change set says which
        }
        DescribeChangeSetResponse described = Engine.at(
                "read change set " + name,
                () -> cloudFormation.describeChangeSet(
                        r -> r.stackName(stackName).changeSetName(name)));
        if (described.status() == ChangeSetStatus.FAILED
                && described.statusReason() != null
                && NO_CHANGES.stream().anyMatch(described.statusReason()::contains)) {
            return Optional.empty();
        }
        if (described.status() != ChangeSetStatus.CREATE_COMPLETE) {
            throw new DeployException("CloudFormation could not plan the change of stack " + stackName + ": change set "
                    + name + " is " + described.statusAsString()
                    + (described.statusReason() == null ? "." : ": " + described.statusReason()));
        }
        List<ResourceChange> changes = Engine.at(
                "read change set " + name,
                () ->
                        cloudFormation
                                .describeChangeSetPaginator(
                                        d -> d.stackName(stackName).changeSetName(name))
                                .stream()
                                .flatMap(page -> page.changes().stream())
                                .map(c -> resourceChange(c.resourceChange()))
                                .toList());
        return Optional.of(new ChangeSet(stackName, type, changes, secret));
    }

    private static ResourceChange resourceChange(
            software.amazon.awssdk.services.cloudformation.model.ResourceChange rc) {
        return new ResourceChange(
                rc.actionAsString(),
                rc.logicalResourceId(),
                rc.resourceType(),
                "True".equals(rc.replacementAsString()),
                rc.details().stream()
                        .map(d -> d.target().name() == null
                                ? d.target().attributeAsString()
                                : d.target().name())
                        .distinct()
                        .toList());
    }

    private void deleteChangeSet(String name) {
        Engine.at(
                "delete change set " + name,
                () -> cloudFormation.deleteChangeSet(r -> r.stackName(stackName).changeSetName(name)));
    }

    /** Puts the jar where the template's CodeS3Key says, unless an earlier deploy did. */
    private void upload(String key, Consumer<String> progress) {
        String where = "s3://" + bucket + "/" + key;
        try {
            aws.s3().headObject(r -> r.bucket(bucket).key(key));
            progress.accept("handlers.jar is in " + where + " already");
            return;
        } catch (NoSuchKeyException absent) {
            // not uploaded yet
        } catch (SdkException e) {
            throw new StepFailedException("look for " + where, e);
        }
        Engine.at(
                "upload the handlers' jar to " + where,
                () -> aws.s3()
                        .putObject(
                                r -> r.bucket(bucket).key(key).contentType("application/java-archive"),
                                RequestBody.fromBytes(code.jar())));
        progress.accept("uploaded handlers.jar to " + where);
    }

    /** The stack's newest event before this deploy, so that only this deploy's events are reported. */
    private String latestEventId(String stack) {
        List<StackEvent> newest = Engine.at(
                        "read the events of stack " + stackName,
                        () -> cloudFormation.describeStackEvents(r -> r.stackName(stack)))
                .stackEvents();
        return newest.isEmpty() ? null : newest.get(0).eventId();
    }

    /**
     * Reads the events that came after the last one seen, oldest first, of the stack named or identified by
     * {@code stack} (a deleted stack's events are read by its id: its name no longer finds it).
     */
    private final class Events {
        private final String stack;
        private String lastSeen;
        private final List<StackEvent> all = new ArrayList<>();

        Events(String stack, String lastSeen) {
            this.stack = stack;
            this.lastSeen = lastSeen;
        }

        synchronized List<StackEvent> next() {
            List<StackEvent> fresh = new ArrayList<>();
            // newest first, and lazily: the pages after the last event seen are never read
            for (StackEvent e : cloudFormation
                    .describeStackEventsPaginator(d -> d.stackName(stack))
                    .stackEvents()) {
                if (e.eventId().equals(lastSeen)) {
                    break;
                }
                fresh.add(e);
            }
            Collections.reverse(fresh);
            if (!fresh.isEmpty()) {
                lastSeen = fresh.get(fresh.size() - 1).eventId();
            }
            all.addAll(fresh);
            return fresh;
        }

        /** The first failure since the deploy began: the cause, where later ones are cancellations and rollbacks. */
        synchronized Optional<StackEvent> firstFailure() {
            return all.stream()
                    .filter(e -> e.resourceStatusAsString().endsWith("_FAILED") && e.resourceStatusReason() != null)
                    .findFirst();
        }
    }

    /**
     * Waits with the SDK's waiter for the stack to be created or updated, reporting new events meanwhile; returns
     * the stack when it is, or says in one sentence which resource failed and why.
     */
    private software.amazon.awssdk.services.cloudformation.model.Stack awaitStack(
            boolean create, Events events, Consumer<String> progress) {
        DescribeStacksRequest request =
                DescribeStacksRequest.builder().stackName(stackName).build();
        watch(events, progress, () -> {
            if (create) {
                cloudFormation.waiter().waitUntilStackCreateComplete(request, polling.waiter());
            } else {
                cloudFormation.waiter().waitUntilStackUpdateComplete(request, polling.waiter());
            }
        });
        var stack = describe().orElseThrow(() -> new DeployException("Stack " + stackName + " is gone."));
        StackStatus status = stack.stackStatus();
        if (status == StackStatus.CREATE_COMPLETE || status == StackStatus.UPDATE_COMPLETE) {
            return stack;
        }
        throw notDone(
                create ? "created" : "updated",
                events,
                stack,
                status == StackStatus.ROLLBACK_COMPLETE
                        ? ": delete it (aws cloudformation delete-stack --stack-name " + stackName
                                + ") before deploying again."
                        : ".");
    }

    /**
     * Why the stack was not {@code done} after the waiter: it is still busy, or the first failed resource and its
     * reason (else the stack's), then its status and {@code advice}.
     */
    private DeployException notDone(
            String done,
            Events events,
            software.amazon.awssdk.services.cloudformation.model.Stack stack,
            String advice) {
        if (stack.stackStatusAsString().endsWith("_IN_PROGRESS")) {
            return new DeployException("Stack " + stackName + " is still " + stack.stackStatusAsString() + " after "
                    + polling.timeout().toMinutes() + " minutes; wsctl stopped waiting: follow it in CloudFormation.");
        }
        String cause = events.firstFailure()
                .map(e -> e.logicalResourceId() + " (" + e.resourceType() + ") " + e.resourceStatusAsString() + ": "
                        + e.resourceStatusReason())
                .orElse(stack.stackStatusReason() == null ? "no reason given" : stack.stackStatusReason());
        return new DeployException("Stack " + stackName + " was not " + done + ": " + cause
                + (cause.endsWith(".") ? "" : ".") + " It is " + stack.stackStatusAsString() + advice);
    }

    /** Runs {@code wait} (one of the SDK's waiters) while reporting the stack's new events, and the last ones after. */
    private void watch(Events events, Consumer<String> progress, Runnable wait) {
        ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "wsctl-stack-events");
            t.setDaemon(true);
            return t;
        });
        reader.scheduleWithFixedDelay(
                () -> report(events, progress),
                polling.interval().toMillis(),
                polling.interval().toMillis(),
                TimeUnit.MILLISECONDS);
        try {
            wait.run();
        } catch (SdkClientException stopped) {
            // a failure state, or time running out: the stack's status says which
        } finally {
            reader.shutdown();
            try {
                reader.awaitTermination(polling.interval().toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        report(events, progress);
    }

    /**
     * What {@link #destroy} would delete: the stack's resources as CloudFormation lists them, then the stack.
     *
     * @throws DeployException when there is no such stack, or CloudFormation is busy with it
     */
    public Plan destroyPlan() {
        var stack = describe()
                .orElseThrow(() -> new DeployException("There is no CloudFormation stack " + stackName
                        + " in " + aws.region()
                        + ", so there is nothing to destroy with --engine cloudformation (a stack"
                        + " deployed with the sdk engine goes with destroy --engine sdk)."));
        checkIdle(stack, "destroy");
        List<Plan.Step> steps = new ArrayList<>(Engine.at(
                "list the resources of stack " + stackName,
                () ->
                        cloudFormation
                                .listStackResourcesPaginator(r -> r.stackName(stackName))
                                .stackResourceSummaries()
                                .stream()
                                .map(r -> new Plan.Step(
                                        Plan.Action.DELETE,
                                        r.resourceType(),
                                        r.physicalResourceId() != null ? r.physicalResourceId() : r.logicalResourceId(),
                                        List.<Change>of()))
                                .toList()));
        Collections.reverse(steps);
        steps.add(new Plan.Step(Plan.Action.DELETE, "AWS::CloudFormation::Stack", stackName, List.of()));
        return new Plan(steps);
    }

    /**
     * Deletes the stack and waits until it is gone, telling {@code progress} its events; returns what was deleted.
     *
     * @throws DeployException when there is no such stack, or a resource could not be deleted (with its reason)
     */
    public Plan destroy(Consumer<String> progress) {
        Plan plan = destroyPlan();
        String id = describe()
                .orElseThrow(() -> new DeployException("Stack " + stackName + " is gone."))
                .stackId();
        Events events = new Events(id, latestEventId(id));
        Engine.at("delete stack " + stackName, () -> cloudFormation.deleteStack(r -> r.stackName(stackName)));
        // the waiter succeeds on DELETE_COMPLETE, or on the ValidationError that a deleted stack's name answers
        watch(
                events,
                progress,
                () -> cloudFormation
                        .waiter()
                        .waitUntilStackDeleteComplete(
                                DescribeStacksRequest.builder()
                                        .stackName(stackName)
                                        .build(),
                                polling.waiter()));
        var left = describe();
        if (left.isEmpty() || left.get().stackStatus() == StackStatus.DELETE_COMPLETE) {
            return plan;
        }
        throw notDone("deleted", events, left.get(), "; destroy again once the cause is fixed.");
    }

    private void report(Events events, Consumer<String> progress) {
        try {
            for (StackEvent e : events.next()) {
                progress.accept(String.format(
                        "%-28s %-34s %s%s",
                        e.resourceStatusAsString(),
                        e.resourceType(),
                        e.logicalResourceId(),
                        e.resourceStatusReason() == null ? "" : "  " + e.resourceStatusReason()));
            }
        } catch (SdkException e) {
            progress.accept("(could not read the stack's events: " + e.getMessage() + ")");
        }
    }

    /** The endpoints deploy prints, from the stack's outputs, which the template names after them. */
    private static Map<String, String> endpoints(
            Template template, software.amazon.awssdk.services.cloudformation.model.Stack stack) {
        Map<String, String> values = new LinkedHashMap<>();
        stack.outputs().forEach((Output o) -> values.put(o.outputKey(), o.outputValue()));
        Map<String, String> endpoints = new LinkedHashMap<>();
        template.outputNames().forEach((key, output) -> {
            if (values.containsKey(output)) {
                endpoints.put(key, values.get(output));
            }
        });
        return endpoints;
    }
}
