package dev.wsctl.deploy.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.wsctl.deploy.Intrinsics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AlreadyExistsException;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.Change;
import software.amazon.awssdk.services.cloudformation.model.ChangeAction;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetNotFoundException;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetStatus;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.ChangeType;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.CreateChangeSetRequest;
import software.amazon.awssdk.services.cloudformation.model.CreateChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.DeleteChangeSetRequest;
import software.amazon.awssdk.services.cloudformation.model.DeleteChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.DeleteStackRequest;
import software.amazon.awssdk.services.cloudformation.model.DeleteStackResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackEventsRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackEventsResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksResponse;
import software.amazon.awssdk.services.cloudformation.model.ExecuteChangeSetRequest;
import software.amazon.awssdk.services.cloudformation.model.ExecuteChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.ExecutionStatus;
import software.amazon.awssdk.services.cloudformation.model.InsufficientCapabilitiesException;
import software.amazon.awssdk.services.cloudformation.model.InvalidChangeSetStatusException;
import software.amazon.awssdk.services.cloudformation.model.ListStackResourcesRequest;
import software.amazon.awssdk.services.cloudformation.model.ListStackResourcesResponse;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Replacement;
import software.amazon.awssdk.services.cloudformation.model.RequiresRecreation;
import software.amazon.awssdk.services.cloudformation.model.ResourceAttribute;
import software.amazon.awssdk.services.cloudformation.model.ResourceChange;
import software.amazon.awssdk.services.cloudformation.model.ResourceChangeDetail;
import software.amazon.awssdk.services.cloudformation.model.ResourceStatus;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackResourceSummary;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.cloudformation.model.Tag;
import software.amazon.awssdk.services.cloudformation.waiters.CloudFormationWaiter;

/**
 * CloudFormation's stacks, change sets and events: enough for {@code wsctl deploy --engine cloudformation} and the
 * SDK's waiters, keeping state as the service does. It exists because no independent emulator here can run this
 * engine: moto's CloudFormation does not create API Gateway v2 resources. It plans and "creates" resources as
 * template entries only (no IAM role, function or API is made anywhere); every other service the engine calls (S3,
 * STS) is moto's. What it assumes comes from the CloudFormation API reference
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html,
 * API_DescribeChangeSet.html, API_ExecuteChangeSet.html, API_DescribeStacks.html, API_DescribeStackEvents.html) and
 * the user guide on change sets (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html):
 *
 * <ul>
 *   <li>CreateChangeSet checks the template as the service does before it plans: YAML or JSON of at most 51,200
 *   bytes; every {@code Ref}, {@code Fn::GetAtt}, {@code Fn::Sub} and {@code DependsOn} names a parameter, resource or
 *   pseudo parameter; every parameter has a value (given, kept with UsePreviousValue, or its default) that matches its
 *   AllowedPattern; named IAM roles need CAPABILITY_NAMED_IAM. A CREATE change set makes the stack, in
 *   REVIEW_IN_PROGRESS.</li>
 *   <li>The changes are computed logical id by logical id, after putting parameter values in: new ids are Add, gone
 *   ones Remove, different types or properties Modify (with the properties that differ, and Replacement True when one
 *   of them cannot change in place). They are ready a few DescribeChangeSet calls later (CREATE_PENDING,
 *   CREATE_IN_PROGRESS, then CREATE_COMPLETE or, with no changes, FAILED "didn't contain changes").</li>
 *   <li>ExecuteChangeSet applies one resource per DescribeStacks call (what the waiters poll), writing events; a
 *   resource armed with {@link #failOnExecution} fails with that reason and the stack rolls back (ROLLBACK_COMPLETE
 *   after a create, UPDATE_ROLLBACK_COMPLETE after an update, its template and parameters as before).</li>
 * </ul>
 * It keeps what CloudFormation knows of the resources (logical id, type, physical id); it does not create them in
 * the other fakes.
 */
public final class FakeCloudFormation implements CloudFormationClient {
    /** CloudFormation's limit for TemplateBody. */
    public static final int MAX_TEMPLATE_BODY = 51_200;

    public static final String NO_CHANGES = "The submitted information didn't contain changes. Submit different"
            + " information to create a change set.";
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> PSEUDO = Set.of(
            "AWS::AccountId",
            "AWS::Region",
            "AWS::Partition",
            "AWS::StackName",
            "AWS::StackId",
            "AWS::URLSuffix",
            "AWS::NoValue");
    /** Properties that cannot change in place, for the types this project uses. */
    private static final Map<String, Set<String>> REPLACING = Map.of(
            "AWS::DynamoDB::Table", Set.of("TableName", "KeySchema"),
            "AWS::IAM::Role", Set.of("RoleName"),
            "AWS::Lambda::Function", Set.of("FunctionName"),
            "AWS::Lambda::Version", Set.of("FunctionName", "Description", "CodeSha256"),
            "AWS::Lambda::Alias", Set.of("FunctionName", "Name"),
            "AWS::Lambda::Permission", Set.of("FunctionName", "Action", "Principal", "SourceArn"),
            "AWS::Lambda::EventInvokeConfig", Set.of("FunctionName", "Qualifier"),
            "AWS::ApiGatewayV2::Route", Set.of("ApiId"),
            "AWS::ApiGatewayV2::Deployment", Set.of("ApiId"),
            "AWS::ApiGatewayV2::Stage", Set.of("ApiId", "StageName"));

