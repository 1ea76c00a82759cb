package dev.wsctl.deploy.fakes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.cloudformation.model.ChangeAction;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetStatus;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.InsufficientCapabilitiesException;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/**
 * The CloudFormation fake behaves like the service on the points {@code deploy --engine cloudformation} depends on
 * (moto's CloudFormation cannot create the stack's API Gateway v2 resources, so this engine is tested on the fake).
 */
class FakeCloudFormationTest {
    private final FakeCloudFormation cloudFormation = new FakeCloudFormation(new FakeAccount());

    private static final String TOPIC = """
            Parameters:
              Name: {Type: String}
              Secret: {Type: String, NoEcho: true, AllowedPattern: "[a-z]{4,}"}
            Resources:
              Topic:
                Type: AWS::SNS::Topic
                Properties:
                  TopicName: {"Fn::Sub": "${Name}-${AWS::Region}"}
                  DisplayName: {Ref: Secret}
            Outputs:
              TopicName: {Value: {"Fn::Sub": "${Topic}"}}
            """;

    private void createChangeSet(String name, ChangeSetType type, String body, Parameter... parameters) {
        cloudFormation.createChangeSet(c -> c.stackName("s")
                .changeSetName(name)
                .changeSetType(type)
                .templateBody(body)
                .parameters(parameters));
    }

    private static Parameter parameter(String key, String value) {
        return Parameter.builder().parameterKey(key).parameterValue(value).build();
    }

    @Test
    void cloudFormationRefusesTemplatesItCannotResolveAndIamWithoutTheCapability() {
        assertThatThrownBy(() -> createChangeSet(
                        "c1",
                        ChangeSetType.CREATE,
                        TOPIC.replace("${Name}", "${Nom}"),
                        parameter("Name", "n"),
                        parameter("Secret", "abcd")))
                .isInstanceOf(CloudFormationException.class)
                .hasMessageContaining("Unresolved resource dependencies [Nom]");
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.CREATE, TOPIC, parameter("Name", "n")))
                .hasMessageContaining("Parameters: [Secret] must have values");
        assertThatThrownBy(() -> createChangeSet(
                        "c1", ChangeSetType.CREATE, TOPIC, parameter("Name", "n"), parameter("Secret", "AB")))
                .hasMessageContaining("must match pattern");
        assertThatThrownBy(() -> createChangeSet(
                        "c1",
                        ChangeSetType.CREATE,
                        TOPIC,
                        parameter("Name", "n"),
                        Parameter.builder()
                                .parameterKey("Secret")
                                .usePreviousValue(true)
                                .build()))
                .hasMessageContaining("usePreviousValue");
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.CREATE, """
                Resources:
                  Role: {Type: AWS::IAM::Role, Properties: {RoleName: r}}
                """))
                .isInstanceOf(InsufficientCapabilitiesException.class)
                .hasMessageContaining("CAPABILITY_NAMED_IAM");
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.UPDATE, TOPIC))
                .hasMessageContaining("does not exist");
        assertThat(cloudFormation.status("s")).isNull();
    }

    @Test
    void cloudFormationPlansExecutesAndHidesNoEchoValues() {
        createChangeSet("c1", ChangeSetType.CREATE, TOPIC, parameter("Name", "n"), parameter("Secret", "abcd"));
        assertThat(cloudFormation.status("s")).isEqualTo(StackStatus.REVIEW_IN_PROGRESS);
        var cf = cloudFormation;
        var planned = cf.waiter()
                .waitUntilChangeSetCreateComplete(
                        r -> r.stackName("s").changeSetName("c1"),
                        o -> o.backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(1)))
                                .maxAttempts(10));
        assertThat(planned.attemptsExecuted()).as("planning takes a few polls").isGreaterThan(1);
        var described = cf.describeChangeSet(r -> r.stackName("s").changeSetName("c1"));
        assertThat(described.changes()).singleElement().satisfies(c -> {
            assertThat(c.resourceChange().action()).isEqualTo(ChangeAction.ADD);
            assertThat(c.resourceChange().logicalResourceId()).isEqualTo("Topic");
        });
        assertThat(described.parameters()).extracting(Parameter::parameterValue).containsExactly("n", "****");

        cf.executeChangeSet(r -> r.stackName("s").changeSetName("c1"));
        cf.waiter()
                .waitUntilStackCreateComplete(
                        r -> r.stackName("s"),
                        o -> o.backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(1)))
                                .maxAttempts(10));
        var stack = cf.describeStacks(r -> r.stackName("s")).stacks().get(0);
        assertThat(stack.stackStatus()).isEqualTo(StackStatus.CREATE_COMPLETE);
        assertThat(stack.outputs())
                .singleElement()
                .satisfies(o -> assertThat(o.outputValue()).isNotBlank());
        assertThat(cf.describeStackEvents(r -> r.stackName("s"))
                        .stackEvents()
                        .get(0)
                        .resourceStatusAsString())
                .as("newest first")
                .isEqualTo("CREATE_COMPLETE");

        createChangeSet(
                "c2",
                ChangeSetType.UPDATE,
                TOPIC,
                parameter("Name", "n"),
                Parameter.builder()
                        .parameterKey("Secret")
                        .usePreviousValue(true)
                        .build());
        cf.describeChangeSet(r -> r.stackName("s").changeSetName("c2"));
        var same = cf.describeChangeSet(r -> r.stackName("s").changeSetName("c2"));
        assertThat(same.status()).isEqualTo(ChangeSetStatus.FAILED);
        assertThat(same.statusReason()).contains("didn't contain changes");

        createChangeSet("c3", ChangeSetType.UPDATE, TOPIC, parameter("Name", "m"), parameter("Secret", "efgh"));
        cf.describeChangeSet(r -> r.stackName("s").changeSetName("c3"));
        var renamed = cf.describeChangeSet(r -> r.stackName("s").changeSetName("c3"));
        assertThat(renamed.changes()).singleElement().satisfies(c -> {
            assertThat(c.resourceChange().action()).isEqualTo(ChangeAction.MODIFY);
            assertThat(c.resourceChange().details())
                    .extracting(d -> d.target().name())
                    .containsExactly("TopicName", "DisplayName");
        });
    }
}
