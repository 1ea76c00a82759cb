package dev.wsctl.awshttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

class AwsEndpointsTest {
    private static final AwsEndpoints NONE = AwsEndpoints.of(Map.of());

    @Test
    void eachPartitionHasItsOwnHostNames() {
        assertThat(NONE.dynamoDb(Region.EU_WEST_1)).hasToString("https://dynamodb.eu-west-1.amazonaws.com");
        assertThat(NONE.lambda(Region.EU_WEST_1)).hasToString("https://lambda.eu-west-1.amazonaws.com");
        assertThat(NONE.connections("abc123", Region.EU_WEST_1, "dev"))
                .hasToString("https://abc123.execute-api.eu-west-1.amazonaws.com/dev");

        assertThat(NONE.dynamoDb(Region.CN_NORTH_1)).hasToString("https://dynamodb.cn-north-1.amazonaws.com.cn");
        assertThat(NONE.lambda(Region.CN_NORTH_1)).hasToString("https://lambda.cn-north-1.amazonaws.com.cn");
        assertThat(NONE.connections("abc123", Region.CN_NORTH_1, "prod"))
                .hasToString("https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod");

        assertThat(NONE.dynamoDb(Region.US_GOV_WEST_1)).hasToString("https://dynamodb.us-gov-west-1.amazonaws.com");
        assertThat(NONE.lambda(Region.US_GOV_WEST_1)).hasToString("https://lambda.us-gov-west-1.amazonaws.com");
        assertThat(NONE.connections("abc123", Region.US_GOV_WEST_1, "dev"))
                .hasToString("https://abc123.execute-api.us-gov-west-1.amazonaws.com/dev");

        assertThat(AwsEndpoints.partition(Region.EU_WEST_1).id()).isEqualTo("aws");
        assertThat(AwsEndpoints.partition(Region.CN_NORTH_1).id()).isEqualTo("aws-cn");
        assertThat(AwsEndpoints.partition(Region.US_GOV_WEST_1).id()).isEqualTo("aws-us-gov");
    }

    @Test
    void aRegionTheMetadataDoesNotListYetFallsInThePartitionItsNameMatches() {
        assertThat(Region.regions()).doesNotContain(Region.of("cn-southwest-9"));
        assertThat(AwsEndpoints.dnsSuffix(Region.of("cn-southwest-9"))).isEqualTo("amazonaws.com.cn");
        assertThat(AwsEndpoints.dnsSuffix(Region.of("eu-north-9"))).isEqualTo("amazonaws.com");
    }

    @Test
    void theGlobalVariableSendsEveryServiceToOneEndpointAndTheStageFollowsItForConnections() {
        AwsEndpoints e = AwsEndpoints.of(Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"));

        assertThat(e.dynamoDb(Region.EU_WEST_1)).hasToString("http://127.0.0.1:5000");
        assertThat(e.lambda(Region.CN_NORTH_1)).hasToString("http://127.0.0.1:5000");
        assertThat(e.connections("abc123", Region.EU_WEST_1, "dev")).hasToString("http://127.0.0.1:5000/dev");
        assertThat(e.configured(AwsEndpoints.STS)).contains(URI.create("http://127.0.0.1:5000"));
        // a trailing slash, or a path of the emulator's own, are kept as they are
        assertThat(AwsEndpoints.of(Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/aws/"))
                        .connections("abc123", Region.EU_WEST_1, "dev"))
                .hasToString("http://127.0.0.1:5000/aws/dev");
    }

    @Test
    void aServiceVariableWinsOverTheGlobalOne() {
        AwsEndpoints e = AwsEndpoints.of(Map.of(
                "AWS_ENDPOINT_URL",
                "http://127.0.0.1:5000",
                "AWS_ENDPOINT_URL_LAMBDA",
                "http://127.0.0.1:9001",
                "AWS_ENDPOINT_URL_DYNAMODB",
                "http://127.0.0.1:8000",
                "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI",
                "http://127.0.0.1:3001"));

        assertThat(e.lambda(Region.EU_WEST_1)).hasToString("http://127.0.0.1:9001");
        assertThat(e.dynamoDb(Region.EU_WEST_1)).hasToString("http://127.0.0.1:8000");
        assertThat(e.connections("abc123", Region.EU_WEST_1, "dev")).hasToString("http://127.0.0.1:3001/dev");
        assertThat(e.configured(AwsEndpoints.APIGATEWAYV2)).contains(URI.create("http://127.0.0.1:5000"));
    }

    @Test
    void ignoringConfiguredEndpointsIgnoresTheVariablesButNotAnOverrideInCode() {
        Map<String, String> env = Map.of(
                "AWS_ENDPOINT_URL",
                "http://127.0.0.1:5000",
                "AWS_ENDPOINT_URL_LAMBDA",
                "not a url",
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                "True");

        assertThat(AwsEndpoints.of(env).lambda(Region.EU_WEST_1)).hasToString("https://lambda.eu-west-1.amazonaws.com");
        assertThat(AwsEndpoints.of(env).connections("abc123", Region.EU_WEST_1, "dev"))
                .hasToString("https://abc123.execute-api.eu-west-1.amazonaws.com/dev");
        AwsEndpoints overridden = AwsEndpoints.of(Optional.of(URI.create("http://127.0.0.1:7000")), env);
        assertThat(overridden.lambda(Region.EU_WEST_1)).hasToString("http://127.0.0.1:7000");
        assertThat(overridden.connections("abc123", Region.EU_WEST_1, "dev")).hasToString("http://127.0.0.1:7000/dev");
    }

    @Test
    void anOverrideInCodeWinsOverEveryVariable() {
        AwsEndpoints e = AwsEndpoints.of(
                Optional.of(URI.create("http://127.0.0.1:7000")),
                Map.of("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"));

        assertThat(e.dynamoDb(Region.EU_WEST_1)).hasToString("http://127.0.0.1:7000");
    }

    @Test
    void aVariableThatIsNoUrlIsNamed() {
        assertThatThrownBy(() -> AwsEndpoints.of(Map.of("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AWS_ENDPOINT_URL_DYNAMODB must be an http:// or https:// URL, not 'localhost:8000'");
        assertThat(AwsEndpoints.of(Map.of("AWS_ENDPOINT_URL", " ")).configured(AwsEndpoints.S3))
                .isEmpty();
    }

    @Test
    void theTextFormTakesTemplateReferences() {
        assertThat(AwsEndpoints.connectionsUrl("${Api}", "${AWS::Region}", "${AWS::URLSuffix}", "dev"))
                .isEqualTo("https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/dev");
    }

    @Test
    void theRegionIsLambdasAwsRegionElseTheDefaultRegion() {
        assertThat(AwsEndpoints.region(Map.of("AWS_REGION", "eu-west-1", "AWS_DEFAULT_REGION", "us-east-1")))
                .isEqualTo(Region.EU_WEST_1);
        assertThat(AwsEndpoints.region(Map.of("AWS_REGION", " ", "AWS_DEFAULT_REGION", "us-east-1 ")))
                .isEqualTo(Region.US_EAST_1);
        assertThatThrownBy(() -> AwsEndpoints.region(Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("AWS_REGION is not set");
    }
}