    private static final Pattern SUB = Pattern.compile("\\$\\{([^}!][^}]*)}");

    private static final class ChangeSetState {
        String id;
        String name;
        ChangeSetType type;
        ChangeSetStatus status = ChangeSetStatus.CREATE_PENDING;
        ExecutionStatus execution = ExecutionStatus.UNAVAILABLE;
        String reason;
        JsonNode template;
        Map<String, String> parameters;
        List<Change> changes;
        List<Tag> tags;
    }

    private static final class StackState {
        String id;
        String name;
        StackStatus status = StackStatus.REVIEW_IN_PROGRESS;
        String reason;
        JsonNode template;
        Map<String, String> parameters = Map.of();
        List<Tag> tags = List.of();
        Map<String, String> physicalIds = new LinkedHashMap<>();
        Map<String, String> outputs = new LinkedHashMap<>();
        final List<StackEvent> events = new ArrayList<>(); // oldest first
        final Map<String, ChangeSetState> changeSets = new LinkedHashMap<>();
        final Deque<Runnable> steps = new ArrayDeque<>(); // the execution under way, one step per DescribeStacks
    }

    private final FakeAccount account;
    private final Map<String, StackState> stacks = new TreeMap<>();
    private final List<StackState> deleted = new ArrayList<>();
    private final Map<String, String> failures = new HashMap<>();
    private long ids;

    public FakeCloudFormation(FakeAccount account) {
        this.account = account;
    }

    // ---- helpers for tests

    /** The next execution that reaches resource {@code logicalId} fails there with {@code reason}. */
    public synchronized void failOnExecution(String logicalId, String reason) {
        failures.put(logicalId, reason);
    }

    /** The stack's status, or null when there is no such stack. */
    public synchronized StackStatus status(String stackName) {
        StackState s = stacks.get(stackName);
        return s == null ? null : s.status;
    }

    /** The stack's template as CloudFormation holds it (the last one executed), or null. */
    public synchronized JsonNode template(String stackName) {
        StackState s = stacks.get(stackName);
        return s == null ? null : s.template;
    }

    /** A parameter's value as CloudFormation holds it, NoEcho or not; null when absent. */
    public synchronized String parameter(String stackName, String key) {
        StackState s = stacks.get(stackName);
        return s == null ? null : s.parameters.get(key);
    }

    /** The logical ids of the stack's resources. */
    public synchronized Set<String> resources(String stackName) {
        StackState s = stacks.get(stackName);
        return s == null ? Set.of() : new TreeSet<>(s.physicalIds.keySet());
    }

    /** The names of the stack's change sets that have not been executed or deleted. */
    public synchronized List<String> changeSets(String stackName) {
        StackState s = stacks.get(stackName);
        return s == null ? List.of() : new ArrayList<>(s.changeSets.keySet());
    }

    /** One line per stack. */
    public synchronized List<String> inventory() {
        return stacks.values().stream()
                .map(s -> "cloudformation stack " + s.name + " " + s.status)
                .toList();
    }

    // ---- change sets

    @Override
    public synchronized CreateChangeSetResponse createChangeSet(CreateChangeSetRequest r) {
        account.log().mutate("cloudformation:CreateChangeSet");
        if (r.stackName() == null || !r.stackName().matches("[a-zA-Z][-a-zA-Z0-9]{0,127}")) {
            throw validation("1 validation error detected: Value '" + r.stackName()
                    + "' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern:"
                    + " [a-zA-Z][-a-zA-Z0-9]*");
        }
        if (r.changeSetName() == null || !r.changeSetName().matches("[a-zA-Z][-a-zA-Z0-9]{0,127}")) {
            throw validation("1 validation error detected: Value '" + r.changeSetName()
                    + "' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression"
                    + " pattern: [a-zA-Z][-a-zA-Z0-9]*");
        }
        ChangeSetType type = r.changeSetType() == null ? ChangeSetType.UPDATE : r.changeSetType();
        StackState stack = stacks.get(r.stackName());
        if (type == ChangeSetType.CREATE && stack != null && stack.status != StackStatus.REVIEW_IN_PROGRESS) {
            throw err(
                    AlreadyExistsException.builder(),
                    400,
                    "AlreadyExistsException",
                    "Stack [" + r.stackName() + "] already exists and cannot be created again with the changeSet ["
                            + r.changeSetName() + "].");
        }
        if (type == ChangeSetType.UPDATE && stack == null) {
            throw validation("Stack [" + r.stackName() + "] does not exist");
        }
        if (type == ChangeSetType.UPDATE && !updatable(stack.status)) {
            throw validation("Stack:" + stack.id + " is in " + stack.status + " state and can not be updated.");
        }
        if (stack != null && stack.changeSets.containsKey(r.changeSetName())) {
            throw err(
                    AlreadyExistsException.builder(),
                    400,
                    "AlreadyExistsException",
                    "ChangeSet " + r.changeSetName() + " already exists");
        }
        JsonNode template = parse(r.templateBody());
        checkReferences(template);
        Map<String, String> parameters =
                parameters(template, r.parameters(), type == ChangeSetType.UPDATE ? stack : null);
        checkCapabilities(template, r.capabilities());

        if (stack == null) {
            stack = new StackState();
            stack.name = r.stackName();
            stack.id = "arn:aws:cloudformation:" + account.region() + ":" + account.accountId() + ":stack/"
                    + r.stackName() + "/" + FakeAccount.uuid(++ids);
            stacks.put(stack.name, stack);
            stackEvent(stack, "User Initiated");
        }
        ChangeSetState cs = new ChangeSetState();
        cs.name = r.changeSetName();
        cs.id = "arn:aws:cloudformation:" + account.region() + ":" + account.accountId() + ":changeSet/" + cs.name + "/"
                + FakeAccount.uuid(++ids);
        cs.type = type;
        cs.template = template;
        cs.parameters = parameters;
        cs.tags = r.tags();
        cs.changes = changes(stack.template, stack.parameters, stack.physicalIds, template, parameters);
        stack.changeSets.put(cs.name, cs);
        return CreateChangeSetResponse.builder().id(cs.id).stackId(stack.id).build();
    }

