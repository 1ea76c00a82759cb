package dev.wsctl.deploy;

import dev.wsctl.awshttp.AwsEndpoints;

/**
 * The ARNs, invoke URIs and URLs of a stack's resources, from the engine's outputs: values read from AWS, or in a
 * template references to them ({@code ${AWS::Region}}), so both engines build each from here.
 */
final class Endpoints {
    private Endpoints() {}

    /** The API's ARN, for tagging (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html). */
    static String apiArn(Outputs outputs) {
        return "arn:" + outputs.get("partition") + ":apigateway:" + outputs.get("region") + "::/apis/"
                + outputs.get("api.id");
    }

    /** A stage's ARN, for tagging. */
    static String stageArn(Outputs outputs, String stage) {
        return apiArn(outputs) + "/stages/" + stage;
    }

    /** What of the API may invoke a function: {@code resource} is {@code *} (any route) or {@code authorizers/*}. */
    static String executeApiArn(Outputs outputs, String resource) {
        return "arn:" + outputs.get("partition") + ":execute-api:" + outputs.get("region") + ":"
                + outputs.get("account") + ":" + outputs.get("api.id") + "/" + resource;
    }

    /**
     * The URI by which API Gateway invokes the function (or its alias) of an integration or authorizer
     * (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations.html, IntegrationUri).
     */
    static String invokeUri(Outputs outputs, String function) {
        return "arn:" + outputs.get("partition") + ":apigateway:" + outputs.get("region")
                + ":lambda:path/2015-03-31/functions/" + outputs.get("function." + function + ".target")
                + "/invocations";
    }

    /** Where clients connect. */
    static String url(Outputs outputs) {
        return outputs.get("api.endpoint") + "/" + outputs.get("stage");
    }

    /** The stage's {@code @connections} base, of the API {@code apiId}. */
    static String callbackUrl(Outputs outputs, String apiId) {
        return AwsEndpoints.connectionsUrl(
                apiId, outputs.get("region"), outputs.get("dnsSuffix"), outputs.get("stage"));
    }
}
