package dev.wsctl.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.aws.IamSimulator.Call;
import dev.wsctl.aws.IamSimulator.Decision;
import dev.wsctl.config.Jackson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The policy tests' evaluator denies what a policy does not grant, so that they can fail. */
class IamSimulatorTest {
    private static final String FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:chat-dev-webhooks";

    @Test
    void decidesActionsResourcesConditionsResourceTypesAndContextKeys() throws Exception {
        JsonNode policy = Jackson.mapper().readTree("""
                {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Action": "lambda:GetFunction",
                   "Resource": "arn:aws:lambda:us-east-1:123456789012:function:chat-dev-*"},
                  {"Effect": "Allow", "Action": "lambda:CreateEventSourceMapping", "Resource": "*",
                   "Condition": {"ArnLike": {"lambda:FunctionArn": ["%1$s", "%1$s:*"]}}},
                  {"Effect": "Allow", "Action": "apigateway:GET", "Resource": "arn:aws:apigateway:us-east-1::/apis/*"}
                ]}""".formatted(FUNCTION));
        List<Decision> decisions = IamSimulator.decide(
                policy,
                List.of(
                        new Call("lambda:GetFunction", FUNCTION),
                        new Call("lambda:GetFunction", "arn:aws:lambda:us-east-1:123456789012:function:other"),
                        new Call("lambda:DeleteFunction", FUNCTION),
                        new Call(
                                "lambda:CreateEventSourceMapping",
                                "*",
                                Map.of("lambda:FunctionArn", FUNCTION + ":live")),
                        new Call(
                                "lambda:CreateEventSourceMapping",
                                "*",
                                Map.of("lambda:FunctionArn", FUNCTION.replace("chat", "news"))),
                        new Call("lambda:GetFunction", "arn:aws:dynamodb:us-east-1:123456789012:table/chat-dev-x"),
                        new Call("lambda:GetFunction", FUNCTION, Map.of("sqs:Queue", "q")),
                        new Call("apigateway:GET", "arn:aws:apigateway:us-east-1::/apis/a1/routes/r1"),
                        new Call("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/apis/a1")));
        assertThat(decisions)
                .extracting(Decision::decision)
                .containsExactly(
                        "Allowed",
                        "ImplicitlyDenied",
                        "ImplicitlyDenied",
                        "Allowed",
                        "ImplicitlyDenied",
                        "Error", // a table is not a resource GetFunction is authorized on
                        "Allowed",
                        "Allowed",
                        "ImplicitlyDenied");
        assertThat(decisions.get(6).allowed())
                .as("a context key the action does not take")
                .isFalse();
        assertThat(decisions.get(6).ignoredContextKeys()).containsExactly("sqs:Queue");
    }
}