    /** Answers the state the change set has reached, one step further on each call, as the service's planning. */
    @Override
    public synchronized DescribeChangeSetResponse describeChangeSet(DescribeChangeSetRequest r) {
        account.log().read("cloudformation:DescribeChangeSet");
        StackState stack = stackOf(r.stackName(), r.changeSetName());
        ChangeSetState cs = changeSet(stack, r.changeSetName());
        if (cs.status == ChangeSetStatus.CREATE_PENDING) {
            cs.status = ChangeSetStatus.CREATE_IN_PROGRESS;
        } else if (cs.status == ChangeSetStatus.CREATE_IN_PROGRESS && cs.changes.isEmpty()) {
            cs.status = ChangeSetStatus.FAILED;
            cs.reason = NO_CHANGES;
        } else if (cs.status == ChangeSetStatus.CREATE_IN_PROGRESS) {
            cs.status = ChangeSetStatus.CREATE_COMPLETE;
            cs.execution = ExecutionStatus.AVAILABLE;
        }
        boolean done = cs.status == ChangeSetStatus.CREATE_COMPLETE;
        int from = r.nextToken() == null ? 0 : Integer.parseInt(r.nextToken());
        int to = Math.min(from + 20, done ? cs.changes.size() : 0);
        return DescribeChangeSetResponse.builder()
                .changeSetName(cs.name)
                .changeSetId(cs.id)
                .stackId(stack.id)
                .stackName(stack.name)
                .status(cs.status)
                .statusReason(cs.reason)
                .executionStatus(cs.execution)
                .parameters(shown(cs.template, cs.parameters))
                .capabilities(Capability.CAPABILITY_NAMED_IAM)
                .changes(done ? cs.changes.subList(from, to) : List.of())
                .nextToken(done && to < cs.changes.size() ? String.valueOf(to) : null)
                .build();
    }

    @Override
    public synchronized DeleteChangeSetResponse deleteChangeSet(DeleteChangeSetRequest r) {
        account.log().mutate("cloudformation:DeleteChangeSet");
        StackState stack = stackOf(r.stackName(), r.changeSetName());
        ChangeSetState cs = changeSet(stack, r.changeSetName());
        if (cs.execution == ExecutionStatus.EXECUTE_IN_PROGRESS) {
            throw err(
                    InvalidChangeSetStatusException.builder(),
                    400,
                    "InvalidChangeSetStatus",
                    "Cannot delete ChangeSet in status EXECUTE_IN_PROGRESS");
        }
        stack.changeSets.remove(cs.name);
        return DeleteChangeSetResponse.builder().build();
    }

    @Override
    public synchronized ExecuteChangeSetResponse executeChangeSet(ExecuteChangeSetRequest r) {
        account.log().mutate("cloudformation:ExecuteChangeSet");
        StackState stack = stackOf(r.stackName(), r.changeSetName());
        ChangeSetState cs = changeSet(stack, r.changeSetName());
        if (cs.execution != ExecutionStatus.AVAILABLE) {
            throw err(
                    InvalidChangeSetStatusException.builder(),
                    400,
                    "InvalidChangeSetStatus",
                    "ChangeSet [" + cs.id + "] cannot be executed in its current execution status of [" + cs.execution
                            + "]");
        }
        boolean create = cs.type == ChangeSetType.CREATE;
        JsonNode previousTemplate = stack.template;
        Map<String, String> previousParameters = stack.parameters;
        Map<String, String> previousIds = new LinkedHashMap<>(stack.physicalIds);
        stack.template = cs.template;
        stack.parameters = cs.parameters;
        stack.tags = cs.tags;
        stack.changeSets.clear(); // executing one change set makes the others obsolete; the service drops them all
        stack.status = create ? StackStatus.CREATE_IN_PROGRESS : StackStatus.UPDATE_IN_PROGRESS;
        stack.reason = null;
        stackEvent(stack, "User Initiated");
        StackState s = stack;
        List<String> applied = new ArrayList<>();
        for (Change c : cs.changes) {
            ResourceChange rc = c.resourceChange();
            if (rc.action() != ChangeAction.REMOVE) {
                stack.steps.add(() -> apply(s, rc, applied, create, previousTemplate, previousParameters, previousIds));
            }
        }
        if (!create) {
            stack.steps.add(() -> {
                s.status = StackStatus.UPDATE_COMPLETE_CLEANUP_IN_PROGRESS;
                stackEvent(s, null);
            });
        }
        for (Change c : cs.changes) {
            ResourceChange rc = c.resourceChange();
            if (rc.action() == ChangeAction.REMOVE) {
                stack.steps.add(() -> {
                    String physical = s.physicalIds.remove(rc.logicalResourceId());
                    event(
                            s,
                            rc.logicalResourceId(),
                            physical,
                            rc.resourceType(),
                            ResourceStatus.DELETE_IN_PROGRESS,
                            null);
                    event(s, rc.logicalResourceId(), physical, rc.resourceType(), ResourceStatus.DELETE_COMPLETE, null);
                });
            }
        }
        stack.steps.add(() -> {
            s.status = create ? StackStatus.CREATE_COMPLETE : StackStatus.UPDATE_COMPLETE;
            s.outputs = outputs(s);
            stackEvent(s, null);
        });
        return ExecuteChangeSetResponse.builder().build();
    }

    /** Creates or updates one resource; on an armed failure, replaces the rest of the execution with a rollback. */
    private void apply(
            StackState stack,
            ResourceChange rc,
            List<String> applied,
            boolean create,
            JsonNode previousTemplate,
            Map<String, String> previousParameters,
            Map<String, String> previousIds) {
        boolean add = rc.action() == ChangeAction.ADD;
        String id = rc.logicalResourceId();
        String type = rc.resourceType();
        ResourceStatus inProgress = add ? ResourceStatus.CREATE_IN_PROGRESS : ResourceStatus.UPDATE_IN_PROGRESS;
        event(stack, id, stack.physicalIds.get(id), type, inProgress, null);
        String reason = failures.remove(id);
        if (reason != null) {
            event(
                    stack,
                    id,
                    stack.physicalIds.get(id),
                    type,
                    add ? ResourceStatus.CREATE_FAILED : ResourceStatus.UPDATE_FAILED,
                    reason);
            stack.steps.clear();
            rollBack(stack, id, applied, create, previousTemplate, previousParameters, previousIds);
            return;
        }
        if (add || rc.replacement() == Replacement.TRUE) {
            stack.physicalIds.put(id, physicalId(stack, id));
        }
        applied.add(id);
        event(
                stack,
                id,
                stack.physicalIds.get(id),
                type,
                add ? ResourceStatus.CREATE_COMPLETE : ResourceStatus.UPDATE_COMPLETE,
                null);
    }

    private void rollBack(
            StackState stack,
            String failed,
            List<String> applied,
            boolean create,
            JsonNode previousTemplate,
            Map<String, String> previousParameters,
            Map<String, String> previousIds) {
        stack.steps.add(() -> {
            stack.status = create ? StackStatus.ROLLBACK_IN_PROGRESS : StackStatus.UPDATE_ROLLBACK_IN_PROGRESS;
            stack.reason = "The following resource(s) failed to " + (create ? "create" : "update") + ": [" + failed
                    + "]. Rollback requested by user.";
            stackEvent(stack, stack.reason);
        });
        List<String> undo = new ArrayList<>(applied);
        java.util.Collections.reverse(undo);
        for (String id : undo) {
            stack.steps.add(() -> {
                boolean added = !previousIds.containsKey(id);
                String type = (added ? stack.template : previousTemplate)
                        .at("/Resources/" + id + "/Type")
                        .asText();
                event(
                        stack,
                        id,
                        stack.physicalIds.get(id),
                        type,
                        added ? ResourceStatus.DELETE_COMPLETE : ResourceStatus.UPDATE_COMPLETE,
                        null);
            });
        }
        stack.steps.add(() -> {
            if (create) {
                stack.physicalIds.clear();
                stack.status = StackStatus.ROLLBACK_COMPLETE;
            } else {
                stack.template = previousTemplate;
                stack.parameters = previousParameters;
                stack.physicalIds = new LinkedHashMap<>(previousIds);
                stack.status = StackStatus.UPDATE_ROLLBACK_COMPLETE;
            }
            stackEvent(stack, null);
        });
    }

    // ---- stacks

    /** Answers the stack as it is, after running one more step of an execution under way. */
    @Override
    public synchronized DescribeStacksResponse describeStacks(DescribeStacksRequest r) {
        account.log().read("cloudformation:DescribeStacks");
        StackState stack = stack(r.stackName());
        Runnable step = stack.steps.poll();
        if (step != null) {
            step.run();
        }
        return DescribeStacksResponse.builder()
                .stacks(Stack.builder()
                        .stackId(stack.id)
                        .stackName(stack.name)
                        .stackStatus(stack.status)
                        .stackStatusReason(stack.reason)
                        .parameters(stack.template == null ? List.of() : shown(stack.template, stack.parameters))
                        .outputs(stack.outputs.entrySet().stream()
                                .map(e -> Output.builder()
                                        .outputKey(e.getKey())
                                        .outputValue(e.getValue())
                                        .build())
                                .toList())
                        .tags(stack.tags)
                        .creationTime(stack.events.get(0).timestamp())
                        .build())
                .build();
    }

    /** Newest first, 50 to a page. */
    @Override
    public synchronized DescribeStackEventsResponse describeStackEvents(DescribeStackEventsRequest r) {
        account.log().read("cloudformation:DescribeStackEvents");
        StackState stack = stack(r.stackName());
        List<StackEvent> newestFirst = new ArrayList<>(stack.events);
        java.util.Collections.reverse(newestFirst);
        int from = r.nextToken() == null ? 0 : Integer.parseInt(r.nextToken());
        int to = Math.min(from + 50, newestFirst.size());
        return DescribeStackEventsResponse.builder()
                .stackEvents(newestFirst.subList(from, to))
                .nextToken(to < newestFirst.size() ? String.valueOf(to) : null)
                .build();
    }

    /**
     * A stack in review (made by a CREATE change set, never executed) or rolled back after its first deploy has
     * nothing to delete and goes at once. Any other stack is deleted one resource per DescribeStacks call, last
     * created first (DELETE_IN_PROGRESS, then DELETE_COMPLETE); a resource armed with {@link #failOnExecution} fails
     * there and the stack ends DELETE_FAILED, keeping what was not deleted. A deleted stack's name no longer finds
     * it (ValidationError "does not exist"); its id does, DELETE_COMPLETE, as the DeleteStack and DescribeStacks
     * references say (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStack.html,
     * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html). Deleting a stack
     * that is not there succeeds and does nothing.
     */
    @Override
    public synchronized DeleteStackResponse deleteStack(DeleteStackRequest r) {
        account.log().mutate("cloudformation:DeleteStack");
        StackState stack = stacks.get(r.stackName());
        if (stack == null) {
            return DeleteStackResponse.builder().build();
        }
        if (stack.status == StackStatus.REVIEW_IN_PROGRESS || stack.status == StackStatus.ROLLBACK_COMPLETE) {
            stacks.remove(stack.name);
            return DeleteStackResponse.builder().build();
        }
        if (stack.status.toString().endsWith("_IN_PROGRESS")) {
            throw validation("Stack [" + stack.name + "] cannot be deleted while in status " + stack.status);
        }
        stack.status = StackStatus.DELETE_IN_PROGRESS;
        stack.reason = null;
        stackEvent(stack, "User Initiated");
        List<String> ids = new ArrayList<>(stack.physicalIds.keySet());
        java.util.Collections.reverse(ids);
        for (String id : ids) {
            stack.steps.add(() -> {
                String type = stack.template.at("/Resources/" + id + "/Type").asText();
                String physical = stack.physicalIds.get(id);
                event(stack, id, physical, type, ResourceStatus.DELETE_IN_PROGRESS, null);
                String reason = failures.remove(id);
                if (reason != null) {
                    event(stack, id, physical, type, ResourceStatus.DELETE_FAILED, reason);
                    stack.steps.clear();
                    stack.status = StackStatus.DELETE_FAILED;
                    stack.reason = "The following resource(s) failed to delete: [" + id + "].";
                    stackEvent(stack, stack.reason);
                    return;
                }
                stack.physicalIds.remove(id);
                event(stack, id, physical, type, ResourceStatus.DELETE_COMPLETE, null);
            });
        }
        stack.steps.add(() -> {
            stack.status = StackStatus.DELETE_COMPLETE;
            stack.outputs = new LinkedHashMap<>();
            stackEvent(stack, null);
            stacks.remove(stack.name);
            deleted.add(stack);
        });
        return DeleteStackResponse.builder().build();
    }

    /** The stack's resources, in the order they were created, 100 to a page. */
    @Override
    public synchronized ListStackResourcesResponse listStackResources(ListStackResourcesRequest r) {
        account.log().read("cloudformation:ListStackResources");
        StackState stack = stack(r.stackName());
        List<StackResourceSummary> all = stack.physicalIds.entrySet().stream()
                .map(e -> StackResourceSummary.builder()
                        .logicalResourceId(e.getKey())
                        .physicalResourceId(e.getValue())
                        .resourceType(stack.template
                                .at("/Resources/" + e.getKey() + "/Type")
                                .asText())
                        .resourceStatus(ResourceStatus.CREATE_COMPLETE)
                        .build())
                .toList();
        int from = r.nextToken() == null ? 0 : Integer.parseInt(r.nextToken());
        int to = Math.min(from + 100, all.size());
        return ListStackResourcesResponse.builder()
                .stackResourceSummaries(all.subList(from, to))
                .nextToken(to < all.size() ? String.valueOf(to) : null)
                .build();
    }

    /** The SDK's waiters over this fake (CloudFormationClient's default {@code waiter()} throws). */
    @Override
    public CloudFormationWaiter waiter() {
        return CloudFormationWaiter.builder().client(this).build();
    }

    // ---- the template

    private JsonNode parse(String body) {
        if (body == null) {
            throw validation("Either Template URL or Template Body must be specified.");
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > MAX_TEMPLATE_BODY) {
            throw validation("1 validation error detected: Value at 'templateBody' failed to satisfy constraint:"
                    + " Member must have length less than or equal to " + MAX_TEMPLATE_BODY);
        }
        JsonNode template;
        try {
            template = YAML.readTree(body);
        } catch (IOException e) {
            throw validation("Template format error: YAML not well-formed. " + e.getMessage());
        }
        if (template == null
                || !template.path("Resources").isObject()
                || template.get("Resources").isEmpty()) {
            throw validation("Template format error: At least one Resources member must be defined.");
        }
        template.get("Resources").fields().forEachRemaining(e -> {
            if (!e.getKey().matches("[A-Za-z0-9]+")
                    || !e.getValue().path("Type").isTextual()) {
                throw validation("Template format error: resource " + e.getKey() + " needs an alphanumeric logical id"
                        + " and a Type");
            }
        });
        return template;
    }

    private void checkReferences(JsonNode template) {
        Set<String> declared = new TreeSet<>(PSEUDO);
        template.path("Parameters").fieldNames().forEachRemaining(declared::add);
        template.get("Resources").fieldNames().forEachRemaining(declared::add);
        Set<String> unresolved = new TreeSet<>();
        for (JsonNode part : List.of(template.get("Resources"), template.path("Outputs"))) {
            for (String ref : Intrinsics.references(part)) {
                String name = ref.contains("::") ? ref : ref.split("\\.", 2)[0];
                if (!declared.contains(name)) {
                    unresolved.add(name);
                }
            }
        }
        template.get("Resources")
                .forEach(r -> r.path("DependsOn").forEach(d -> {
                    if (!template.get("Resources").has(d.asText())) {
                        unresolved.add(d.asText());
                    }
                }));
        if (!unresolved.isEmpty()) {
            throw validation("Template format error: Unresolved resource dependencies " + unresolved
                    + " in the Resources block of the template");
        }
    }

    /** The value of every parameter the template declares. */
    private Map<String, String> parameters(JsonNode template, List<Parameter> given, StackState previous) {
        JsonNode declared = template.path("Parameters");
        Map<String, String> values = new LinkedHashMap<>();
        for (Parameter p : given) {
            if (!declared.has(p.parameterKey())) {
                throw validation("Parameters: [" + p.parameterKey() + "] do not exist in the template");
            }
            if (Boolean.TRUE.equals(p.usePreviousValue())) {
                if (previous == null || !previous.parameters.containsKey(p.parameterKey())) {
                    throw validation("Invalid input for parameter key " + p.parameterKey()
                            + ". Cannot specify usePreviousValue as true for a parameter key not in the previous"
                            + " template");
                }
                values.put(p.parameterKey(), previous.parameters.get(p.parameterKey()));
            } else {
                values.put(p.parameterKey(), p.parameterValue());
            }
        }
        List<String> missing = new ArrayList<>();
        declared.fields().forEachRemaining(e -> {
            if (!values.containsKey(e.getKey()) && e.getValue().has("Default")) {
                values.put(e.getKey(), e.getValue().get("Default").asText());
            }
            String value = values.get(e.getKey());
            if (value == null) {
                missing.add(e.getKey());
            } else if (e.getValue().has("AllowedPattern")
                    && !value.matches(e.getValue().get("AllowedPattern").asText())) {
                throw validation("Parameter '" + e.getKey() + "' must match pattern "
                        + e.getValue().get("AllowedPattern").asText());
            }
        });
        if (!missing.isEmpty()) {
            throw validation("Parameters: " + missing + " must have values");
        }
        return values;
    }

    private void checkCapabilities(JsonNode template, List<Capability> capabilities) {
        boolean namedRoles = false;
        boolean roles = false;
        for (JsonNode r : template.get("Resources")) {
            if (r.get("Type").asText().startsWith("AWS::IAM::")) {
                roles = true;
                namedRoles |= r.path("Properties").has("RoleName");
            }
        }
        if (namedRoles && !capabilities.contains(Capability.CAPABILITY_NAMED_IAM)) {
            throw err(
                    InsufficientCapabilitiesException.builder(),
                    400,
                    "InsufficientCapabilitiesException",
                    "Requires capabilities : [CAPABILITY_NAMED_IAM]");
        }
        if (roles
                && !capabilities.contains(Capability.CAPABILITY_IAM)
                && !capabilities.contains(Capability.CAPABILITY_NAMED_IAM)) {
            throw err(
                    InsufficientCapabilitiesException.builder(),
                    400,
                    "InsufficientCapabilitiesException",
                    "Requires capabilities : [CAPABILITY_IAM]");
        }
    }

    /** What a change set changes: logical id by logical id, parameter values put in. */
    private static List<Change> changes(
            JsonNode oldTemplate,
            Map<String, String> oldParameters,
            Map<String, String> physicalIds,
            JsonNode newTemplate,
            Map<String, String> newParameters) {
        JsonNode before = oldTemplate == null
                ? JsonNodeFactory.instance.objectNode()
                : withParameters(oldTemplate.get("Resources"), oldParameters);
        JsonNode after = withParameters(newTemplate.get("Resources"), newParameters);
        List<Change> changes = new ArrayList<>();
        after.fields().forEachRemaining(e -> {
            String id = e.getKey();
            String type = e.getValue().get("Type").asText();
            JsonNode old = before.get(id);
            if (old == null) {
                changes.add(change(ChangeAction.ADD, id, null, type, null, List.of()));
                return;
            }
            Set<String> differ = new LinkedHashSet<>();
            JsonNode oldProperties = old.path("Properties");
            JsonNode newProperties = e.getValue().path("Properties");
            Set<String> names = new LinkedHashSet<>();
            oldProperties.fieldNames().forEachRemaining(names::add);
            newProperties.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                if (!oldProperties.path(name).equals(newProperties.path(name))) {
                    differ.add(name);
                }
            }
            boolean retyped = !old.get("Type").asText().equals(type);
            if (differ.isEmpty() && !retyped) {
                return;
            }
            boolean replaced = retyped
                    || differ.stream()
                            .anyMatch(
                                    n -> REPLACING.getOrDefault(type, Set.of()).contains(n));
            changes.add(change(
                    ChangeAction.MODIFY,
                    id,
                    physicalIds.get(id),
                    type,
                    replaced ? Replacement.TRUE : Replacement.FALSE,
                    new ArrayList<>(differ)));
        });
        before.fields().forEachRemaining(e -> {
            if (!after.has(e.getKey())) {
                changes.add(change(
                        ChangeAction.REMOVE,
                        e.getKey(),
                        physicalIds.get(e.getKey()),
                        e.getValue().get("Type").asText(),
                        null,
                        List.of()));
            }
        });
        return changes;
    }

    private static Change change(
            ChangeAction action,
            String id,
            String physicalId,
            String type,
            Replacement replacement,
            List<String> properties) {
        ResourceChange.Builder rc = ResourceChange.builder()
                .action(action)
                .logicalResourceId(id)
                .physicalResourceId(physicalId)
                .resourceType(type)
                .replacement(replacement)
                .details(properties.stream()
                        .map(p -> ResourceChangeDetail.builder()
                                .target(t -> t.attribute(ResourceAttribute.PROPERTIES)
                                        .name(p)
                                        .requiresRecreation(
                                                REPLACING
                                                                .getOrDefault(type, Set.of())
                                                                .contains(p)
                                                        ? RequiresRecreation.ALWAYS
                                                        : RequiresRecreation.NEVER))
                                .build())
                        .toList());
        return Change.builder()
                .type(ChangeType.RESOURCE)
                .resourceChange(rc.build())
                .build();
    }

    /** {@code node} with references to parameters replaced by their values; other references stay. */
    private static JsonNode withParameters(JsonNode node, Map<String, String> parameters) {
        if (node.isObject()
                && node.size() == 1
                && node.has("Ref")
                && parameters.containsKey(node.get("Ref").asText())) {
            return JsonNodeFactory.instance.textNode(
                    parameters.get(node.get("Ref").asText()));
        }
        if (node.isObject()
                && node.size() == 1
                && node.has("Fn::Sub")
                && node.get("Fn::Sub").isTextual()) {
            Matcher m = SUB.matcher(node.get("Fn::Sub").asText());
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String value = parameters.get(m.group(1));
                m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
            }
            m.appendTail(out);
            return JsonNodeFactory.instance.objectNode().put("Fn::Sub", out.toString());
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(e -> copy.set(e.getKey(), withParameters(e.getValue(), parameters)));
            return copy;
        }
        if (node.isArray()) {
            var copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> copy.add(withParameters(n, parameters)));
            return copy;
        }
        return node;
    }

    /** Parameters as DescribeStacks shows them: NoEcho values as asterisks. */
    private static List<Parameter> shown(JsonNode template, Map<String, String> values) {
        return values.entrySet().stream()
                .map(e -> Parameter.builder()
                        .parameterKey(e.getKey())
                        .parameterValue(
                                template.at("/Parameters/" + e.getKey() + "/NoEcho")
                                                .asBoolean()
                                        ? "****"
                                        : e.getValue())
                        .build())
                .toList();
    }

    // ---- resources and outputs

    /** The name a named resource was given, else a generated id. */
    private String physicalId(StackState stack, String logicalId) {
        JsonNode properties =
                withParameters(stack.template.at("/Resources/" + logicalId + "/Properties"), stack.parameters);
        for (String name : List.of("FunctionName", "RoleName", "TableName", "StageName")) {
            if (properties.path(name).isTextual()) {
                return properties.get(name).asText();
            }
        }
        return FakeAccount.id(++ids, 10);
    }

    private Map<String, String> outputs(StackState stack) {
        Map<String, String> outputs = new LinkedHashMap<>();
        stack.template
                .path("Outputs")
                .fields()
                .forEachRemaining(e -> outputs.put(
                        e.getKey(),
                        Intrinsics.resolve(e.getValue().get("Value"), name -> value(stack, name))
                                .asText()));
        return outputs;
    }

    /** What {@code Ref name} or {@code Fn::GetAtt} of {@code logicalId.attribute} is in this fake. */
    private String value(StackState stack, String name) {
        switch (name) {
            case "AWS::Region":
                return account.region();
            case "AWS::AccountId":
                return account.accountId();
            case "AWS::URLSuffix":
                return "amazonaws.com";
            case "AWS::Partition":
                return "aws";
            case "AWS::StackName":
                return stack.name;
            case "AWS::StackId":
                return stack.id;
            default:
                break;
        }
        if (stack.parameters.containsKey(name)) {
            return stack.parameters.get(name);
        }
        String[] parts = name.split("\\.", 2);
        String physical = stack.physicalIds.get(parts[0]);
        if (physical == null || parts.length == 1) {
            return physical;
        }
        String type = stack.template.at("/Resources/" + parts[0] + "/Type").asText();
        return switch (parts[1]) {
            case "ApiEndpoint" -> "wss://" + physical + ".execute-api." + account.region() + ".amazonaws.com";
            case "Arn" ->
                "arn:aws:" + type.split("::")[1].toLowerCase(java.util.Locale.ROOT) + ":" + account.region() + ":"
                        + account.accountId() + ":" + physical;
            default -> physical + "." + parts[1];
        };
    }

    // ---- events, lookups, errors

    private void stackEvent(StackState stack, String reason) {
        event(stack, stack.name, stack.id, "AWS::CloudFormation::Stack", stack.status, reason);
    }

    /** @param status a ResourceStatus, or for the stack itself a StackStatus */
    private void event(
            StackState stack, String logicalId, String physicalId, String type, Object status, String reason) {
        stack.events.add(StackEvent.builder()
                .stackId(stack.id)
                .stackName(stack.name)
                .eventId(FakeAccount.uuid(++ids))
                .logicalResourceId(logicalId)
                .physicalResourceId(physicalId)
                .resourceType(type)
                .timestamp(account.now())
                .resourceStatus(status.toString())
                .resourceStatusReason(reason)
                .build());
    }

    private static boolean updatable(StackStatus status) {
        return switch (status) {
            case CREATE_COMPLETE,
                    UPDATE_COMPLETE,
                    UPDATE_ROLLBACK_COMPLETE,
                    IMPORT_COMPLETE,
                    IMPORT_ROLLBACK_COMPLETE -> true;
            default -> false;
        };
    }

    private StackState stack(String nameOrId) {
        for (StackState s : stacks.values()) {
            if (s.name.equals(nameOrId) || s.id.equals(nameOrId)) {
                return s;
            }
        }
        for (StackState s : deleted) {
            if (s.id.equals(nameOrId)) {
                return s;
            }
        }
        throw validation("Stack with id " + nameOrId + " does not exist");
    }

    /** The stack a change set belongs to, from the stack's name or the change set's ARN. */
    private StackState stackOf(String stackName, String changeSet) {
        if (stackName != null) {
            return stack(stackName);
        }
        for (StackState s : stacks.values()) {
            if (s.changeSets.values().stream().anyMatch(cs -> cs.id.equals(changeSet))) {
                return s;
            }
        }
        throw err(
                ChangeSetNotFoundException.builder(),
                404,
                "ChangeSetNotFound",
                "ChangeSet [" + changeSet + "] does not exist");
    }

    private ChangeSetState changeSet(StackState stack, String nameOrId) {
        for (ChangeSetState cs : stack.changeSets.values()) {
            if (cs.name.equals(nameOrId) || cs.id.equals(nameOrId)) {
                return cs;
            }
        }
        throw err(
                ChangeSetNotFoundException.builder(),
                404,
                "ChangeSetNotFound",
                "ChangeSet [" + nameOrId + "] does not exist");
    }

    private CloudFormationException validation(String message) {
        return err(CloudFormationException.builder(), 400, "ValidationError", message);
    }

    private <E extends AwsServiceException> E err(
            AwsServiceException.Builder b, int status, String code, String message) {
        return account.error(b, "CloudFormation", status, code, message);
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {}
}
